//! On PostgreSQL, several instances share one database: each listens on [`super::CHANNEL`] and
//! turns the other instances' notifications into wake-ups for its own waiters. One connection
//! per instance. SQLite runs none of this (one process; commits wake waiters directly).

use std::time::Duration;

use sqlx::postgres::{PgListener, PgPool};
use tokio::sync::watch;

use super::{wire, ChangeFeed, CHANNEL};

/// Listens until `stop` turns true or the pool closes, reconnecting whenever the connection is
/// lost. After every gap the whole feed is woken, since what was said meanwhile is not heard.
pub async fn listen(feed: ChangeFeed, pool: PgPool, mut stop: watch::Receiver<bool>) {
    let mut retry = Duration::from_millis(100);
    while !*stop.borrow() {
        let mut listener = match subscribe(&pool).await {
            Ok(listener) => listener,
            Err(error) if pool.is_closed() => {
                tracing::debug!(%error, "change listener stops with the pool");
                return;
            }
            Err(error) => {
                tracing::warn!(%error, retry_in_ms = retry.as_millis(), "change listener could not connect");
                tokio::select! {
                    () = tokio::time::sleep(retry) => {}
                    _ = stop.changed() => return,
                }
                retry = (retry * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        retry = Duration::from_millis(100);
        // Connected (again): whatever was missed before is read now rather than at the fallback.
        feed.wake_everyone();
        tracing::debug!("change listener connected");
        loop {
            let received = tokio::select! {
                received = listener.try_recv() => received,
                _ = stop.changed() => return,
            };
            match received {
                Ok(Some(notification)) => {
                    let (origin, changes) = wire::decode(notification.payload());
                    if origin != feed.origin() {
                        feed.publish(&changes);
                    }
                }
                // The connection was lost; a new one is made (and LISTENs again) on the next
                // call. Waiters read again now; the fallback covers the gap.
                Ok(None) => {
                    tracing::info!("change listener lost its connection, reconnecting");
                    feed.wake_everyone();
                }
                Err(error) => {
                    if pool.is_closed() {
                        return;
                    }
                    tracing::warn!(%error, "change listener failed");
                    feed.wake_everyone();
                    break;
                }
            }
        }
    }
}

async fn subscribe(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}
