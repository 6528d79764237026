//! The API request log: each REST request signed by a live key is noted after it is answered
//! (method, path, status, latency, the key's prefix, `x-request-id`, dialect A's `traceId`, and an
//! error's answer, masked), kept in memory, and written by [`RequestLog::flush_until`] once a
//! second in one transaction, so logging costs a request no database write. The memory is
//! bounded: past [`BUFFER_LIMIT`] unwritten entries (a database down for long) new ones are
//! counted and dropped, never queued without end. Requests without a valid key belong to no
//! merchant and are not logged; neither are those the rate limit refused (it answers first).

use std::{
    collections::HashSet,
    sync::{
        atomic::{AtomicU64, Ordering},
        Mutex,
    },
    time::{Duration, Instant},
};

use app::domain::{
    api_keys::key_prefix,
    ids::MerchantId,
    request_log::{error_excerpt, REQUEST_LOG_MAX_PER_MERCHANT, REQUEST_LOG_RETENTION_MS},
};
use axum::{
    body::{to_bytes, Body},
    extract::{Request, State},
    middleware::Next,
    response::Response,
};

use super::{
    api_errors::Dialect, api_key_cache::KeyOwner, dialect_a::TraceId, request_id::REQUEST_ID,
    AppState,
};
use crate::store::{Database, LoggedRequest, StoreError};

/// Unwritten entries kept at most.
pub const BUFFER_LIMIT: usize = 10_000;
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(1);
/// Pruning (retention and the per-merchant cap) runs every this many flushes.
const PRUNE_EVERY_FLUSHES: u64 = 60;
/// An error answer bigger than this is not read for the log (errors are small JSON).
const ERROR_READ_LIMIT: usize = 256 * 1024;

pub struct RequestLog {
    database: Database,
    pending: Mutex<Vec<LoggedRequest>>,
    /// Merchants written to since the last prune: the only ones whose cap can be over.
    written: Mutex<HashSet<MerchantId>>,
    dropped: AtomicU64,
    flushes: AtomicU64,
}

impl RequestLog {
    pub fn new(database: Database) -> Self {
        Self {
            database,
            pending: Mutex::new(Vec::new()),
            written: Mutex::new(HashSet::new()),
            dropped: AtomicU64::new(0),
            flushes: AtomicU64::new(0),
        }
    }

    fn note(&self, request: LoggedRequest) {
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if pending.len() < BUFFER_LIMIT {
            pending.push(request);
        } else {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Writes what was noted since the last flush; kept for the next one if the write fails.
    pub async fn flush(&self) -> Result<(), StoreError> {
        let batch = std::mem::take(
            &mut *self
                .pending
                .lock()
                .unwrap_or_else(|poison| poison.into_inner()),
        );
        if !batch.is_empty() {
            if let Err(error) = self.database.log_api_requests(&batch).await {
                let mut pending = self
                    .pending
                    .lock()
                    .unwrap_or_else(|poison| poison.into_inner());
                let room = BUFFER_LIMIT.saturating_sub(pending.len());
                let kept = batch.len().min(room);
                self.dropped
                    .fetch_add((batch.len() - kept) as u64, Ordering::Relaxed);
                pending.splice(0..0, batch.into_iter().take(kept));
                return Err(error);
            }
            let mut written = self
                .written
                .lock()
                .unwrap_or_else(|poison| poison.into_inner());
            written.extend(batch.into_iter().map(|request| request.merchant_id));
        }
        let dropped = self.dropped.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            tracing::warn!(dropped, "request log entries dropped: the buffer was full");
        }
        // Not at the first flush: a process that starts, serves a moment and stops (a test, a
        // one-off) does no maintenance.
        let flushes = self.flushes.fetch_add(1, Ordering::Relaxed) + 1;
        if flushes.is_multiple_of(PRUNE_EVERY_FLUSHES) {
            self.prune().await?;
        }
        Ok(())
    }

    /// Drops entries past the retention, and each written merchant's beyond its cap.
    pub async fn prune(&self) -> Result<u64, StoreError> {
        let merchants: Vec<MerchantId> = std::mem::take(
            &mut *self
                .written
                .lock()
                .unwrap_or_else(|poison| poison.into_inner()),
        )
        .into_iter()
        .collect();
        let before = self.database.now_ms() - REQUEST_LOG_RETENTION_MS;
        self.database
            .prune_api_requests(before, &merchants, REQUEST_LOG_MAX_PER_MERCHANT)
            .await
    }

    /// Flushes every [`FLUSH_INTERVAL`] until `stop` turns true, then once more.
    pub async fn flush_until(&self, mut stop: tokio::sync::watch::Receiver<bool>) {
        loop {
            tokio::select! {
                () = tokio::time::sleep(FLUSH_INTERVAL) => {}
                _ = stop.wait_for(|stopped| *stopped) => break,
            }
            if let Err(error) = self.flush().await {
                tracing::warn!(%error, "could not write the request log; will retry");
            }
        }
        if let Err(error) = self.flush().await {
            tracing::warn!(%error, "could not write the request log at shutdown");
        }
    }
}

/// Notes each REST API request a live key signed, once it is answered.
pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if Dialect::of(request.uri().path()).is_none() {
        return next.run(request).await;
    }
    let Some(KeyOwner(grant)) = request.extensions().get::<KeyOwner>().cloned() else {
        return next.run(request).await;
    };
    let method = request.method().to_string();
    let path = request
        .uri()
        .path_and_query()
        .map_or_else(|| request.uri().path().to_owned(), |path| path.to_string());
    let request_id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let at_ms = state.request_log.database.now_ms();
    let started = Instant::now();
    let mut response = next.run(request).await;
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let status = response.status().as_u16();
    let trace_id = response.extensions().get::<TraceId>().map(|trace| trace.0);
    let mut error_body = None;
    if status >= 400 {
        let (parts, body) = response.into_parts();
        let bytes = to_bytes(body, ERROR_READ_LIMIT).await.unwrap_or_default();
        error_body = Some(error_excerpt(&bytes));
        response = Response::from_parts(parts, Body::from(bytes));
    }
    state.request_log.note(LoggedRequest {
        merchant_id: grant.merchant_id,
        at_ms,
        method,
        path,
        status: i64::from(status),
        duration_ms,
        key_prefix: key_prefix(&grant.key_id),
        request_id,
        trace_id,
        error_body,
    });
    response
}
