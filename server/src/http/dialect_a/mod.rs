//! Dialect A (vendor seed 000): the `{success, msg, code, model, traceId}` API under `/api/vcc/v1`.
mod auth;
mod card_model;
mod card_operations;
mod envelope;
mod handlers;
mod kyc;
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
        .route(
            "/api/vcc/v1/cards/{card_id}",
            get(handlers::get_card).delete(card_operations::delete),
        )
        .route(
            "/api/vcc/v1/cards/{card_id}/recharge",
            post(card_operations::recharge),
        )
        .route(
            "/api/vcc/v1/cards/{card_id}/freeze",
            post(card_operations::freeze),
        )
        .route(
            "/api/vcc/v1/cards/{card_id}/unfreeze",
            post(card_operations::unfreeze),
        )
        .route(
            "/api/vcc/v1/cards/{card_id}/transactions",
            get(card_operations::transactions),
        )
        .route("/api/vcc/v1/kyc", get(kyc::status))
        .route("/api/vcc/v1/kyc/ach", post(kyc::submit_ach))
        .route("/api/vcc/v1/kyc/shared", post(kyc::sync_shared))
        .route(
            "/api/vcc/v1/cards/{card_id}/reveal",
            post(handlers::reveal_card),
        )
        .route("/api/vcc/v1/card-ranges", get(handlers::list_card_ranges))
        .route("/api/vcc/v1/webhooks/secret", get(handlers::webhook_secret))
}
