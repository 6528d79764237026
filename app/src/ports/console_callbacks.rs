//! The developers' area's callbacks: the delivery log, resending, a test event to a URL the
//! developer types, and the signing secret (read, rotate with an overlap). The server checks the
//! role ([`Role::may_manage_integration`]) and audits resends and rotations.
//!
//! [`Role::may_manage_integration`]: crate::domain::console_role::Role::may_manage_integration

use std::sync::Arc;

use super::ConsoleDenied;
use crate::domain::{
    callback_log::{CallbackLogView, CallbackQuery, RotatedSecret, TestEventAnswer},
    console_user::ConsoleUser,
};

#[async_trait::async_trait]
pub trait ConsoleCallbacks: Send + Sync {
    async fn log(
        &self,
        user: &ConsoleUser,
        query: &CallbackQuery,
    ) -> Result<CallbackLogView, ConsoleDenied>;
    /// Sends the message again (same `webhook-id`), whatever it came to.
    async fn resend(&self, user: &ConsoleUser, message_id: &str) -> Result<(), ConsoleDenied>;
    /// Sends again every abandoned message created in `[from_ms, to_ms]`; answers how many.
    async fn resend_abandoned(
        &self,
        user: &ConsoleUser,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<u64, ConsoleDenied>;
    /// Sends a signed test event to `url` (under the callback URL rules) and answers what came
    /// back.
    async fn send_test_event(
        &self,
        user: &ConsoleUser,
        url: &str,
    ) -> Result<TestEventAnswer, ConsoleDenied>;
    async fn signing_secret(&self, user: &ConsoleUser) -> Result<String, ConsoleDenied>;
    /// A new signing secret; the old one signs beside it for a day.
    async fn rotate_secret(&self, user: &ConsoleUser) -> Result<RotatedSecret, ConsoleDenied>;
}

pub type SharedConsoleCallbacks = Arc<dyn ConsoleCallbacks>;
