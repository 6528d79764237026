//! The API request log's table: written in batches by each instance's [`RequestLog`] buffer,
//! pruned to 7 days and 10,000 rows per merchant, read by the developers' area.
//!
//! [`RequestLog`]: crate::http::RequestLog

use app::domain::{
    ids::MerchantId,
    request_log::{ApiRequestEntry, RequestLogQuery, REQUESTS_PER_PAGE},
};

use super::{Database, StoreError};

/// A request to log, as the HTTP layer saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedRequest {
    pub merchant_id: MerchantId,
    pub at_ms: i64,
    pub method: String,
    pub path: String,
    pub status: i64,
    pub duration_ms: i64,
    pub key_prefix: String,
    pub request_id: String,
    pub trace_id: Option<i64>,
    pub error_body: Option<String>,
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    at_ms: i64,
    method: String,
    path: String,
    status: i64,
    duration_ms: i64,
    key_prefix: String,
    request_id: String,
    trace_id: Option<i64>,
    error_body: Option<String>,
}

impl From<EntryRow> for ApiRequestEntry {
    fn from(row: EntryRow) -> Self {
        ApiRequestEntry {
            id: row.id,
            at_ms: row.at_ms,
            method: row.method,
            path: row.path,
            status: row.status,
            duration_ms: row.duration_ms,
            key_prefix: row.key_prefix,
            request_id: row.request_id,
            trace_id: row.trace_id,
            error_body: row.error_body,
        }
    }
}

impl Database {
    /// Writes a batch in one transaction.
    pub async fn log_api_requests(&self, requests: &[LoggedRequest]) -> Result<(), StoreError> {
        let sql = "INSERT INTO api_request_log (merchant_id, at_ms, method, path, status, \
                   duration_ms, key_prefix, request_id, trace_id, error_body) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
        let mut tx = self.begin().await?;
        for request in requests {
            tx.conn()
                .execute(
                    sql,
                    &[
                        (&request.merchant_id).into(),
                        request.at_ms.into(),
                        (&request.method).into(),
                        (&request.path).into(),
                        request.status.into(),
                        request.duration_ms.into(),
                        (&request.key_prefix).into(),
                        (&request.request_id).into(),
                        request.trace_id.into(),
                        (&request.error_body).into(),
                    ],
                )
                .await
                .map_err(StoreError::from)?;
        }
        tx.commit().await
    }

    /// Drops every request older than `before_ms`, and the merchant's beyond its newest
    /// `keep_per_merchant`; answers how many went.
    pub async fn prune_api_requests(
        &self,
        before_ms: i64,
        merchants: &[MerchantId],
        keep_per_merchant: i64,
    ) -> Result<u64, StoreError> {
        let mut pruned = self
            .execute(
                "DELETE FROM api_request_log WHERE at_ms < $1",
                &[before_ms.into()],
            )
            .await?;
        let sql = "DELETE FROM api_request_log WHERE merchant_id = $1 AND id < (\
                   SELECT MIN(id) FROM (SELECT id FROM api_request_log WHERE merchant_id = $1 \
                   ORDER BY id DESC LIMIT $2) newest)";
        for merchant_id in merchants {
            pruned += self
                .execute(sql, &[merchant_id.into(), keep_per_merchant.into()])
                .await?;
        }
        Ok(pruned)
    }

    /// A page of the merchant's requests, newest first: all, errors only, or those whose request
    /// id or trace id is `query.find`.
    pub async fn api_requests(
        &self,
        merchant_id: &MerchantId,
        query: &RequestLogQuery,
    ) -> Result<Vec<ApiRequestEntry>, StoreError> {
        let trace_id = query
            .find
            .as_deref()
            .and_then(|find| find.parse::<i64>().ok());
        let errors = if query.errors_only {
            " AND status >= 400"
        } else {
            ""
        };
        let sql = format!(
            "SELECT id, at_ms, method, path, status, duration_ms, key_prefix, request_id, \
             trace_id, error_body FROM api_request_log WHERE merchant_id = $1 \
             AND ($2 IS NULL OR request_id = $2 OR trace_id = $3) AND ($4 IS NULL OR id < $4)\
             {errors} ORDER BY id DESC LIMIT $5"
        );
        let rows: Vec<EntryRow> = self
            .fetch_all(
                &sql,
                &[
                    merchant_id.into(),
                    query.find.as_deref().into(),
                    trace_id.into(),
                    query.before_id.into(),
                    REQUESTS_PER_PAGE.into(),
                ],
            )
            .await?;
        Ok(rows.into_iter().map(ApiRequestEntry::from).collect())
    }
}
