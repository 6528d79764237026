//! The application router: probes, the OpenAPI-described API, the widget, the server-rendered
//! pages with their server functions, and the static bundle, behind the edge layers.

use app::{shell, App};
use axum::{http::StatusCode, routing::get, Router};
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::{compression::CompressionLayer, timeout::TimeoutLayer, trace::TraceLayer};

use crate::observability::http_metrics;

use super::{
    api_errors, console_events, console_export, favicon, health, http2_host, openapi,
    port_context::port_context, request_id, request_log, request_span, security_headers,
    server_fn_errors, static_bundle, throttle, widget, AppState,
};

/// The complete application router: probes, server functions, pages, and the static bundle.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let pkg_dir = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    let throttle = axum::middleware::from_fn_with_state(state.clone(), throttle::throttle);
    let request_log = axum::middleware::from_fn_with_state(state.clone(), request_log::record);
    let timeout =
        TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, state.request_timeout);

    let app = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/favicon.ico", get(favicon::favicon))
        .route("/console/cards.csv", get(console_export::cards_csv))
        .route(
            "/console/cards/events",
            get(console_events::card_table_events),
        )
        .route("/console/wallet.csv", get(console_export::wallet_csv))
        .route(
            "/console/cards/{card_id}/events",
            get(console_events::card_events),
        )
        .merge(openapi::api_routes().0)
        .merge(widget::routes())
        .merge(static_bundle::routes(&options.site_pkg_dir, &pkg_dir))
        .leptos_routes_with_context(&state, routes, port_context(&state), move || {
            shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .with_state(state)
        // Inside the router, where the matched route is known.
        .layer(axum::middleware::from_fn(http_metrics::record))
        .layer(axum::middleware::from_fn(
            server_fn_errors::caller_errors_are_400,
        ))
        // Inside the throttle, which finds the request's key for it.
        .layer(request_log)
        .layer(throttle)
        .layer(timeout);
    api_errors::layer(app)
        // Pages and API answers, for clients that ask; not event streams (each event must go
        // out when it happens), and not the bundles, already compressed at build time.
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn(
            security_headers::security_headers,
        ))
        .layer(TraceLayer::new_for_http().make_span_with(request_span::request_span))
        // Around everything above, so the span and every answer below carry the id.
        .layer(axum::middleware::from_fn(request_id::request_id))
        // Outermost: before everything that reads `Host`.
        .layer(axum::middleware::from_fn(http2_host::host_from_authority))
}
