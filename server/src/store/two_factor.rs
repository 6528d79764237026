//! Two-factor sign-in as stored (migration 0020): a user's authenticator secret (encrypted by
//! the caller), whether it is in use, the newest code step accepted, the team's rule, and the
//! sessions still waiting for a code.

use app::domain::ids::{MerchantId, UserId};

use super::{Database, StoreError};

/// A user's authenticator, as stored.
pub struct StoredTwoFactor {
    /// Encrypted; `None` before any enrolment.
    pub secret: Option<Vec<u8>>,
    /// `Some` once a code from the authenticator confirmed the enrolment.
    pub enabled_at_ms: Option<i64>,
    pub last_step: Option<i64>,
    /// The team's rule (the user's merchant's).
    pub required_by_team: bool,
}

impl StoredTwoFactor {
    pub fn enabled(&self) -> bool {
        self.secret.is_some() && self.enabled_at_ms.is_some()
    }
}

impl Database {
    pub async fn two_factor(&self, user_id: &UserId) -> Result<StoredTwoFactor, StoreError> {
        type Row = (Option<Vec<u8>>, Option<i64>, Option<i64>, bool);
        let row: Option<Row> = self
            .fetch_optional(
                "SELECT u.totp_secret, u.totp_enabled_at_ms, u.totp_last_step, m.two_factor_required \
                 FROM console_users u JOIN merchants m ON m.id = u.merchant_id WHERE u.id = $1",
                &[user_id.into()],
            )
            .await?;
        let (secret, enabled_at_ms, last_step, required_by_team) =
            row.ok_or_else(|| StoreError::Corrupt(format!("no console user {user_id}")))?;
        Ok(StoredTwoFactor {
            secret,
            enabled_at_ms,
            last_step,
            required_by_team,
        })
    }

    /// Starts an enrolment: a new secret, not in use until [`Database::enable_two_factor`]. An
    /// enrolment never replaces a secret in use (that is switching off, then on).
    pub async fn start_two_factor(
        &self,
        user_id: &UserId,
        encrypted_secret: &[u8],
    ) -> Result<(), StoreError> {
        self.execute(
            "UPDATE console_users SET totp_secret = $2, totp_last_step = NULL \
             WHERE id = $1 AND totp_enabled_at_ms IS NULL",
            &[user_id.into(), encrypted_secret.into()],
        )
        .await?;
        Ok(())
    }

    pub async fn enable_two_factor(&self, user_id: &UserId) -> Result<(), StoreError> {
        self.execute(
            "UPDATE console_users SET totp_enabled_at_ms = $2 \
             WHERE id = $1 AND totp_secret IS NOT NULL",
            &[user_id.into(), self.now_ms().into()],
        )
        .await?;
        Ok(())
    }

    pub async fn disable_two_factor(&self, user_id: &UserId) -> Result<(), StoreError> {
        self.execute(
            "UPDATE console_users SET totp_secret = NULL, totp_enabled_at_ms = NULL, \
             totp_last_step = NULL WHERE id = $1",
            &[user_id.into()],
        )
        .await?;
        Ok(())
    }

    /// Takes the code step `step` as used, if no code of it or later was accepted before: one
    /// conditional write, so two requests with the same code cannot both pass.
    pub async fn use_two_factor_step(
        &self,
        user_id: &UserId,
        step: i64,
    ) -> Result<bool, StoreError> {
        let changed = self
            .execute(
                "UPDATE console_users SET totp_last_step = $2 \
                 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
                &[user_id.into(), step.into()],
            )
            .await?;
        Ok(changed == 1)
    }

    pub async fn set_two_factor_required(
        &self,
        merchant_id: &MerchantId,
        required: bool,
    ) -> Result<(), StoreError> {
        self.execute(
            "UPDATE merchants SET two_factor_required = $2 WHERE id = $1",
            &[merchant_id.into(), required.into()],
        )
        .await?;
        Ok(())
    }

    /// The session's code was right: it opens the console, and counts as a fresh proof.
    pub async fn complete_second_factor(&self, token_hash: &str) -> Result<(), StoreError> {
        let now = self.now_ms();
        self.execute(
            "UPDATE console_sessions SET awaiting_second_factor = $2, verified_at_ms = $3, \
             last_seen_at_ms = $3 WHERE token_hash = $1",
            &[token_hash.into(), false.into(), now.into()],
        )
        .await?;
        Ok(())
    }
}
