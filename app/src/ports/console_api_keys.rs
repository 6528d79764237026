//! The developers' area's API keys: list, create (the secret shown once), roll with a grace
//! period, revoke. The server checks the role ([`Role::may_manage_integration`]) and writes each
//! change to the audit log.
//!
//! [`Role::may_manage_integration`]: crate::domain::console_role::Role::may_manage_integration

use std::sync::Arc;

use super::ConsoleDenied;
use crate::domain::{
    api_keys::{ApiKeysView, KeyAccess, NewApiKey, RollGrace},
    console_user::ConsoleUser,
    ids::ApiKeyId,
};

#[async_trait::async_trait]
pub trait ConsoleApiKeys: Send + Sync {
    /// The merchant's keys, newest first, revoked and expired ones included.
    async fn keys(&self, user: &ConsoleUser) -> Result<ApiKeysView, ConsoleDenied>;
    async fn create(
        &self,
        user: &ConsoleUser,
        label: &str,
        access: KeyAccess,
    ) -> Result<NewApiKey, ConsoleDenied>;
    /// A new key with the old one's label and access; the old one stops after `grace`.
    async fn roll(
        &self,
        user: &ConsoleUser,
        key: &ApiKeyId,
        grace: RollGrace,
    ) -> Result<NewApiKey, ConsoleDenied>;
    /// Stops the key at once.
    async fn revoke(&self, user: &ConsoleUser, key: &ApiKeyId) -> Result<(), ConsoleDenied>;
}

pub type SharedConsoleApiKeys = Arc<dyn ConsoleApiKeys>;
