//! `cardkit-cache-bench`: the in-memory cache in front of API-key and card-range lookups
//! (`server::ttl_cache::TtlCache`), measured the way the server uses it.
//!
//! - lookups per second from every core at once, all hits (the steady state: every request
//!   authenticates its key through this cache);
//! - the hit rate when more keys are live than the cache holds (a merchant base larger than the
//!   capacity): what fraction of lookups still avoid the database.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use server::ttl_cache::TtlCache;

const TTL: Duration = Duration::from_secs(60);

fn main() {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let lookups_per_thread = 2_000_000;

    // Steady state: 1,000 live keys, all cached.
    let cache = Arc::new(TtlCache::new(TTL, 10_000));
    let keys: Arc<Vec<String>> = Arc::new((0..1_000).map(|n| format!("key_{n:05}")).collect());
    for key in keys.iter() {
        cache.insert(key.clone(), key.len());
    }
    let started = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let (cache, keys) = (cache.clone(), keys.clone());
            std::thread::spawn(move || {
                let mut hits = 0usize;
                for n in 0..lookups_per_thread {
                    let key = &keys[(n * 7 + t * 13) % keys.len()];
                    hits += usize::from(cache.get(key).is_some());
                }
                hits
            })
        })
        .collect();
    let hits: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    let elapsed = started.elapsed();
    let total = threads * lookups_per_thread;
    println!(
        "hits on {threads} threads: {:.1} M lookups/s ({hits} of {total} hit)",
        total as f64 / elapsed.as_secs_f64() / 1e6
    );

    // More live keys than room: 12,000 keys cycling through a cache of 10,000, with a skew
    // (a fifth of the keys take most of the traffic, as busy merchants do).
    let cache = TtlCache::new(TTL, 10_000);
    let (mut hits, mut lookups) = (0usize, 0usize);
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..600_000 {
        let busy = next() % 10 < 8;
        let key = if busy {
            next() % 2_400
        } else {
            2_400 + next() % 9_600
        };
        lookups += 1;
        if cache.get(&key).is_some() {
            hits += 1;
        } else {
            cache.insert(key, key);
        }
    }
    println!(
        "hit rate with 12,000 live keys and room for 10,000: {:.1}% of {lookups} lookups",
        hits as f64 * 100.0 / lookups as f64
    );
}
