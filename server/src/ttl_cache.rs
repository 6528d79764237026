//! A bounded map whose entries expire: for lookups that are read on every request but change
//! rarely (API keys, card ranges), so that each costs a database round trip at most once per TTL.
//!
//! Backed by `moka` (a maintained concurrent cache) rather than the mutex-guarded map this was:
//! lookups no longer take one global lock, and a full cache evicts its least useful entries
//! (TinyLFU) instead of emptying itself, which sent every key back to the database at once.
//! Measured with `cardkit-cache-bench` (README, "Benchmark").

use std::{hash::Hash, time::Duration};

pub struct TtlCache<K, V> {
    entries: moka::sync::Cache<K, V>,
}

impl<K, V> TtlCache<K, V>
where
    K: Eq + Hash + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            entries: moka::sync::Cache::builder()
                .time_to_live(ttl)
                .max_capacity(u64::try_from(capacity).unwrap_or(u64::MAX))
                .build(),
        }
    }

    /// The value stored less than the TTL ago, if any.
    pub fn get(&self, key: &K) -> Option<V> {
        self.entries.get(key)
    }

    pub fn insert(&self, key: K, value: V) {
        self.entries.insert(key, value);
    }

    /// Forgets `key` now, before its TTL.
    pub fn remove(&self, key: &K) {
        self.entries.invalidate(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_after_the_ttl() {
        let cache = TtlCache::new(Duration::from_millis(30), 10);
        cache.insert("key", 1);
        assert_eq!(cache.get(&"key"), Some(1));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(cache.get(&"key"), None);
    }

    #[test]
    fn the_map_never_grows_past_its_capacity() {
        let cache = TtlCache::new(Duration::from_secs(60), 3);
        for n in 0..10 {
            cache.insert(n, n);
            // Eviction is applied in batches; this settles it now.
            cache.entries.run_pending_tasks();
            assert!(cache.entries.entry_count() <= 3);
        }
    }
}
