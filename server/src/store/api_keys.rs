//! Merchants' API keys: made with their secret shown once and stored as a hash, found by that hash
//! on every request, rolled (a new key, the old one ending after a grace period), revoked, and
//! marked with when they were last used.

use app::domain::{
    api_keys::{ApiKeyView, KeyAccess},
    ids::{ApiKeyId, MerchantId},
};
use sha2::{Digest, Sha256};

use super::{Database, StoreError};
use crate::secrets::random;

/// An API key as handed to the merchant: shown once, stored only as a hash.
#[derive(Clone, Debug)]
pub struct IssuedKey {
    pub key_id: String,
    pub token: String,
}

/// Tokens look like `ck_<key id>_<secret>`; the hash covers the whole token.
pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// What a request's key lets it do: found by the key's hash on each request (through a cache).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyGrant {
    pub merchant_id: MerchantId,
    pub key_id: ApiKeyId,
    pub access: KeyAccess,
    /// When a rolled key stops working; checked on every use, cached or not.
    pub expires_at_ms: Option<i64>,
}

impl KeyGrant {
    pub fn is_live_at(&self, now_ms: i64) -> bool {
        self.expires_at_ms.is_none_or(|until| now_ms < until)
    }
}

/// A key to make: what it is called, what it may do, and who asked for it.
pub struct KeyRequest<'a> {
    pub label: &'a str,
    pub access: KeyAccess,
    /// A console user's email; `None` for the command line and onboarding.
    pub created_by: Option<&'a str>,
}

/// A roll's outcome: the new key, and the old one's hash, so a cache holding the old key's grant
/// (without its new end) can forget it.
#[derive(Debug)]
pub struct RolledKey {
    pub new: IssuedKey,
    pub old_secret_hash: String,
}

/// Why a key could not be rolled or revoked.
#[derive(Debug, thiserror::Error)]
pub enum KeyChangeError {
    #[error("there is no such key")]
    Unknown,
    #[error("the key has stopped working already")]
    NotLive,
    #[error("the key was rolled already")]
    RolledAlready,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    id: String,
    label: String,
    access: String,
    created_at_ms: i64,
    created_by: Option<String>,
    last_used_at_ms: Option<i64>,
    expires_at_ms: Option<i64>,
    revoked_at_ms: Option<i64>,
    replaced_by: Option<String>,
}

const INSERT_KEY: &str = "INSERT INTO api_keys \
    (id, merchant_id, secret_hash, label, created_at_ms, access, created_by) \
    VALUES ($1, $2, $3, $4, $5, $6, $7)";

const KEY_COLUMNS: &str = "id, label, access, created_at_ms, created_by, last_used_at_ms, \
                           expires_at_ms, revoked_at_ms, replaced_by";

/// The stored access code as the domain's; the table's CHECK allows no other.
fn access_of(code: &str) -> KeyAccess {
    KeyAccess::parse(code).unwrap_or(KeyAccess::ReadOnly)
}

impl From<KeyRow> for ApiKeyView {
    fn from(row: KeyRow) -> Self {
        ApiKeyView {
            id: ApiKeyId::new(row.id),
            label: row.label,
            access: access_of(&row.access),
            created_at_ms: row.created_at_ms,
            created_by: row.created_by,
            last_used_at_ms: row.last_used_at_ms,
            expires_at_ms: row.expires_at_ms,
            revoked_at_ms: row.revoked_at_ms,
            replaced_by: row.replaced_by.map(ApiKeyId::new),
        }
    }
}

fn new_token() -> IssuedKey {
    let key_id = random::id("key_");
    let token = format!("ck_{key_id}_{}", random::token());
    IssuedKey { key_id, token }
}

impl Database {
    /// A full-access key made outside the console (onboarding, `cardkit create-merchant`).
    pub async fn issue_api_key(
        &self,
        merchant_id: &MerchantId,
        label: &str,
    ) -> Result<IssuedKey, StoreError> {
        let request = KeyRequest {
            label,
            access: KeyAccess::Full,
            created_by: None,
        };
        self.create_api_key(merchant_id, &request).await
    }

    pub async fn create_api_key(
        &self,
        merchant_id: &MerchantId,
        request: &KeyRequest<'_>,
    ) -> Result<IssuedKey, StoreError> {
        let issued = new_token();
        self.execute(
            INSERT_KEY,
            &[
                (&issued.key_id).into(),
                merchant_id.into(),
                (&hash_token(&issued.token)).into(),
                request.label.into(),
                self.now_ms().into(),
                request.access.code().into(),
                request.created_by.into(),
            ],
        )
        .await?;
        Ok(issued)
    }

    /// What the key with this hash may do, if it is known and not revoked. A rolled key past its
    /// grace is returned too (with its end): the caller checks the time, as it must for a cached
    /// grant anyway.
    pub async fn api_key_by_hash(&self, hash: &str) -> Result<Option<KeyGrant>, StoreError> {
        let sql = "SELECT merchant_id, id, access, expires_at_ms FROM api_keys \
                   WHERE secret_hash = $1 AND revoked_at_ms IS NULL";
        let row: Option<(String, String, String, Option<i64>)> =
            self.fetch_optional(sql, &[hash.into()]).await?;
        Ok(
            row.map(|(merchant_id, key_id, access, expires_at_ms)| KeyGrant {
                merchant_id: MerchantId::new(merchant_id),
                key_id: ApiKeyId::new(key_id),
                access: access_of(&access),
                expires_at_ms,
            }),
        )
    }

    /// The merchant's keys, newest first.
    pub async fn api_keys_of(
        &self,
        merchant_id: &MerchantId,
    ) -> Result<Vec<ApiKeyView>, StoreError> {
        let sql = format!(
            "SELECT {KEY_COLUMNS} FROM api_keys WHERE merchant_id = $1 \
             ORDER BY created_at_ms DESC, id DESC"
        );
        let rows: Vec<KeyRow> = self.fetch_all(&sql, &[merchant_id.into()]).await?;
        Ok(rows.into_iter().map(ApiKeyView::from).collect())
    }

    pub async fn api_key(
        &self,
        merchant_id: &MerchantId,
        key_id: &ApiKeyId,
    ) -> Result<Option<ApiKeyView>, StoreError> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE merchant_id = $1 AND id = $2");
        let row: Option<KeyRow> = self
            .fetch_optional(&sql, &[merchant_id.into(), key_id.into()])
            .await?;
        Ok(row.map(ApiKeyView::from))
    }

    /// Makes a key with `key_id`'s label and access in its place; the old key ends at
    /// `old_ends_at_ms` (or sooner, if it was to end sooner). One transaction, and the old key
    /// is rolled once: two rolls at the same moment make one new key, and the other is told.
    pub async fn roll_api_key(
        &self,
        merchant_id: &MerchantId,
        key_id: &ApiKeyId,
        old_ends_at_ms: i64,
        created_by: &str,
    ) -> Result<RolledKey, KeyChangeError> {
        let now = self.now_ms();
        let mut tx = self.begin().await?;
        let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE merchant_id = $1 AND id = $2");
        let old: ApiKeyView = tx
            .conn()
            .fetch_optional::<KeyRow>(&sql, &[merchant_id.into(), key_id.into()])
            .await
            .map_err(StoreError::from)?
            .ok_or(KeyChangeError::Unknown)?
            .into();
        if !old.is_live(now) {
            return Err(KeyChangeError::NotLive);
        }
        let issued = new_token();
        let ends_at = old
            .expires_at_ms
            .map_or(old_ends_at_ms, |until| until.min(old_ends_at_ms));
        // Guarded by `replaced_by IS NULL`, so of two rolls racing only one changes the row.
        let sql = "UPDATE api_keys SET expires_at_ms = $1, replaced_by = $2 \
                   WHERE merchant_id = $3 AND id = $4 AND replaced_by IS NULL AND revoked_at_ms IS NULL \
                   RETURNING secret_hash";
        let old_secret_hash: Option<String> = tx
            .conn()
            .scalar_optional(
                sql,
                &[
                    ends_at.into(),
                    (&issued.key_id).into(),
                    merchant_id.into(),
                    key_id.into(),
                ],
            )
            .await
            .map_err(StoreError::from)?;
        let Some(old_secret_hash) = old_secret_hash else {
            return Err(KeyChangeError::RolledAlready);
        };
        tx.conn()
            .execute(
                INSERT_KEY,
                &[
                    (&issued.key_id).into(),
                    merchant_id.into(),
                    (&hash_token(&issued.token)).into(),
                    (&old.label).into(),
                    now.into(),
                    old.access.code().into(),
                    created_by.into(),
                ],
            )
            .await
            .map_err(StoreError::from)?;
        tx.commit().await?;
        Ok(RolledKey {
            new: issued,
            old_secret_hash,
        })
    }

    /// Revokes a live key; answers its hash, so a cache holding it can forget it.
    pub async fn revoke_api_key(
        &self,
        merchant_id: &MerchantId,
        key_id: &ApiKeyId,
    ) -> Result<String, KeyChangeError> {
        let now = self.now_ms();
        let sql = "UPDATE api_keys SET revoked_at_ms = $1 WHERE merchant_id = $2 AND id = $3 \
                   AND revoked_at_ms IS NULL AND (expires_at_ms IS NULL OR expires_at_ms > $1) \
                   RETURNING secret_hash";
        let hash: Option<String> = self
            .scalar_optional(sql, &[now.into(), merchant_id.into(), key_id.into()])
            .await?;
        match hash {
            Some(hash) => Ok(hash),
            None => match self.api_key(merchant_id, key_id).await? {
                Some(_) => Err(KeyChangeError::NotLive),
                None => Err(KeyChangeError::Unknown),
            },
        }
    }

    /// Writes when each key was last used; a time never moves back (two instances may flush
    /// out of order).
    pub async fn record_api_key_use(
        &self,
        uses: &[(MerchantId, ApiKeyId, i64)],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let sql = "UPDATE api_keys SET last_used_at_ms = $1 WHERE merchant_id = $2 AND id = $3 \
                   AND (last_used_at_ms IS NULL OR last_used_at_ms < $1)";
        for (merchant_id, key_id, at_ms) in uses {
            tx.conn()
                .execute(sql, &[(*at_ms).into(), merchant_id.into(), key_id.into()])
                .await
                .map_err(StoreError::from)?;
        }
        tx.commit().await
    }
}
