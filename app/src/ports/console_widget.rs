//! The developers' area's widget builder: the merchant's sessions that still run, minting one
//! from the console (its token in the answer, once), and closing one early. The server checks the
//! role ([`Role::may_manage_integration`]) and writes minting and closing to the audit log.
//!
//! [`Role::may_manage_integration`]: crate::domain::console_role::Role::may_manage_integration

use std::sync::Arc;

use super::ConsoleDenied;
use crate::domain::{
    console_user::ConsoleUser,
    ids::SessionId,
    widget_builder::{LiveWidgetSessions, MintedWidgetSession},
};

/// A session as the builder's form gives it, before the server checks it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionForm {
    /// Origins, one per line (or separated by spaces or commas).
    pub allowed_origins: String,
    pub lifetime_secs: i64,
    /// Empty for none.
    pub customer_email: String,
    pub max_cards: i64,
}

#[async_trait::async_trait]
pub trait ConsoleWidget: Send + Sync {
    /// The merchant's sessions that have neither run out nor been closed, newest first.
    async fn live_sessions(&self, user: &ConsoleUser) -> Result<LiveWidgetSessions, ConsoleDenied>;
    async fn mint(
        &self,
        user: &ConsoleUser,
        form: SessionForm,
    ) -> Result<MintedWidgetSession, ConsoleDenied>;
    /// Ends a running session now: its form makes no more cards, and its trackers say so.
    async fn close(&self, user: &ConsoleUser, session: &SessionId) -> Result<(), ConsoleDenied>;
}

pub type SharedConsoleWidget = Arc<dyn ConsoleWidget>;
