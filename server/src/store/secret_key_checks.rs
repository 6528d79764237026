//! The key check values of the secret keys the stored data depends on
//! (see [`crate::key_check`]).

use super::{Database, StoreError};

impl Database {
    /// The check value recorded for `purpose`, if any.
    pub async fn key_check(&self, purpose: &str) -> Result<Option<String>, StoreError> {
        let sql = "SELECT check_value FROM secret_key_checks WHERE purpose = $1";
        self.scalar_optional(sql, &[purpose.into()]).await
    }

    /// Records `value` for `purpose` unless one is recorded already, and returns the recorded
    /// one: of several instances starting at once, the first to write decides.
    pub async fn record_key_check(&self, purpose: &str, value: &str) -> Result<String, StoreError> {
        let insert = "INSERT INTO secret_key_checks (purpose, check_value, created_at_ms) \
                      VALUES ($1, $2, $3) ON CONFLICT (purpose) DO NOTHING";
        self.execute(
            insert,
            &[purpose.into(), value.into(), (self.now_ms()).into()],
        )
        .await?;
        self.key_check(purpose)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("key check {purpose}")))
    }

    /// One stored PAN ciphertext and its card, to try a key on data written before check values
    /// were kept.
    pub async fn any_stored_pan(&self) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        let sql = "SELECT id, pan_ciphertext FROM cards WHERE pan_ciphertext IS NOT NULL LIMIT 1";
        self.fetch_optional(sql, &[]).await
    }
}
