//! How much each caller may ask of the server: per API key, per client address for requests that
//! carry no valid credential (failed authentication included), and per widget session for card
//! creations, reveals and open status streams. Limits are GCRA buckets (`governor`), kept in
//! memory per instance: several instances behind one load balancer each allow the full rate.

use app::domain::ids::SessionId;
use std::{
    collections::HashMap,
    hash::Hash,
    net::IpAddr,
    num::NonZeroU32,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use app::ports::WidgetAction;
use governor::{clock::Clock, DefaultKeyedRateLimiter, Quota, RateLimiter};

/// The configured rates; `0` turns a limit off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimitSettings {
    /// Requests per second per API key (bursts of twice as many).
    pub per_key_per_second: u32,
    /// Requests per second per client address without a valid credential (bursts of twice as many).
    pub per_address_per_second: u32,
    /// Card creations per minute per widget session.
    pub widget_creations_per_minute: u32,
    /// Card reveals per minute per widget session.
    pub widget_reveals_per_minute: u32,
    /// Status streams open at once per widget session.
    pub widget_streams_per_session: u32,
}

impl Default for RateLimitSettings {
    /// Above what an integration or a cardholder does by hand (100/s per key is what large card
    /// APIs grant by default), below what a script hammering one credential does.
    fn default() -> Self {
        Self {
            per_key_per_second: 100,
            per_address_per_second: 10,
            widget_creations_per_minute: 10,
            widget_reveals_per_minute: 10,
            widget_streams_per_session: 4,
        }
    }
}

/// What was refused: the caller may try again after this long (`Retry-After`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after: Duration,
}

impl Throttled {
    /// Whole seconds, at least 1, as `Retry-After` carries them.
    pub fn retry_after_secs(self) -> u64 {
        self.retry_after.as_secs() + u64::from(self.retry_after.subsec_nanos() > 0)
    }
}

/// One keyed bucket per caller; `None` when the limit is off.
struct Buckets<K: Hash + Eq + Clone> {
    limiter: Option<DefaultKeyedRateLimiter<K>>,
    checks: AtomicU64,
}

/// Every this many checks, buckets that are full again are forgotten, so one-off callers (every
/// address that ever knocked) do not pile up in memory.
const FORGET_EVERY: u64 = 4096;

impl<K: Hash + Eq + Clone> Buckets<K> {
    fn new(quota: Option<Quota>) -> Self {
        Self {
            limiter: quota.map(RateLimiter::keyed),
            checks: AtomicU64::new(0),
        }
    }

    fn check(&self, key: &K) -> Result<(), Throttled> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        if self.checks.fetch_add(1, Ordering::Relaxed) % FORGET_EVERY == FORGET_EVERY - 1 {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        limiter.check_key(key).map_err(|not_until| Throttled {
            retry_after: not_until.wait_time_from(limiter_clock().now()),
        })
    }
}

fn limiter_clock() -> governor::clock::DefaultClock {
    governor::clock::DefaultClock::default()
}

fn per_second(rate: u32) -> Option<Quota> {
    let rate = NonZeroU32::new(rate)?;
    let burst = rate.saturating_mul(NonZeroU32::MIN.saturating_add(1));
    Some(Quota::per_second(rate).allow_burst(burst))
}

fn per_minute(rate: u32) -> Option<Quota> {
    NonZeroU32::new(rate).map(Quota::per_minute)
}

/// Addresses refused until a moment, at most this many remembered (the oldest go first).
const MAX_BLOCKED: usize = 100_000;

pub struct RateLimits {
    per_key: Buckets<String>,
    per_address: Buckets<IpAddr>,
    /// Addresses whose failed attempts used up their bucket, refused before any lookup until then.
    blocked: Mutex<HashMap<IpAddr, Instant>>,
    creations: Buckets<SessionId>,
    reveals: Buckets<SessionId>,
    streams_per_session: u32,
    open_streams: Arc<Mutex<HashMap<SessionId, u32>>>,
}

impl RateLimits {
    pub fn new(settings: RateLimitSettings) -> Self {
        Self {
            per_key: Buckets::new(per_second(settings.per_key_per_second)),
            per_address: Buckets::new(per_second(settings.per_address_per_second)),
            blocked: Mutex::new(HashMap::new()),
            creations: Buckets::new(per_minute(settings.widget_creations_per_minute)),
            reveals: Buckets::new(per_minute(settings.widget_reveals_per_minute)),
            streams_per_session: settings.widget_streams_per_session,
            open_streams: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// A request made with a valid API key, identified by the key's hash.
    pub fn check_key(&self, key_hash: &str) -> Result<(), Throttled> {
        self.per_key.check(&key_hash.to_owned())
    }

    /// A request without a valid credential, from this address.
    pub fn check_address(&self, address: IpAddr) -> Result<(), Throttled> {
        self.per_address.check(&address)
    }

    /// A credential that turned out not to be valid (an unknown widget session token), from this
    /// address: it counts like a request without a credential, and once the address's bucket is
    /// empty the address is refused until it refills, before its next attempt is even looked up.
    pub fn note_failed_credential(&self, address: IpAddr) {
        if let Err(throttled) = self.per_address.check(&address) {
            let mut blocked = lock(&self.blocked);
            let now = Instant::now();
            if blocked.len() >= MAX_BLOCKED {
                blocked.retain(|_, until| *until > now);
            }
            if blocked.len() < MAX_BLOCKED {
                blocked.insert(address, now + throttled.retry_after);
            }
        }
    }

    /// Refuses an address whose failed attempts went over its limit, until it may try again.
    pub fn check_not_blocked(&self, address: IpAddr) -> Result<(), Throttled> {
        let mut blocked = lock(&self.blocked);
        let Some(until) = blocked.get(&address).copied() else {
            return Ok(());
        };
        let now = Instant::now();
        if until <= now {
            blocked.remove(&address);
            return Ok(());
        }
        Err(Throttled {
            retry_after: until - now,
        })
    }

    pub fn check_session(
        &self,
        session_id: &SessionId,
        action: WidgetAction,
    ) -> Result<(), Throttled> {
        let buckets = match action {
            WidgetAction::CreateCard => &self.creations,
            WidgetAction::Reveal => &self.reveals,
        };
        buckets.check(&session_id.to_owned())
    }

    /// A place for one more open status stream of this session, held until the guard is dropped
    /// (when the stream ends or its client goes away). `None` at the cap.
    pub fn open_stream(&self, session_id: &SessionId) -> Option<StreamSlot> {
        let mut open = lock(&self.open_streams);
        let count = open.entry(session_id.to_owned()).or_insert(0);
        if self.streams_per_session != 0 && *count >= self.streams_per_session {
            return None;
        }
        *count += 1;
        Some(StreamSlot {
            session_id: session_id.to_owned(),
            open_streams: self.open_streams.clone(),
        })
    }
}

/// A poisoned lock only means another request panicked mid-update of a counter; the counts are
/// still the best there is.
fn lock<K, V>(map: &Mutex<HashMap<K, V>>) -> std::sync::MutexGuard<'_, HashMap<K, V>> {
    map.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One open status stream of a session; gives its place back when dropped.
pub struct StreamSlot {
    session_id: SessionId,
    open_streams: Arc<Mutex<HashMap<SessionId, u32>>>,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = lock(&self.open_streams);
        if let Some(count) = open.get_mut(&self.session_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.session_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> RateLimitSettings {
        RateLimitSettings {
            per_key_per_second: 1,
            per_address_per_second: 1,
            widget_creations_per_minute: 2,
            widget_reveals_per_minute: 1,
            widget_streams_per_session: 2,
        }
    }

    #[test]
    fn a_caller_gets_its_burst_then_waits_and_others_are_not_affected() {
        let limits = RateLimits::new(settings());
        assert_eq!(limits.check_key("k1"), Ok(()));
        assert_eq!(limits.check_key("k1"), Ok(()));
        let throttled = limits.check_key("k1").unwrap_err();
        assert!(throttled.retry_after <= Duration::from_secs(1));
        assert_eq!(throttled.retry_after_secs(), 1);
        assert_eq!(limits.check_key("k2"), Ok(()));

        let address: IpAddr = [127, 0, 0, 7].into();
        assert_eq!(limits.check_address(address), Ok(()));
        assert_eq!(limits.check_address(address), Ok(()));
        assert!(limits.check_address(address).is_err());

        assert_eq!(
            limits.check_session(&SessionId::new("s1"), WidgetAction::Reveal),
            Ok(())
        );
        let throttled = limits
            .check_session(&SessionId::new("s1"), WidgetAction::Reveal)
            .unwrap_err();
        assert!(
            throttled.retry_after_secs() > 1,
            "a per-minute rate waits longer"
        );
        assert_eq!(
            limits.check_session(&SessionId::new("s1"), WidgetAction::CreateCard),
            Ok(())
        );
        assert_eq!(
            limits.check_session(&SessionId::new("s2"), WidgetAction::Reveal),
            Ok(())
        );
    }

    #[test]
    fn failed_attempts_past_the_limit_refuse_the_address_before_it_tries_again() {
        let limits = RateLimits::new(settings());
        let address: IpAddr = [127, 0, 0, 8].into();
        let other: IpAddr = [127, 0, 0, 9].into();
        limits.note_failed_credential(address);
        limits.note_failed_credential(address);
        assert_eq!(
            limits.check_not_blocked(address),
            Ok(()),
            "within its burst"
        );
        limits.note_failed_credential(address);
        let throttled = limits.check_not_blocked(address).unwrap_err();
        assert!(throttled.retry_after <= Duration::from_secs(1));
        assert_eq!(limits.check_not_blocked(other), Ok(()));
        std::thread::sleep(throttled.retry_after);
        assert_eq!(limits.check_not_blocked(address), Ok(()), "refilled");
    }

    #[test]
    fn streams_of_a_session_are_capped_and_their_places_come_back() {
        let limits = RateLimits::new(settings());
        let first = limits.open_stream(&SessionId::new("s1")).expect("first");
        let second = limits.open_stream(&SessionId::new("s1")).expect("second");
        assert!(limits.open_stream(&SessionId::new("s1")).is_none());
        assert!(limits.open_stream(&SessionId::new("s2")).is_some());
        drop(first);
        let third = limits
            .open_stream(&SessionId::new("s1"))
            .expect("a place came back");
        drop((second, third));
        assert!(lock(&limits.open_streams).is_empty(), "nothing left behind");
    }

    #[test]
    fn zero_turns_a_limit_off() {
        let limits = RateLimits::new(RateLimitSettings {
            per_key_per_second: 0,
            widget_streams_per_session: 0,
            ..settings()
        });
        for _ in 0..1000 {
            assert_eq!(limits.check_key("k1"), Ok(()));
        }
        let streams: Vec<_> = (0..100)
            .map(|_| limits.open_stream(&SessionId::new("s1")))
            .collect();
        assert!(streams.iter().all(Option::is_some));
    }
}
