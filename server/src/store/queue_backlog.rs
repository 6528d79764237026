//! How much work waits in the two queues, for the metrics: both read the queues' partial indexes
//! (`cards_due`, `webhook_outbox_due`), which hold only the rows still waiting.

use super::{Database, StoreError};

impl Database {
    /// Cards not yet ACTIVE or failed, by the stage they are at (stage code, count).
    pub async fn cards_waiting_by_stage(&self) -> Result<Vec<(String, i64)>, StoreError> {
        self.fetch_all(
            "SELECT stage, COUNT(*) FROM cards WHERE next_run_at_ms IS NOT NULL GROUP BY stage",
            &[],
        )
        .await
    }

    /// Callback messages neither delivered nor abandoned, and when the oldest was queued.
    pub async fn callback_backlog(&self) -> Result<(i64, Option<i64>), StoreError> {
        self.fetch_one(
            "SELECT COUNT(*), MIN(created_at_ms) FROM webhook_outbox \
             WHERE next_attempt_at_ms IS NOT NULL",
            &[],
        )
        .await
    }
}
