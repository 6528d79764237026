//! What the server functions of a rendered page reach: the ports, provided as Leptos context by
//! whichever route renders the app (the pages and the widget frame alike).

use std::sync::Arc;

use app::ports::{
    SharedConsoleAccess, SharedConsoleApiKeys, SharedConsoleCallbacks, SharedConsoleCards,
    SharedConsoleCustomers, SharedConsoleRequests, SharedConsoleSecurity, SharedConsoleTeam,
    SharedConsoleWidget, SharedWidgetAccess,
};
use leptos::prelude::provide_context;

use super::AppState;

/// Server functions reach the adapters through context, never through concrete types.
pub(crate) fn port_context(state: &AppState) -> impl Fn() + Clone + Send + Sync + 'static {
    let probe = state.system.clone();
    let issuing = state.issuing.clone();
    let widget_access: SharedWidgetAccess = Arc::new(state.widget_sessions.clone());
    let console: SharedConsoleAccess = Arc::new(state.console.clone());
    let console_security: SharedConsoleSecurity = Arc::new(state.console.clone());
    let console_cards: SharedConsoleCards = Arc::new(state.console_cards.clone());
    let console_team: SharedConsoleTeam = Arc::new(state.console_team.clone());
    let console_customers: SharedConsoleCustomers = Arc::new(state.console_customers.clone());
    let console_api_keys: SharedConsoleApiKeys = Arc::new(state.console_api_keys.clone());
    let console_callbacks: SharedConsoleCallbacks = Arc::new(state.console_callbacks.clone());
    let console_requests: SharedConsoleRequests = Arc::new(state.console_requests.clone());
    let console_widget: SharedConsoleWidget = Arc::new(state.console_widget.clone());
    let console_cookie = state.console_cookie;
    move || {
        provide_context(console.clone());
        provide_context(console_cards.clone());
        provide_context(console_security.clone());
        provide_context(console_team.clone());
        provide_context(console_customers.clone());
        provide_context(console_api_keys.clone());
        provide_context(console_callbacks.clone());
        provide_context(console_requests.clone());
        provide_context(console_widget.clone());
        provide_context(console_cookie);
        provide_context(probe.clone());
        provide_context(issuing.clone());
        provide_context(widget_access.clone());
    }
}
