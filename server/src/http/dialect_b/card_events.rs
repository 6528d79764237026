//! `GET /api/v1/cards/card/{card_id}/events?after=N`: the card's callbacks after a `sequence`,
//! exactly as they were sent and in order, so a receiver that missed some catches up.

use app::domain::ids::CardId;
use axum::{
    extract::{rejection::QueryRejection, Path, Query, State},
    http::StatusCode,
    Json,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{
    auth::Merchant,
    errors::{loc, ApiError, ErrorBody},
};
use crate::http::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// The `sequence` of the last callback the receiver has; the answer holds the later ones.
    #[param(minimum = 0)]
    after: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CardEvents {
    card_id: String,
    /// Callback payloads (`type`, `sequence`, `timestamp`, `data`), oldest first.
    #[schema(value_type = Vec<Object>)]
    events: Vec<Value>,
}

#[utoipa::path(
    get,
    path = "/api/v1/cards/card/{card_id}/events",
    tag = "dialect B",
    security(("bearer" = [])),
    params(
        ("card_id" = String, Path, description = "The card's id (the same in both dialects)"),
        EventsQuery
    ),
    responses(
        (status = 200, body = CardEvents),
        (status = 404, description = "Not this merchant's card", body = ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 422, description = "Invalid request: every problem listed", body = ErrorBody)
    )
)]
pub async fn card_events(
    State(state): State<AppState>,
    Merchant(merchant_id): Merchant,
    Path(card_id): Path<CardId>,
    query: Result<Query<EventsQuery>, QueryRejection>,
) -> Result<Json<CardEvents>, ApiError> {
    let invalid = |msg: String, kind: &str| {
        ApiError::one(
            StatusCode::UNPROCESSABLE_ENTITY,
            loc!["query", "after"],
            msg,
            kind,
        )
    };
    let Query(query) = query.map_err(|error| invalid(error.body_text(), "int_parsing"))?;
    let after = query.after.unwrap_or(0);
    if after < 0 {
        return Err(invalid(
            "Input should be greater than or equal to 0".to_owned(),
            "greater_than_equal",
        ));
    }
    let card = state.issuing.card(&merchant_id, &card_id).await?;
    Ok(Json(CardEvents {
        events: app::domain::status_callback::callbacks_after(&card, after),
        card_id: card.card_id.into_string(),
    }))
}
