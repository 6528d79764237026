//! The developers' area's request log ([`ConsoleRequests`]) over the table the HTTP layer's
//! request log writes.

use app::{
    domain::{
        console_user::ConsoleUser,
        request_log::{RequestLogQuery, RequestLogView, REQUESTS_PER_PAGE},
    },
    ports::{ConsoleDenied, ConsoleRequests},
};

use super::developers_area::integration_only;
use crate::store::Database;

#[derive(Clone)]
pub struct ConsoleRequestService {
    database: Database,
}

impl ConsoleRequestService {
    pub fn new(database: Database) -> Self {
        Self { database }
    }
}

#[async_trait::async_trait]
impl ConsoleRequests for ConsoleRequestService {
    async fn requests(
        &self,
        user: &ConsoleUser,
        query: &RequestLogQuery,
    ) -> Result<RequestLogView, ConsoleDenied> {
        integration_only(user, "the request log is for developers, admins and owners")?;
        let requests = self
            .database
            .api_requests(&user.merchant_id, query)
            .await
            .map_err(|error| {
                tracing::warn!(%error, "console request log store failed");
                ConsoleDenied::Unavailable
            })?;
        let full = i64::try_from(requests.len()).unwrap_or(i64::MAX) >= REQUESTS_PER_PAGE;
        let older = full
            .then(|| requests.last().map(|entry| entry.id))
            .flatten();
        Ok(RequestLogView { requests, older })
    }
}
