//! What a scrape reads from the database: each a small index-backed query, run only when
//! Prometheus asks, so an idle server does no work for its metrics.

use app::domain::provisioning::ProvisioningStage;

use crate::store::{Database, Pool};

pub async fn record_database_gauges(database: &Database) {
    match database.cards_waiting_by_stage().await {
        Ok(waiting) => {
            // Every stage a card can wait at, so a stage that emptied reads 0, not its last count.
            for stage in ProvisioningStage::ALL
                .into_iter()
                .filter(|stage| stage.next().is_some())
            {
                let count = waiting
                    .iter()
                    .find(|(code, _)| code == stage.code())
                    .map_or(0, |(_, count)| *count);
                metrics::gauge!("cardkit_cards_waiting", "stage" => stage.code()).set(count as f64);
            }
        }
        Err(error) => tracing::warn!(%error, "metrics: cards waiting"),
    }
    match database.callback_backlog().await {
        Ok((count, oldest_ms)) => {
            metrics::gauge!("cardkit_callbacks_undelivered").set(count as f64);
            let age_ms = oldest_ms.map_or(0, |oldest| database.now_ms() - oldest);
            metrics::gauge!("cardkit_callbacks_oldest_undelivered_seconds")
                .set(age_ms.max(0) as f64 / 1000.0);
        }
        Err(error) => tracing::warn!(%error, "metrics: callback backlog"),
    }
    let (size, idle, max) = match database.pool() {
        Pool::Sqlite(pool, _) => (
            pool.size(),
            pool.num_idle(),
            pool.options().get_max_connections(),
        ),
        Pool::Postgres(pool) => (
            pool.size(),
            pool.num_idle(),
            pool.options().get_max_connections(),
        ),
    };
    let idle = u32::try_from(idle).unwrap_or(u32::MAX);
    metrics::gauge!("cardkit_db_pool_connections", "state" => "idle").set(f64::from(idle));
    metrics::gauge!("cardkit_db_pool_connections", "state" => "in_use")
        .set(f64::from(size.saturating_sub(idle)));
    metrics::gauge!("cardkit_db_pool_max_connections").set(f64::from(max));
}
