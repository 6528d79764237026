//! Dialect B (vendor seed 003): `POST /api/v1/cards/card/add` and the card API around it, amounts
//! in currency units, FastAPI-style errors. The same core and ledger as dialect A: a card made
//! through either is the same card, with the same id and balances, through both.
mod auth;
mod authorizations;
mod body;
mod card_object;
mod card_operations;
mod cards;
mod errors;

use axum::{
    routing::{get, patch, post},
    Router,
};

use super::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cards/card/add", post(cards::add_card))
        .route("/api/v1/cards/card/list", get(cards::list_cards))
        .route("/api/v1/cards/card/{card_id}", get(cards::get_card))
        .route(
            "/api/v1/cards/card/{card_id}/settings",
            patch(card_operations::update_settings),
        )
        .route(
            "/api/v1/cards/card/{card_id}/topup",
            post(card_operations::topup),
        )
        .route(
            "/api/v1/cards/card/{card_id}/withdraw",
            post(card_operations::withdraw),
        )
        .route(
            "/api/v1/cards/card/{card_id}/freeze",
            post(card_operations::freeze),
        )
        .route(
            "/api/v1/cards/card/{card_id}/unfreeze",
            post(card_operations::unfreeze),
        )
        .route(
            "/api/v1/cards/card/{card_id}/close",
            post(card_operations::close),
        )
        .route(
            "/api/v1/cards/card/{card_id}/authorizations",
            post(authorizations::authorize),
        )
        .route(
            "/api/v1/cards/card/{card_id}/transactions",
            get(authorizations::transactions),
        )
        .route(
            "/api/v1/cards/authorizations/{authorization_id}/capture",
            post(authorizations::capture),
        )
        .route(
            "/api/v1/cards/authorizations/{authorization_id}/reverse",
            post(authorizations::reverse),
        )
        .route("/api/v1/cards/bins", get(card_operations::bins))
}
