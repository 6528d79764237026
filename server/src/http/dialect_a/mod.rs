//! Dialect A (vendor seed 000): the `{success, msg, code, model, traceId}` API under `/api/vcc/v1`.
mod auth;
mod card_model;
mod envelope;
mod handlers;
mod new_card_request;

use axum::{
    routing::{get, post},
    Router,
};

pub use envelope::ErrorCode;

use super::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/vcc/v1/cards",
            post(handlers::create_card).get(handlers::list_cards),
        )
        .route("/api/vcc/v1/cards/{card_id}", get(handlers::get_card))
        .route(
            "/api/vcc/v1/cards/{card_id}/reveal",
            post(handlers::reveal_card),
        )
        .route("/api/vcc/v1/card-ranges", get(handlers::list_card_ranges))
}
