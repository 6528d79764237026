//! Prometheus metrics (`GET /metrics` on `--metrics-listen`, off unless asked for): what the code
//! counts as it runs (requests, creations, stage latencies, callback attempts, open streams,
//! through the `metrics` facade, a no-op until a recorder is installed) and what is read from the
//! database when scraped (cards waiting per stage, the callback backlog, the pool).
//!
//! The names, each prefixed `cardkit_`:
//!
//! | metric | kind | labels |
//! |---|---|---|
//! | `http_requests_total` | counter | `route` (the matched path template), `method`, `status` |
//! | `http_request_duration_seconds` | histogram | `route`, `method` (until the response starts) |
//! | `cards_created_total` | counter | |
//! | `provisioning_stage_duration_seconds` | histogram | `stage` (the stage completed) |
//! | `cards_waiting` | gauge | `stage` (cards not yet ACTIVE or failed) |
//! | `callbacks_undelivered` | gauge | |
//! | `callbacks_oldest_undelivered_seconds` | gauge | |
//! | `callback_attempts_total` | counter | `outcome` (`delivered`, `retrying`, `abandoned`) |
//! | `event_streams_open` | gauge | `kind` (`widget`, `console_card`, `console_table`) |
//! | `db_pool_connections` | gauge | `state` (`idle`, `in_use`), beside `db_pool_max_connections` |

pub mod http_metrics;
mod scrape;
pub mod stream_gauge;

use std::{net::SocketAddr, sync::OnceLock, time::Duration};

use axum::{extract::State, http::header, response::IntoResponse, routing::get, Router};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::{net::TcpListener, sync::watch};

use crate::store::Database;

/// Latency buckets, in seconds: from a cached read to a slow stage.
const SECONDS_BUCKETS: &[f64] = &[
    0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process's recorder, installed on first use: `metrics` has one global recorder, so every
/// server of one process (the tests start many) shares it.
pub fn recorder() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)
            .expect("the bucket list is not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder was installed first; /metrics stays empty");
        }
        handle
    })
}

#[derive(Clone)]
struct Scraped {
    handle: PrometheusHandle,
    database: Database,
}

async fn metrics_text(State(scraped): State<Scraped>) -> impl IntoResponse {
    scrape::record_database_gauges(&scraped.database).await;
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        scraped.handle.render(),
    )
}

/// Whether serving metrics on `addr` exposes them beyond this machine.
pub fn is_public(addr: &SocketAddr) -> bool {
    !addr.ip().is_loopback()
}

/// Serves `GET /metrics` on `listener` until `stop` turns true, and keeps the histograms
/// drained (the recorder's upkeep) meanwhile.
pub async fn serve(listener: TcpListener, database: Database, mut stop: watch::Receiver<bool>) {
    let handle = recorder().clone();
    let upkeep = tokio::spawn({
        let handle = handle.clone();
        async move {
            let mut every = tokio::time::interval(Duration::from_secs(5));
            loop {
                every.tick().await;
                handle.run_upkeep();
            }
        }
    });
    let app = Router::new()
        .route("/metrics", get(metrics_text))
        .with_state(Scraped { handle, database });
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = stop.wait_for(|stopped| *stopped).await;
        })
        .await;
    if let Err(error) = served {
        tracing::warn!(%error, "the metrics listener failed");
    }
    upkeep.abort();
}
