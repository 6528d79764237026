use super::schemas::{CreateCardRequest, Envelope};
use crate::http::api_actor::ApiActor;
use app::domain::audit::AuditAction;
use app::domain::ids::CardId;
use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::header,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{
    auth::AuthenticatedMerchant,
    card_model,
    envelope::{json_body, success, ApiError, ErrorCode},
    new_card_request,
};
use crate::http::AppState;

#[utoipa::path(
    post,
    path = "/api/vcc/v1/cards",
    tag = "dialect A",
    security(("bearer" = [])),
    request_body = CreateCardRequest,
    responses(
        (status = 200, description = "success: true", body = Envelope),
        (status = "4XX", description = "success: false, with the error code", body = Envelope)
    )
)]
pub async fn create_card(
    State(state): State<AppState>,
    AuthenticatedMerchant(merchant_id): AuthenticatedMerchant,
    ApiActor(actor): ApiActor,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = json_body(&body)?;
    let request = new_card_request::parse(&body, state.callback_policy)
        .map_err(|errors| ApiError::new(ErrorCode::InvalidRequest, errors.join("; ")))?;
    let reference = request.order_no.as_str().to_owned();
    let card = state.issuing.create_card(&merchant_id, request).await?;
    ApiActor::audit(
        &state,
        &merchant_id,
        &actor,
        AuditAction::CardIssued,
        card.card_id.as_str(),
        format!("{} deposit", card.deposit),
        Some(&reference),
    )
    .await;
    Ok(success(card_model::card(&card)))
}

#[utoipa::path(
    get,
    path = "/api/vcc/v1/cards/{card_id}",
    tag = "dialect A",
    security(("bearer" = [])),
    params(("card_id" = String, Path, description = "The card's id (the same in both dialects)")),
    responses(
        (status = 200, description = "success: true", body = Envelope),
        (status = "4XX", description = "success: false, with the error code", body = Envelope)
    )
)]
pub async fn get_card(
    State(state): State<AppState>,
    AuthenticatedMerchant(merchant_id): AuthenticatedMerchant,
    Path(card_id): Path<CardId>,
) -> Result<Response, ApiError> {
    let card = state.issuing.card(&merchant_id, &card_id).await?;
    Ok(success(card_model::card(&card)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    order_no: Option<String>,
    page: Option<i64>,
    page_size: Option<i64>,
    /// Only the cards with this label (see the create request's `tags`).
    #[param(min_length = 1, max_length = 40)]
    tag: Option<String>,
}

/// `?orderNo=` finds the card of one order; otherwise a page of cards, newest first.
#[utoipa::path(
    get,
    path = "/api/vcc/v1/cards",
    tag = "dialect A",
    security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "success: true", body = Envelope),
        (status = "4XX", description = "success: false, with the error code", body = Envelope)
    )
)]
pub async fn list_cards(
    State(state): State<AppState>,
    AuthenticatedMerchant(merchant_id): AuthenticatedMerchant,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) =
        query.map_err(|error| ApiError::new(ErrorCode::InvalidRequest, error.body_text()))?;
    if let Some(order_no) = query.order_no {
        let card = state
            .issuing
            .card_by_order_no(&merchant_id, &order_no)
            .await?;
        return Ok(success(card_model::card(&card)));
    }
    let tag = query
        .tag
        .as_deref()
        .map(app::domain::card_tags::parse_filter)
        .transpose()
        .map_err(|message| ApiError::new(ErrorCode::InvalidRequest, format!("tag: {message}")))?;
    let filter = app::ports::CardFilter {
        tag,
        ..Default::default()
    };
    let page = state
        .issuing
        .cards(
            &merchant_id,
            filter,
            query.page.unwrap_or(1),
            query.page_size.unwrap_or(20),
        )
        .await?;
    Ok(success(json!({
        "list": page.cards.iter().map(card_model::card).collect::<Vec<_>>(),
        "total": page.total,
        "page": page.page,
        "pageSize": page.page_size,
    })))
}

#[utoipa::path(
    get,
    path = "/api/vcc/v1/card-ranges",
    tag = "dialect A",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "success: true", body = Envelope),
        (status = "4XX", description = "success: false, with the error code", body = Envelope)
    )
)]
pub async fn list_card_ranges(
    State(state): State<AppState>,
    AuthenticatedMerchant(merchant_id): AuthenticatedMerchant,
) -> Result<Response, ApiError> {
    let ranges = state.issuing.card_ranges(&merchant_id).await?;
    Ok(success(Value::Array(
        ranges.iter().map(card_model::card_range).collect(),
    )))
}

/// The one call that returns the full card number and CVC. Never cached.
#[utoipa::path(
    post,
    path = "/api/vcc/v1/cards/{card_id}/reveal",
    tag = "dialect A",
    security(("bearer" = [])),
    params(("card_id" = String, Path, description = "The card's id (the same in both dialects)")),
    responses(
        (status = 200, description = "success: true", body = Envelope),
        (status = "4XX", description = "success: false, with the error code", body = Envelope)
    )
)]
pub async fn reveal_card(
    State(state): State<AppState>,
    AuthenticatedMerchant(merchant_id): AuthenticatedMerchant,
    ApiActor(actor): ApiActor,
    Path(card_id): Path<CardId>,
) -> Result<Response, ApiError> {
    let card = state.issuing.card(&merchant_id, &card_id).await?;
    let secrets = state.issuing.reveal(&merchant_id, &card_id).await?;
    ApiActor::audit(
        &state,
        &merchant_id,
        &actor,
        AuditAction::CardRevealed,
        card_id.as_str(),
        String::new(),
        None,
    )
    .await;
    let model = json!({
        "cardId": card.card_id,
        "number": secrets.number,
        "cvc": secrets.cvc,
        "expMonth": card.exp_month,
        "expYear": card.exp_year,
    });
    Ok(([(header::CACHE_CONTROL, "no-store")], success(model)).into_response())
}

/// The secret the merchant verifies callback signatures with (Standard Webhooks, `whsec_…`).
#[utoipa::path(
    get,
    path = "/api/vcc/v1/webhooks/secret",
    tag = "dialect A",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "success: true", body = Envelope),
        (status = "4XX", description = "success: false, with the error code", body = Envelope)
    )
)]
pub async fn webhook_secret(
    State(state): State<AppState>,
    AuthenticatedMerchant(merchant_id): AuthenticatedMerchant,
) -> Result<Response, ApiError> {
    let secret = state.issuing.webhook_secret(&merchant_id).await?;
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        success(json!({ "secret": secret })),
    )
        .into_response())
}
