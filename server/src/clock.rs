//! The time every stored timestamp, expiry, lease and retry is measured against.
//!
//! Production reads the system clock. A test builds the server over a [`ManualClock`] and moves
//! time itself, so expiries and schedules are tested by stepping the clock, not by sleeping (and
//! not by racing the real one). One clock is shared by the store, the services and the workers of
//! a server, so they never disagree about what "now" is.

use std::sync::{
    atomic::{AtomicI64, Ordering},
    Arc,
};

/// Milliseconds since the Unix epoch: the time unit of every stored timestamp.
#[derive(Clone, Debug, Default)]
pub struct Clock(Source);

#[derive(Clone, Debug, Default)]
enum Source {
    #[default]
    System,
    Manual(Arc<AtomicI64>),
}

impl Clock {
    pub fn system() -> Self {
        Clock(Source::System)
    }

    pub fn now_ms(&self) -> i64 {
        match &self.0 {
            Source::System => system_now_ms(),
            Source::Manual(now) => now.load(Ordering::SeqCst),
        }
    }
}

/// A clock that stands still until it is moved: hand [`ManualClock::clock`] to the server, keep
/// the `ManualClock` in the test.
#[derive(Clone, Debug)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// Starts at the system's present, so stored times stay plausible next to real ones.
    pub fn starting_now() -> Self {
        ManualClock(Arc::new(AtomicI64::new(system_now_ms())))
    }

    pub fn clock(&self) -> Clock {
        Clock(Source::Manual(self.0.clone()))
    }

    pub fn advance(&self, by: std::time::Duration) {
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.0.fetch_add(by, Ordering::SeqCst);
    }

    pub fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The system clock, for what is not a business time (trace ids, log lines) and for the
/// production [`Clock`].
pub fn system_now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_every_copy_sees_it() {
        let hand = ManualClock::starting_now();
        let clock = hand.clock();
        let copy = clock.clone();
        let start = clock.now_ms();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(clock.now_ms(), start);
        hand.advance(std::time::Duration::from_secs(90));
        assert_eq!(copy.now_ms(), start + 90_000);
        assert_eq!(hand.now_ms(), start + 90_000);
    }

    #[test]
    fn the_system_clock_follows_the_system() {
        let before = system_now_ms();
        let now = Clock::system().now_ms();
        assert!(now >= before && now <= system_now_ms());
    }
}
