//! What an API key lets a request do, remembered for a few seconds: every authenticated request
//! asks, and the answer almost never changes. Keys are cached by their hash, never in clear.
//! Only known keys are cached, so a flood of wrong keys cannot fill the map with them.
//!
//! A cached grant is still checked against the clock on every use, so a rolled key stops at the
//! end of its grace period to the millisecond. A key revoked or rolled on this instance is
//! forgotten at once; on another instance the change is seen within [`KEY_TTL`].
//!
//! Each use is noted in memory and written out in batches ([`ApiKeyCache::flush_usage`]), so
//! that "last used" costs a request nothing and the database one small write per interval.

use std::{collections::HashMap, sync::Mutex, time::Duration};

use app::domain::ids::{ApiKeyId, MerchantId};

use crate::{
    issuing::console_api_keys::ChangedKeys,
    store::{hash_token, Database, KeyGrant, StoreError},
    ttl_cache::TtlCache,
};

/// How stale an answer may be: a key revoked on another instance stops working within this time.
const KEY_TTL: Duration = Duration::from_secs(10);
const KEY_CAPACITY: usize = 10_000;
/// What both dialects say when a read-only key signs a write.
pub const READ_ONLY_REFUSAL: &str =
    "This API key is read-only: it may only read (GET). Use a full-access key to change anything.";
/// How often each instance writes its keys' last use.
pub const USAGE_FLUSH_INTERVAL: Duration = Duration::from_secs(5);

/// The grant the edge already found for this request's API key (the rate limiter looks keys up
/// first), so the handler's authentication does not look it up again.
#[derive(Clone, Debug)]
pub struct KeyOwner(pub KeyGrant);

pub struct ApiKeyCache {
    database: Database,
    grants: TtlCache<String, KeyGrant>,
    /// The latest use of each key since the last flush.
    uses: Mutex<HashMap<ApiKeyId, (MerchantId, i64)>>,
}

impl ApiKeyCache {
    pub fn new(database: Database) -> Self {
        Self {
            database,
            grants: TtlCache::new(KEY_TTL, KEY_CAPACITY),
            uses: Mutex::new(HashMap::new()),
        }
    }

    /// The grant of this request's key, the one the edge found or looked up now, with the use
    /// noted; `None` for an unknown, revoked or expired key.
    pub async fn authenticate(
        &self,
        extensions: &axum::http::Extensions,
        token: &str,
    ) -> Result<Option<KeyGrant>, StoreError> {
        let grant = match extensions.get::<KeyOwner>() {
            Some(KeyOwner(grant)) => Some(grant.clone()),
            None => self.grant_for_token(token).await?,
        };
        if let Some(grant) = &grant {
            self.note_use(grant);
        }
        Ok(grant)
    }

    /// The grant of a live key, `None` for an unknown, revoked or expired one.
    pub async fn grant_for_token(&self, token: &str) -> Result<Option<KeyGrant>, StoreError> {
        let hash = hash_token(token);
        let grant = match self.grants.get(&hash) {
            Some(grant) => grant,
            None => match self.database.api_key_by_hash(&hash).await? {
                Some(grant) => {
                    self.grants.insert(hash, grant.clone());
                    grant
                }
                None => return Ok(None),
            },
        };
        Ok(grant.is_live_at(self.database.now_ms()).then_some(grant))
    }

    fn note_use(&self, grant: &KeyGrant) {
        let now = self.database.now_ms();
        let mut uses = self
            .uses
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        uses.insert(grant.key_id.clone(), (grant.merchant_id.clone(), now));
    }

    /// Writes the uses noted since the last flush. On failure they are kept for the next one
    /// (merged with newer uses: the newest time of each key wins).
    pub async fn flush_usage(&self) -> Result<(), StoreError> {
        let taken = std::mem::take(
            &mut *self
                .uses
                .lock()
                .unwrap_or_else(|poison| poison.into_inner()),
        );
        if taken.is_empty() {
            return Ok(());
        }
        let batch: Vec<(MerchantId, ApiKeyId, i64)> = taken
            .iter()
            .map(|(key_id, (merchant_id, at_ms))| (merchant_id.clone(), key_id.clone(), *at_ms))
            .collect();
        let written = self.database.record_api_key_use(&batch).await;
        if written.is_err() {
            let mut uses = self
                .uses
                .lock()
                .unwrap_or_else(|poison| poison.into_inner());
            for (key_id, (merchant_id, at_ms)) in taken {
                let newest = uses
                    .get(&key_id)
                    .map_or(at_ms, |(_, later)| at_ms.max(*later));
                uses.insert(key_id, (merchant_id, newest));
            }
        }
        written
    }

    /// Flushes every [`USAGE_FLUSH_INTERVAL`] until `stop` turns true, then once more.
    pub async fn flush_usage_until(&self, mut stop: tokio::sync::watch::Receiver<bool>) {
        loop {
            tokio::select! {
                () = tokio::time::sleep(USAGE_FLUSH_INTERVAL) => {}
                _ = stop.wait_for(|stopped| *stopped) => break,
            }
            if let Err(error) = self.flush_usage().await {
                tracing::warn!(%error, "could not write the API keys' last use; will retry");
            }
        }
        if let Err(error) = self.flush_usage().await {
            tracing::warn!(%error, "could not write the API keys' last use at shutdown");
        }
    }
}

/// A key revoked or rolled on this instance is read again at its next use, rather than after
/// [`KEY_TTL`].
impl ChangedKeys for ApiKeyCache {
    fn forget(&self, secret_hash: &str) {
        self.grants.remove(&secret_hash.to_owned());
    }
}
