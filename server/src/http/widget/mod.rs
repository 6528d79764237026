//! The embeddable widget's HTTP side: the session API for merchants' backends, the loader script
//! for partner pages, the framed page, and the live status stream. The form's and tracker's
//! calls are server functions (`app::api::widget`).
mod events;
mod frame;
mod script;
mod sessions;
mod theme;

use axum::{routing::get, Router};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::AppState;

/// The session API, described in the OpenAPI document with the dialects.
pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(sessions::create_session))
}

/// What partner pages and the widget itself load.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/widget.js", get(script::widget_js))
        .route("/widget/frame", get(frame::frame))
        .route("/widget/theme", get(theme::theme))
        .route("/widget.d.ts", get(script::widget_types))
        .route(
            "/api/widget/v1/cards/{card_id}/events",
            get(events::card_events),
        )
}
