use std::sync::Arc;

use app::{
    ports::{SharedCardIssuing, SharedCardSpending, SharedSystemProbe, SharedWidgetAccess},
    shell, App,
};
use axum::{
    extract::FromRef,
    http::{HeaderName, StatusCode},
    routing::get,
    Router,
};
use leptos::prelude::{provide_context, LeptosOptions};
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::{timeout::TimeoutLayer, trace::TraceLayer};

use super::{
    api_errors, favicon, health, openapi, request_span, security_headers, throttle, widget,
    ApiKeyCache,
};
use crate::{
    issuing::widget_sessions::WidgetSessions, rate_limits::RateLimits, store::Database,
    system_probe::DatabaseProbe, webhooks::CallbackPolicy,
};

/// Everything a request handler may need. Cheap to clone: pools and options are shared.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub database: Database,
    pub issuing: SharedCardIssuing,
    pub spending: SharedCardSpending,
    pub callback_policy: CallbackPolicy,
    /// API key → merchant, so authentication is not a database read on every request.
    pub api_keys: Arc<ApiKeyCache>,
    pub widget_sessions: WidgetSessions,
    /// Shared with `widget_sessions`, which limits what a session does.
    pub rate_limits: Arc<RateLimits>,
    /// Where the client's address is, behind a proxy (`None`: the peer is the client).
    pub client_address_header: Option<HeaderName>,
    /// How long a request may take until its response starts (a stream's body may go on).
    pub request_timeout: std::time::Duration,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The complete application router: probes, server functions, pages, and the static bundle.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let throttle = axum::middleware::from_fn_with_state(state.clone(), throttle::throttle);
    let timeout =
        TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, state.request_timeout);

    let app = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/favicon.ico", get(favicon::favicon))
        .merge(openapi::api_routes().0)
        .merge(widget::routes())
        .leptos_routes_with_context(&state, routes, port_context(&state), move || {
            shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .with_state(state)
        .layer(throttle)
        .layer(timeout);
    api_errors::layer(app)
        .layer(axum::middleware::from_fn(
            security_headers::security_headers,
        ))
        .layer(TraceLayer::new_for_http().make_span_with(request_span::request_span))
}

/// Server functions reach the adapters through context, never through concrete types.
pub(super) fn port_context(state: &AppState) -> impl Fn() + Clone + Send + Sync + 'static {
    let probe: SharedSystemProbe = Arc::new(DatabaseProbe::new(state.database.clone()));
    let issuing = state.issuing.clone();
    let widget_access: SharedWidgetAccess = Arc::new(state.widget_sessions.clone());
    move || {
        provide_context(probe.clone());
        provide_context(issuing.clone());
        provide_context(widget_access.clone());
    }
}
