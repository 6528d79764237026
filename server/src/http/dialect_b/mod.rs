//! Dialect B (vendor seed 003): `POST /api/v1/cards/card/add` and the card API around it, amounts
//! in currency units, FastAPI-style errors. The same core and ledger as dialect A: a card made
//! through either is the same card, with the same id and balances, through both.
pub(crate) mod auth;
mod authorizations;
pub(crate) mod body;
mod card_events;
pub(crate) mod card_object;
mod card_operations;
mod cards;
pub(crate) mod errors;
pub(super) mod schemas;

use utoipa_axum::{router::OpenApiRouter, routes};

use super::AppState;

/// Dialect B's routes, each registered from its handler's OpenAPI description (the path in the
/// `#[utoipa::path]` attribute is the path routed), so the document cannot drift from the API.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(cards::add_card))
        .routes(routes!(cards::list_cards))
        .routes(routes!(cards::get_card))
        .routes(routes!(card_events::card_events))
        .routes(routes!(card_operations::update_settings))
        .routes(routes!(card_operations::topup))
        .routes(routes!(card_operations::withdraw))
        .routes(routes!(card_operations::freeze))
        .routes(routes!(card_operations::unfreeze))
        .routes(routes!(card_operations::close))
        .routes(routes!(authorizations::authorize))
        .routes(routes!(authorizations::transactions))
        .routes(routes!(authorizations::capture))
        .routes(routes!(authorizations::reverse))
        .routes(routes!(card_operations::bins))
}
