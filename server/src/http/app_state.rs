//! What every request handler may reach: its own module, so that the router and the routes it
//! mounts (the widget frame among them) all import it from here and not from each other.

use std::sync::Arc;

use app::{
    api::console::ConsoleCookiePolicy,
    ports::{SharedAuditTrail, SharedCardIssuing, SharedCardSpending, SharedSystemProbe},
};
use axum::{extract::FromRef, http::HeaderName};
use leptos::prelude::LeptosOptions;

use super::{stream_draining::Draining, ApiKeyCache, RequestLog};
use crate::{
    change_feed::ChangeFeed,
    issuing::{
        console_api_keys::ConsoleApiKeyService, console_callbacks::ConsoleCallbackService,
        console_cards::ConsoleCardService, console_customers::ConsoleCustomerService,
        console_requests::ConsoleRequestService, console_sessions::ConsoleSessions,
        console_team::ConsoleTeamService, console_widget::ConsoleWidgetService,
        widget_sessions::WidgetSessions,
    },
    rate_limits::RateLimits,
    webhooks::CallbackPolicy,
};

/// Everything a request handler may need. Cheap to clone: pools and options are shared.
#[derive(Clone)]
pub struct AppState {
    /// Its `output_name` is where the console's bundle is under `/pkg`, without extension
    /// (`cardkit.1f2e…/cardkit` when built: a hashed folder, then the file name base).
    pub leptos_options: LeptosOptions,
    /// The widget bundle's file name base (content-hashed when built).
    pub widget_bundle: String,
    /// Whether the database answers: the readiness check and the "Check system" page.
    pub system: SharedSystemProbe,
    pub issuing: SharedCardIssuing,
    pub spending: SharedCardSpending,
    /// Wakes the event streams when what they follow changes (see `change_feed`).
    pub changes: ChangeFeed,
    /// Where the API dialects write what a key did.
    pub audit: SharedAuditTrail,
    pub callback_policy: CallbackPolicy,
    /// API key → what it may do, so authentication is not a database read on every request.
    pub api_keys: Arc<ApiKeyCache>,
    /// The API requests signed by merchants' keys, buffered and written once a second.
    pub request_log: Arc<RequestLog>,
    /// The developers' area's API keys: list, create, roll, revoke.
    pub console_api_keys: ConsoleApiKeyService,
    /// The developers' area's callback log, resends, test events and signing secret.
    pub console_callbacks: ConsoleCallbackService,
    /// The developers' area's request log.
    pub console_requests: ConsoleRequestService,
    pub widget_sessions: WidgetSessions,
    pub console_widget: ConsoleWidgetService,
    /// The console's sign-in and sessions.
    pub console: ConsoleSessions,
    /// What the console does with cards, role-checked and audited.
    pub console_cards: ConsoleCardService,
    /// The console's team: members, invitations, roles.
    pub console_team: ConsoleTeamService,
    /// The console's customers and their KYC.
    pub console_customers: ConsoleCustomerService,
    /// Whether the console's session cookie is `Secure` (not on plain http on loopback).
    pub console_cookie: ConsoleCookiePolicy,
    /// Shared with `widget_sessions`, which limits what a session does.
    pub rate_limits: Arc<RateLimits>,
    /// Where the client's address is, behind a proxy (`None`: the peer is the client).
    pub client_address_header: Option<HeaderName>,
    /// How long a request may take until its response starts (a stream's body may go on).
    pub request_timeout: std::time::Duration,
    /// Ends the event streams when the server shuts down, so they do not hold it up.
    pub draining: Draining,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
