//! Dialect A (vendor seed 000): the `{success, msg, code, model, traceId}` API under `/api/vcc/v1`.
mod auth;
mod card_model;
mod card_operations;
pub(crate) mod envelope;
mod handlers;
mod kyc;
mod new_card_request;
mod schemas;

use utoipa_axum::{router::OpenApiRouter, routes};

pub use envelope::{ErrorCode, TraceId};

use super::AppState;

/// Dialect A's routes, each registered from its handler's OpenAPI description (the path in the
/// `#[utoipa::path]` attribute is the path routed), so the document cannot drift from the API.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::create_card, handlers::list_cards))
        .routes(routes!(handlers::get_card, card_operations::delete))
        .routes(routes!(card_operations::recharge))
        .routes(routes!(card_operations::freeze))
        .routes(routes!(card_operations::unfreeze))
        .routes(routes!(card_operations::transactions))
        .routes(routes!(card_operations::events))
        .routes(routes!(kyc::status))
        .routes(routes!(kyc::submit_ach))
        .routes(routes!(kyc::sync_shared))
        .routes(routes!(handlers::reveal_card))
        .routes(routes!(handlers::list_card_ranges))
        .routes(routes!(handlers::webhook_secret))
}
