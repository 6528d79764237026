//! Work claiming shared by the provisioning and callback queues: a row is due when its due time
//! has passed and no live lease holds it. Expired leases (a crashed worker) are taken over.

use super::{Database, Pool, StoreError};

/// A table used as a work queue, with `lease_owner` and `lease_expires_at_ms` columns.
#[derive(Clone, Copy)]
pub enum Queue {
    /// `cards`, due by `next_run_at_ms`, identified by text ids.
    Provisioning,
    /// `webhook_outbox`, due by `next_attempt_at_ms`, identified by integer ids.
    Callbacks,
}

impl Queue {
    fn table_and_due_column(self) -> (&'static str, &'static str) {
        match self {
            Queue::Provisioning => ("cards", "next_run_at_ms"),
            Queue::Callbacks => ("webhook_outbox", "next_attempt_at_ms"),
        }
    }

    /// What else makes a due row claimable. A card's callbacks go out one at a time, in the order
    /// they were written (ids grow in commit order per card: every change locks the card first):
    /// a message waits until the card's earlier ones are delivered or abandoned, claimed or not.
    /// Other cards' messages do not wait for it.
    fn claimable(self) -> &'static str {
        match self {
            Queue::Provisioning => "",
            Queue::Callbacks => {
                " AND NOT EXISTS (SELECT 1 FROM webhook_outbox earlier \
                 WHERE earlier.card_id = webhook_outbox.card_id AND earlier.id < webhook_outbox.id \
                 AND earlier.delivered_at_ms IS NULL AND earlier.abandoned_at_ms IS NULL)"
            }
        }
    }

    /// The claiming UPDATE. PostgreSQL skips rows other instances are claiming right now; SQLite has
    /// one writer at a time, so its UPDATE with a subquery is already atomic.
    fn claim_sql(self, postgres: bool) -> String {
        let (table, due) = self.table_and_due_column();
        let claimable = self.claimable();
        let lock = if postgres {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        format!(
            "UPDATE {table} SET lease_owner = $1, lease_expires_at_ms = $2 WHERE id IN (\
             SELECT id FROM {table} WHERE {due} <= $3 AND (lease_owner IS NULL OR lease_expires_at_ms < $3)\
             {claimable} ORDER BY {due} LIMIT $4{lock}) RETURNING id"
        )
    }
}

impl Database {
    /// Leases up to `limit` due rows of `queue` to `owner` for `lease_ms`; returns their ids.
    pub async fn claim_due<Id>(
        &self,
        queue: Queue,
        owner: &str,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<Id>, StoreError>
    where
        Id: Send + Unpin,
        (Id,): for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        let now = self.now_ms();
        let ids: Vec<(Id,)> = match self.pool() {
            Pool::Sqlite(pool, gate) => {
                // Connection first, then the gate (as in `Database::begin`): waiting for a
                // connection while holding the gate deadlocks against writers that hold
                // connections and wait for the gate.
                let mut connection = pool.acquire().await?;
                let _writer = gate.enter().await;
                sqlx::query_as(&queue.claim_sql(false))
                    .bind(owner)
                    .bind(now + lease_ms)
                    .bind(now)
                    .bind(limit)
                    .fetch_all(&mut *connection)
                    .await?
            }
            Pool::Postgres(pool) => {
                sqlx::query_as(&queue.claim_sql(true))
                    .bind(owner)
                    .bind(now + lease_ms)
                    .bind(now)
                    .bind(limit)
                    .fetch_all(pool)
                    .await?
            }
        };
        Ok(ids.into_iter().map(|(id,)| id).collect())
    }
}
