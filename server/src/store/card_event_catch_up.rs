//! One read per instance, every few seconds, of the card events committed lately, waking the
//! waiters of each card that moved. On PostgreSQL a card's change reaches another instance as a
//! `NOTIFY`; a hint can still go missing (a change announced after its commit by a process that
//! died in between, a listener that has not yet reconnected). Without this read every open
//! tracker covered that case itself by reading its card every 3 s: 3,300 reads a second at 10,000
//! streams, the CPU that held creation back in the streams benchmark. With it, a lost hint still
//! costs at most a few seconds, and a tracker's own fallback read can be as rare as on SQLite
//! ([`crate::change_feed::ChangeFeed::card_events_caught_up`]).
//!
//! SQLite does not run it: there the one process announces every commit it makes.

use std::collections::HashMap;

use app::domain::ids::{CardId, MerchantId};
use tokio::sync::watch;

use super::{Database, StoreError};
use crate::change_feed::{Change, FALLBACK_POLL};

/// How much earlier than the newest event already read each read starts again. An event is
/// stamped before its transaction begins and becomes visible at commit, so one stamped earlier
/// may appear after a later one; any transaction that commits within this time of its stamp is
/// caught. (One that takes longer and also loses its hint is heard at the tracker's own poll.)
const OVERLAP_MS: i64 = 5_000;

/// The furthest back a read looks. After a longer gap (the database was down) the listener has
/// reconnected and woken every waiter, so older events need no reading.
const MAX_LOOKBACK_MS: i64 = 60_000;

/// A card whose newest event is recent.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RecentCardEvent {
    #[sqlx(try_from = "String")]
    pub card_id: CardId,
    #[sqlx(try_from = "String")]
    pub merchant_id: MerchantId,
    /// The card's newest event number.
    pub seq: i64,
    /// When that event was stamped.
    pub at_ms: i64,
}

impl Database {
    /// Every card with an event stamped at or after `since_ms`: its merchant and its newest
    /// event. Crosses merchants by design, like the workers' claims (`docs/scaling.md`); on
    /// PostgreSQL the BRIN index `card_events_by_time` keeps it to the table's newest pages.
    pub async fn cards_with_events_since(
        &self,
        since_ms: i64,
    ) -> Result<Vec<RecentCardEvent>, StoreError> {
        self.fetch_all(
            "SELECT e.card_id, c.merchant_id, MAX(e.seq) AS seq, MAX(e.at_ms) AS at_ms \
             FROM card_events e JOIN cards c ON c.id = e.card_id \
             WHERE e.at_ms >= $1 GROUP BY e.card_id, c.merchant_id",
            &[since_ms.into()],
        )
        .await
    }
}

/// The instance's catch-up reader: what it has read so far, so that each card event wakes its
/// card's waiters once, not once per read.
pub struct CardEventCatchUp {
    database: Database,
    /// Where the next read starts (before the overlap is taken off).
    newest_read_ms: i64,
    /// The newest event number already announced per card, for cards read lately.
    announced: HashMap<CardId, (i64, i64)>,
}

impl CardEventCatchUp {
    /// A reader that starts with what was stamped just before now.
    pub fn new(database: Database) -> Self {
        let newest_read_ms = database.now_ms();
        CardEventCatchUp {
            database,
            newest_read_ms,
            announced: HashMap::new(),
        }
    }

    /// Reads the card events stamped lately and wakes the waiters of each card with one not yet
    /// announced by this reader; returns how many cards it woke.
    pub async fn read_once(&mut self) -> Result<usize, StoreError> {
        let since_ms =
            (self.newest_read_ms - OVERLAP_MS).max(self.database.now_ms() - MAX_LOOKBACK_MS);
        let recent = self.database.cards_with_events_since(since_ms).await?;
        let mut changes = Vec::new();
        for event in recent {
            self.newest_read_ms = self.newest_read_ms.max(event.at_ms);
            let already = self.announced.get(&event.card_id).map(|(seq, _)| *seq);
            if already.is_some_and(|seq| seq >= event.seq) {
                continue;
            }
            changes.push(Change::card(&event.merchant_id, &event.card_id));
            self.announced
                .insert(event.card_id, (event.seq, event.at_ms));
        }
        // A card whose newest event is older than any read will reach cannot come back: forget it.
        self.announced.retain(|_, (_, at_ms)| *at_ms >= since_ms);
        self.database.change_feed().publish(&changes);
        Ok(changes.len())
    }

    /// Reads every [`FALLBACK_POLL`] until `stop` turns true, telling the change feed meanwhile
    /// that card waiters are covered.
    pub async fn run(mut self, mut stop: watch::Receiver<bool>) {
        let _covered = self.database.change_feed().card_events_caught_up();
        while !*stop.borrow() {
            tokio::select! {
                () = tokio::time::sleep(FALLBACK_POLL) => {}
                _ = stop.changed() => return,
            }
            if let Err(error) = self.read_once().await {
                // The database is down or slow: the next read covers the gap, and the listener
                // wakes everyone when it reconnects.
                tracing::debug!(%error, "card event catch-up read failed");
            }
        }
    }
}
