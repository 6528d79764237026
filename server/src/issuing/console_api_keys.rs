//! The developers' area's API keys ([`ConsoleApiKeys`]) over the database: only roles that manage
//! the integration may see or change them; a new key's secret is in the answer once and stored
//! as a hash; a roll keeps the old key working for its grace period; a revoke stops it at once on
//! this instance (others forget it within the key cache's TTL). Each change is in the audit log.

use std::sync::Arc;

use app::{
    domain::{
        api_keys::{
            key_label, key_prefix, ApiKeyView, ApiKeysView, KeyAccess, NewApiKey, RollGrace,
        },
        audit::AuditAction,
        console_user::ConsoleUser,
        ids::ApiKeyId,
    },
    ports::{ConsoleApiKeys, ConsoleDenied},
};

use super::developers_area::integration_only;
use crate::store::{Database, IssuedKey, KeyChangeError, KeyRequest};

/// Whoever remembers keys between requests, told when one is revoked or rolled so that, on this
/// instance, it stops at once or at the end of its grace (others re-read it within their cache's
/// time to live).
pub trait ChangedKeys: Send + Sync {
    fn forget(&self, secret_hash: &str);
}

#[derive(Clone)]
pub struct ConsoleApiKeyService {
    database: Database,
    keys_changed: Arc<dyn ChangedKeys>,
    /// Divides every roll's grace period: 1 in production; the end-to-end tests make an hour a
    /// second with 3600, to see an old key stop without waiting an hour.
    grace_divisor: i64,
}

fn unavailable(error: impl std::fmt::Display) -> ConsoleDenied {
    tracing::warn!(%error, "console API key store failed");
    ConsoleDenied::Unavailable
}

fn may_manage(user: &ConsoleUser) -> Result<(), ConsoleDenied> {
    integration_only(user, "API keys are for developers, admins and owners")
}

fn change_refused(error: KeyChangeError) -> ConsoleDenied {
    match error {
        KeyChangeError::Unknown => ConsoleDenied::Invalid("There is no such API key.".to_owned()),
        KeyChangeError::NotLive => {
            ConsoleDenied::Refused("This key has stopped working already.".to_owned())
        }
        KeyChangeError::RolledAlready => ConsoleDenied::Refused(
            "This key was rolled already: roll or revoke the key that replaced it.".to_owned(),
        ),
        KeyChangeError::Store(error) => unavailable(error),
    }
}

impl ConsoleApiKeyService {
    pub fn new(database: Database, keys_changed: Arc<dyn ChangedKeys>, grace_divisor: u32) -> Self {
        Self {
            database,
            keys_changed,
            grace_divisor: i64::from(grace_divisor.max(1)),
        }
    }

    async fn audit(
        &self,
        user: &ConsoleUser,
        action: AuditAction,
        key: &ApiKeyId,
        detail: &str,
    ) -> Result<(), ConsoleDenied> {
        self.database
            .record_user_audit(user, action, &key_prefix(key), detail, None)
            .await
            .map_err(unavailable)
    }

    /// The key just made, as the list shows it, with its token.
    async fn made(
        &self,
        user: &ConsoleUser,
        issued: IssuedKey,
    ) -> Result<NewApiKey, ConsoleDenied> {
        let id = ApiKeyId::new(issued.key_id);
        let key: ApiKeyView = self
            .database
            .api_key(&user.merchant_id, &id)
            .await
            .map_err(unavailable)?
            .ok_or(ConsoleDenied::Unavailable)?;
        Ok(NewApiKey {
            key,
            token: issued.token,
        })
    }
}

#[async_trait::async_trait]
impl ConsoleApiKeys for ConsoleApiKeyService {
    async fn keys(&self, user: &ConsoleUser) -> Result<ApiKeysView, ConsoleDenied> {
        may_manage(user)?;
        let keys = self
            .database
            .api_keys_of(&user.merchant_id)
            .await
            .map_err(unavailable)?;
        Ok(ApiKeysView {
            keys,
            now_ms: self.database.now_ms(),
        })
    }

    #[tracing::instrument(skip_all, fields(user_id = %user.id))]
    async fn create(
        &self,
        user: &ConsoleUser,
        label: &str,
        access: KeyAccess,
    ) -> Result<NewApiKey, ConsoleDenied> {
        may_manage(user)?;
        let label = key_label(label).map_err(ConsoleDenied::Invalid)?;
        let request = KeyRequest {
            label: &label,
            access,
            created_by: Some(&user.email),
        };
        let issued = self
            .database
            .create_api_key(&user.merchant_id, &request)
            .await
            .map_err(unavailable)?;
        let made = self.made(user, issued).await?;
        let detail = format!("{label} ({})", access.label().to_lowercase());
        self.audit(user, AuditAction::ApiKeyCreated, &made.key.id, &detail)
            .await?;
        Ok(made)
    }

    #[tracing::instrument(skip_all, fields(user_id = %user.id))]
    async fn roll(
        &self,
        user: &ConsoleUser,
        key: &ApiKeyId,
        grace: RollGrace,
    ) -> Result<NewApiKey, ConsoleDenied> {
        may_manage(user)?;
        let grace_ms = grace.secs * 1000 / self.grace_divisor;
        let ends_at = self.database.now_ms() + grace_ms;
        let rolled = self
            .database
            .roll_api_key(&user.merchant_id, key, ends_at, &user.email)
            .await
            .map_err(change_refused)?;
        self.keys_changed.forget(&rolled.old_secret_hash);
        let made = self.made(user, rolled.new).await?;
        let detail = format!(
            "replaced by {}; {}",
            made.key.prefix(),
            grace.label().to_lowercase()
        );
        self.audit(user, AuditAction::ApiKeyRolled, key, &detail)
            .await?;
        Ok(made)
    }

    #[tracing::instrument(skip_all, fields(user_id = %user.id))]
    async fn revoke(&self, user: &ConsoleUser, key: &ApiKeyId) -> Result<(), ConsoleDenied> {
        may_manage(user)?;
        let secret_hash = self
            .database
            .revoke_api_key(&user.merchant_id, key)
            .await
            .map_err(change_refused)?;
        self.keys_changed.forget(&secret_hash);
        self.audit(user, AuditAction::ApiKeyRevoked, key, "stopped at once")
            .await
    }
}
