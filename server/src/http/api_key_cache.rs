//! Which merchant an API key belongs to, remembered for a few seconds: every authenticated request
//! asks, and the answer almost never changes. Keys are cached by their hash, never in clear.
//! Only known keys are cached, so a flood of wrong keys cannot fill the map with them.

use app::domain::ids::MerchantId;
use std::time::Duration;

use crate::{
    store::{hash_token, Database, StoreError},
    ttl_cache::TtlCache,
};

/// How stale an answer may be: a key revoked in the database stops working within this time.
const KEY_TTL: Duration = Duration::from_secs(10);
const KEY_CAPACITY: usize = 10_000;

/// The merchant the edge already found for this request's API key (the rate limiter looks keys up
/// first), so the handler's authentication does not look it up again.
#[derive(Clone, Debug)]
pub struct KeyOwner(pub MerchantId);

pub struct ApiKeyCache {
    database: Database,
    merchants: TtlCache<String, MerchantId>,
}

impl ApiKeyCache {
    pub fn new(database: Database) -> Self {
        Self {
            database,
            merchants: TtlCache::new(KEY_TTL, KEY_CAPACITY),
        }
    }

    /// The merchant of this request's key: the one the edge found, or looked up now.
    pub async fn owner(
        &self,
        extensions: &axum::http::Extensions,
        token: &str,
    ) -> Result<Option<MerchantId>, StoreError> {
        if let Some(KeyOwner(merchant_id)) = extensions.get::<KeyOwner>() {
            return Ok(Some(merchant_id.clone()));
        }
        self.merchant_for_token(token).await
    }

    /// The merchant of a live key, `None` for an unknown or revoked one.
    pub async fn merchant_for_token(&self, token: &str) -> Result<Option<MerchantId>, StoreError> {
        let hash = hash_token(token);
        if let Some(merchant_id) = self.merchants.get(&hash) {
            return Ok(Some(merchant_id));
        }
        let merchant_id = self.database.merchant_for_token_hash(&hash).await?;
        if let Some(merchant_id) = &merchant_id {
            self.merchants.insert(hash, merchant_id.clone());
        }
        Ok(merchant_id)
    }
}
