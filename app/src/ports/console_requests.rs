//! The developers' area's request log: the API requests the merchant's keys signed, newest first.
//! The server checks the role ([`Role::may_manage_integration`]).
//!
//! [`Role::may_manage_integration`]: crate::domain::console_role::Role::may_manage_integration

use std::sync::Arc;

use super::ConsoleDenied;
use crate::domain::{
    console_user::ConsoleUser,
    request_log::{RequestLogQuery, RequestLogView},
};

#[async_trait::async_trait]
pub trait ConsoleRequests: Send + Sync {
    async fn requests(
        &self,
        user: &ConsoleUser,
        query: &RequestLogQuery,
    ) -> Result<RequestLogView, ConsoleDenied>;
}

pub type SharedConsoleRequests = Arc<dyn ConsoleRequests>;
