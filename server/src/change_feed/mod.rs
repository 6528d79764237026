//! Wake-up hints for whoever waits on the database: event streams (widget, console) and the two
//! workers. The database stays the source of truth — a waiter woken here reads again, and every
//! waiter also wakes on its own after a fallback interval — so a hint that is lost (a listener
//! reconnecting, a notification dropped) only costs latency, never a missed change.
//!
//! A write transaction names what it changed ([`crate::store::sql::Tx::announce`]); when it
//! commits, the waiters of this process are woken at once (no listener thread on SQLite), and on
//! PostgreSQL the same changes go out with the commit as one `NOTIFY`, which
//! [`postgres_listener`] turns into wake-ups on every other instance.
//!
//! How often a waiter reads without a hint is the cost of idle waiters: on PostgreSQL every 3 s,
//! except a card's waiters (the trackers, by far the most numerous), for which one read per
//! instance of the card events committed lately stands in (`store::card_event_catch_up`).

pub mod postgres_listener;
mod wire;

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use app::domain::ids::{CardId, MerchantId, SessionId};
use tokio::sync::watch;

pub use wire::CHANNEL;

/// Something a committed transaction changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A card's status, stage, balance or settings moved (or it was created).
    Card { merchant: MerchantId, card: CardId },
    /// A card became due for the provisioning worker.
    ProvisioningDue,
    /// A callback message was queued for the delivery worker.
    CallbackDue,
    /// A widget session was closed early by its merchant: its open trackers say so.
    WidgetSession(SessionId),
}

/// What a waiter waits for. A card's change wakes both the card's and its merchant's topic.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Topic {
    Card(CardId),
    /// Any card of the merchant: the console's card table.
    Merchant(MerchantId),
    ProvisioningDue,
    CallbackDue,
    WidgetSession(SessionId),
}

impl Change {
    /// A change to one of `merchant`'s cards.
    pub fn card(merchant: &MerchantId, card: &CardId) -> Self {
        Change::Card {
            merchant: merchant.clone(),
            card: card.clone(),
        }
    }

    fn topics(&self) -> Vec<Topic> {
        match self {
            Change::Card { merchant, card } => {
                vec![Topic::Card(card.clone()), Topic::Merchant(merchant.clone())]
            }
            Change::ProvisioningDue => vec![Topic::ProvisioningDue],
            Change::CallbackDue => vec![Topic::CallbackDue],
            Change::WidgetSession(session) => vec![Topic::WidgetSession(session.clone())],
        }
    }
}

/// How long a waiter sleeps when nothing wakes it, where hints can be lost (PostgreSQL: a
/// notification from another instance): the bound on the latency a lost hint costs.
pub const FALLBACK_POLL: Duration = Duration::from_secs(3);
/// The same where every change is committed and announced by this process (SQLite, embedded):
/// no hint crosses a wire, so the poll only guards against a change stored without its
/// announcement. Each open event stream polls at this pace, which at 10,000 streams decides
/// what idle streams cost (see the README's benchmark section).
pub const IN_PROCESS_FALLBACK_POLL: Duration = Duration::from_secs(30);

/// This process's waiters, by topic. Cheap to clone: clones share the waiters.
#[derive(Clone)]
pub struct ChangeFeed {
    shared: Arc<Shared>,
}

struct Shared {
    /// One channel per topic somebody waits on; a topic nobody waits on costs nothing.
    topics: Mutex<HashMap<Topic, watch::Sender<()>>>,
    /// Names this process's notifications, so its own listener skips what it already woke.
    origin: String,
    /// How long an event stream waits without a hint before it reads anyway.
    fallback: Duration,
    /// How many instance-wide catch-up reads of card events run ([`ChangeFeed::card_events_caught_up`]).
    card_catch_ups: AtomicUsize,
}

impl std::fmt::Debug for ChangeFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeFeed")
            .field("origin", &self.shared.origin)
            .finish_non_exhaustive()
    }
}

impl Default for ChangeFeed {
    fn default() -> Self {
        Self::new()
    }
}

impl ChangeFeed {
    /// A feed whose changes may also come from other instances ([`FALLBACK_POLL`]).
    pub fn new() -> Self {
        Self::with_fallback(FALLBACK_POLL)
    }

    /// A feed that hears of every change from this process ([`IN_PROCESS_FALLBACK_POLL`]).
    pub fn in_one_process() -> Self {
        Self::with_fallback(IN_PROCESS_FALLBACK_POLL)
    }

    fn with_fallback(fallback: Duration) -> Self {
        let shared = Shared {
            topics: Mutex::new(HashMap::new()),
            origin: crate::secrets::random::id("feed_"),
            fallback,
            card_catch_ups: AtomicUsize::new(0),
        };
        Self {
            shared: Arc::new(shared),
        }
    }

    /// Wakes this process's waiters of what `changes` touched.
    pub fn publish<'a>(&self, changes: impl IntoIterator<Item = &'a Change>) {
        let topics = self.shared.topics_guard();
        for change in changes {
            for topic in change.topics() {
                if let Some(sender) = topics.get(&topic) {
                    sender.send_replace(());
                }
            }
        }
    }

    /// Wakes every waiter: after a gap in which hints may have been lost (the listener's
    /// connection dropped), so each reads again now rather than at its fallback.
    pub fn wake_everyone(&self) {
        for sender in self.shared.topics_guard().values() {
            sender.send_replace(());
        }
    }

    /// Starts waiting on `topic`. Changes published from now on are kept for the next
    /// [`Waiter::changed`], so a waiter that subscribes, then reads, then waits misses nothing.
    pub fn subscribe(&self, topic: Topic) -> Waiter {
        let receiver = {
            let mut topics = self.shared.topics_guard();
            let sender = topics
                .entry(topic.clone())
                .or_insert_with(|| watch::channel(()).0);
            sender.subscribe()
        };
        Waiter {
            feed: Arc::clone(&self.shared),
            topic,
            receiver,
        }
    }

    /// Says that one reader for the whole instance now reads back the card events committed
    /// lately and wakes their cards' waiters (`store::card_event_catch_up`), for as long as the
    /// returned guard lives. A card's waiter then needs no short fallback poll of its own: at
    /// 10,000 open trackers, one read every few seconds replaces 10,000.
    pub fn card_events_caught_up(&self) -> CardCatchUpRunning {
        self.shared.card_catch_ups.fetch_add(1, Ordering::SeqCst);
        CardCatchUpRunning {
            feed: Arc::clone(&self.shared),
        }
    }

    /// How many topics have waiters (for tests: a finished waiter leaves nothing behind).
    #[cfg(test)]
    fn watched_topics(&self) -> usize {
        self.shared.topics_guard().len()
    }

    pub(crate) fn origin(&self) -> &str {
        &self.shared.origin
    }

    /// What to `NOTIFY` on [`CHANNEL`] so other instances hear of `changes`.
    pub(crate) fn notify_payloads(&self, changes: &[Change]) -> Vec<String> {
        wire::encode(self.origin(), changes)
    }
}

/// Held while a catch-up read of card events runs for this instance; see
/// [`ChangeFeed::card_events_caught_up`].
pub struct CardCatchUpRunning {
    feed: Arc<Shared>,
}

impl Drop for CardCatchUpRunning {
    fn drop(&mut self) {
        self.feed.card_catch_ups.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Shared {
    /// How long a waiter on `topic` sleeps without a hint before it reads anyway. A card's
    /// waiter sleeps as long as where no hint can be lost while a catch-up read covers its card
    /// events; every other topic (a merchant's table, which also shows balances; the workers'
    /// queues) keeps the feed's own interval.
    fn fallback_for(&self, topic: &Topic) -> Duration {
        let caught_up = self.card_catch_ups.load(Ordering::SeqCst) > 0;
        match topic {
            Topic::Card(_) if caught_up => self.fallback.max(IN_PROCESS_FALLBACK_POLL),
            _ => self.fallback,
        }
    }

    fn topics_guard(&self) -> std::sync::MutexGuard<'_, HashMap<Topic, watch::Sender<()>>> {
        // Nothing panics while holding the lock; a poisoned map is still a consistent one.
        self.topics
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Why [`Waiter::changed`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Woken {
    /// Something the waiter watches was changed (or hints may have been lost).
    Changed,
    /// The fallback interval passed without a hint.
    TimedOut,
}

/// One waiter on one topic; leaving it (dropping it) forgets the topic once nobody else waits.
pub struct Waiter {
    feed: Arc<Shared>,
    topic: Topic,
    receiver: watch::Receiver<()>,
}

impl Waiter {
    /// Waits for a change published since the last call (or since subscribing), at most
    /// `at_most`.
    pub async fn changed(&mut self, at_most: Duration) -> Woken {
        match tokio::time::timeout(at_most, self.receiver.changed()).await {
            // The sender lives in the map for as long as this waiter does: it cannot close.
            Ok(_) => Woken::Changed,
            Err(_) => Woken::TimedOut,
        }
    }
}

impl Waiter {
    /// Waits for a change, at most the fallback interval of the waiter's topic: what an event
    /// stream does between reads.
    pub async fn changed_or_fallback(&mut self) -> Woken {
        let fallback = self.fallback();
        self.changed(fallback).await
    }

    /// How long [`Waiter::changed_or_fallback`] waits without a hint, now.
    pub fn fallback(&self) -> Duration {
        self.feed.fallback_for(&self.topic)
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        let mut topics = self.feed.topics_guard();
        // Under the lock no one subscribes meanwhile; this waiter's receiver is still counted.
        if topics
            .get(&self.topic)
            .is_some_and(|sender| sender.receiver_count() <= 1)
        {
            topics.remove(&self.topic);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card_change(card: &str) -> Change {
        Change::Card {
            merchant: MerchantId::new("m_1"),
            card: CardId::new(card),
        }
    }

    #[tokio::test]
    async fn a_change_published_before_the_wait_is_not_lost() {
        let feed = ChangeFeed::new();
        let mut waiter = feed.subscribe(Topic::Card(CardId::new("c_1")));
        feed.publish(&[card_change("c_1")]);
        assert_eq!(
            waiter.changed(Duration::from_secs(30)).await,
            Woken::Changed
        );
        // Seen once: the next wait needs a new change.
        assert_eq!(
            waiter.changed(Duration::from_millis(20)).await,
            Woken::TimedOut
        );
    }

    #[tokio::test]
    async fn a_card_change_wakes_its_merchant_and_not_other_cards() {
        let feed = ChangeFeed::new();
        let mut merchant = feed.subscribe(Topic::Merchant(MerchantId::new("m_1")));
        let mut other = feed.subscribe(Topic::Card(CardId::new("c_2")));
        feed.publish(&[card_change("c_1")]);
        assert_eq!(
            merchant.changed(Duration::from_secs(30)).await,
            Woken::Changed
        );
        assert_eq!(
            other.changed(Duration::from_millis(20)).await,
            Woken::TimedOut
        );
    }

    #[tokio::test]
    async fn a_waiter_wakes_while_it_waits() {
        let feed = ChangeFeed::new();
        let mut waiter = feed.subscribe(Topic::ProvisioningDue);
        let publisher = feed.clone();
        tokio::spawn(async move {
            tokio::task::yield_now().await;
            publisher.publish(&[Change::ProvisioningDue]);
        });
        assert_eq!(
            waiter.changed(Duration::from_secs(30)).await,
            Woken::Changed
        );
    }

    #[test]
    fn topics_are_forgotten_when_their_last_waiter_leaves() {
        let feed = ChangeFeed::new();
        let first = feed.subscribe(Topic::CallbackDue);
        let second = feed.subscribe(Topic::CallbackDue);
        assert_eq!(feed.watched_topics(), 1);
        drop(first);
        assert_eq!(feed.watched_topics(), 1);
        drop(second);
        assert_eq!(feed.watched_topics(), 0);
        // Publishing to nobody is a no-op.
        feed.publish(&[Change::CallbackDue]);
    }

    #[test]
    fn a_card_waiter_polls_rarely_only_while_a_catch_up_read_covers_it() {
        let feed = ChangeFeed::new();
        let card = feed.subscribe(Topic::Card(CardId::new("c_1")));
        let table = feed.subscribe(Topic::Merchant(MerchantId::new("m_1")));
        assert_eq!(card.fallback(), FALLBACK_POLL);
        let running = feed.card_events_caught_up();
        assert_eq!(card.fallback(), IN_PROCESS_FALLBACK_POLL);
        // The table also shows balances, which no card event records.
        assert_eq!(table.fallback(), FALLBACK_POLL);
        drop(running);
        assert_eq!(card.fallback(), FALLBACK_POLL);
        // One process's feed sleeps long already, catch-up or not.
        let embedded = ChangeFeed::in_one_process();
        let card = embedded.subscribe(Topic::Card(CardId::new("c_1")));
        assert_eq!(card.fallback(), IN_PROCESS_FALLBACK_POLL);
    }

    #[tokio::test]
    async fn waking_everyone_reaches_every_topic() {
        let feed = ChangeFeed::new();
        let mut card = feed.subscribe(Topic::Card(CardId::new("c_9")));
        let mut due = feed.subscribe(Topic::ProvisioningDue);
        feed.wake_everyone();
        assert_eq!(card.changed(Duration::from_secs(30)).await, Woken::Changed);
        assert_eq!(due.changed(Duration::from_secs(30)).await, Woken::Changed);
    }
}
