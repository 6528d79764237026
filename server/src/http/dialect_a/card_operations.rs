//! Dialect A's operations on an existing card: recharge, freeze, unfreeze, delete, transactions.

use super::schemas::{Envelope, RechargeRequest};
use crate::http::api_actor::ApiActor;
use app::domain::audit::AuditAction;
use app::domain::ids::CardId;
use app::domain::unit_amount::whole_number_from_json;
use app::domain::{order_no::OrderNo, recharge::Recharge, Cents};
use axum::{
    body::Bytes,
    extract::{Path, State},
    response::Response,
};
use serde_json::{json, Value};

use super::{
    auth::AuthenticatedMerchant,
    card_model,
    envelope::{json_body, success, ApiError, ErrorCode},
};
use crate::http::AppState;

/// `{"amount": "1000", "orderNo": "topup-1"}`: amount in cents like the create call's deposit.
#[utoipa::path(
    post,
    path = "/api/vcc/v1/cards/{card_id}/recharge",
    tag = "dialect A",
    security(("bearer" = [])),
    params(("card_id" = String, Path, description = "The card's id (the same in both dialects)")),
    request_body = RechargeRequest,
    responses(
        (status = 200, description = "success: true", body = Envelope),
        (status = "4XX", description = "success: false, with the error code", body = Envelope)
    )
)]
pub async fn recharge(
    State(state): State<AppState>,
    AuthenticatedMerchant(merchant_id): AuthenticatedMerchant,
    ApiActor(actor): ApiActor,
    Path(card_id): Path<CardId>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = json_body(&body)?;
    let mut errors = Vec::new();
    let amount = match body.get("amount") {
        Some(Value::String(text)) => Recharge::parse_cents(text).map_err(|error| error.to_string()),
        Some(Value::Number(number)) => whole_number_from_json(&number.to_string())
            .ok_or_else(|| "must be a whole number of cents".to_owned())
            .and_then(|cents| Recharge::new(Cents(cents)).map_err(|error| error.to_string())),
        _ => Err("is required (cents, e.g. \"1000\" for $10.00)".to_owned()),
    }
    .map_err(|message| errors.push(format!("amount: {message}")))
    .ok();
    let order_no = match body.get("orderNo") {
        Some(Value::String(text)) => OrderNo::parse(text).map_err(|error| error.to_string()),
        _ => Err("is required: it makes the recharge happen once".to_owned()),
    }
    .map_err(|message| errors.push(format!("orderNo: {message}")))
    .ok();
    let (Some(amount), Some(order_no)) = (amount, order_no) else {
        return Err(ApiError::new(ErrorCode::InvalidRequest, errors.join("; ")));
    };
    let reference = order_no.as_str().to_owned();
    let card = state
        .issuing
        .recharge(&merchant_id, &card_id, amount, order_no)
        .await?;
    ApiActor::audit(
        &state,
        &merchant_id,
        &actor,
        AuditAction::CardToppedUp,
        card_id.as_str(),
        amount.amount().to_string(),
        Some(&reference),
    )
    .await;
    Ok(success(card_model::card(&card)))
}

#[utoipa::path(
    post,
    path = "/api/vcc/v1/cards/{card_id}/freeze",
    tag = "dialect A",
    security(("bearer" = [])),
    params(("card_id" = String, Path, description = "The card's id (the same in both dialects)")),
    responses(
        (status = 200, description = "success: true", body = Envelope),
        (status = "4XX", description = "success: false, with the error code", body = Envelope)
    )
)]
pub async fn freeze(
    State(state): State<AppState>,
    AuthenticatedMerchant(merchant_id): AuthenticatedMerchant,
    ApiActor(actor): ApiActor,
    Path(card_id): Path<CardId>,
) -> Result<Response, ApiError> {
    let card = state.issuing.freeze(&merchant_id, &card_id).await?;
    ApiActor::audit(
        &state,
        &merchant_id,
        &actor,
        AuditAction::CardFrozen,
        card_id.as_str(),
        String::new(),
        None,
    )
    .await;
    Ok(success(card_model::card(&card)))
}

#[utoipa::path(
    post,
    path = "/api/vcc/v1/cards/{card_id}/unfreeze",
    tag = "dialect A",
    security(("bearer" = [])),
    params(("card_id" = String, Path, description = "The card's id (the same in both dialects)")),
    responses(
        (status = 200, description = "success: true", body = Envelope),
        (status = "4XX", description = "success: false, with the error code", body = Envelope)
    )
)]
pub async fn unfreeze(
    State(state): State<AppState>,
    AuthenticatedMerchant(merchant_id): AuthenticatedMerchant,
    ApiActor(actor): ApiActor,
    Path(card_id): Path<CardId>,
) -> Result<Response, ApiError> {
    let card = state.issuing.unfreeze(&merchant_id, &card_id).await?;
    ApiActor::audit(
        &state,
        &merchant_id,
        &actor,
        AuditAction::CardUnfrozen,
        card_id.as_str(),
        String::new(),
        None,
    )
    .await;
    Ok(success(card_model::card(&card)))
}

#[utoipa::path(
    delete,
    path = "/api/vcc/v1/cards/{card_id}",
    tag = "dialect A",
    security(("bearer" = [])),
    params(("card_id" = String, Path, description = "The card's id (the same in both dialects)")),
    responses(
        (status = 200, description = "success: true", body = Envelope),
        (status = "4XX", description = "success: false, with the error code", body = Envelope)
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    AuthenticatedMerchant(merchant_id): AuthenticatedMerchant,
    ApiActor(actor): ApiActor,
    Path(card_id): Path<CardId>,
) -> Result<Response, ApiError> {
    let card = state.issuing.delete(&merchant_id, &card_id).await?;
    ApiActor::audit(
        &state,
        &merchant_id,
        &actor,
        AuditAction::CardDeleted,
        card_id.as_str(),
        format!(
            "{} returned to the wallet",
            card.returned.saturating_sub(card.withdrawn)
        ),
        None,
    )
    .await;
    Ok(success(card_model::card(&card)))
}

#[utoipa::path(
    get,
    path = "/api/vcc/v1/cards/{card_id}/transactions",
    tag = "dialect A",
    security(("bearer" = [])),
    params(("card_id" = String, Path, description = "The card's id (the same in both dialects)")),
    responses(
        (status = 200, description = "success: true", body = Envelope),
        (status = "4XX", description = "success: false, with the error code", body = Envelope)
    )
)]
pub async fn transactions(
    State(state): State<AppState>,
    AuthenticatedMerchant(merchant_id): AuthenticatedMerchant,
    Path(card_id): Path<CardId>,
) -> Result<Response, ApiError> {
    let transactions = state.issuing.transactions(&merchant_id, &card_id).await?;
    let list: Vec<Value> = transactions
        .iter()
        .map(|t| {
            json!({
                "id": t.id,
                "type": t.kind.code().to_ascii_uppercase(),
                "reference": t.reference,
                "amount": t.amount.0,
                "gmtCreate": app::domain::calendar::format_datetime(t.at_ms),
            })
        })
        .collect();
    Ok(success(json!({ "cardId": card_id, "list": list })))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// The `sequence` of the last callback the receiver has; the answer holds the later ones.
    #[param(minimum = 0)]
    after: Option<i64>,
}

/// The card's callbacks after a `sequence`, exactly as they were sent, in order: how a receiver
/// that missed some (it was down, or a message was abandoned) catches up.
#[utoipa::path(
    get,
    path = "/api/vcc/v1/cards/{card_id}/events",
    tag = "dialect A",
    security(("bearer" = [])),
    params(
        ("card_id" = String, Path, description = "The card's id (the same in both dialects)"),
        EventsQuery
    ),
    responses(
        (status = 200, description = "success: true; `model.events` are callback payloads", body = Envelope),
        (status = "4XX", description = "success: false, with the error code", body = Envelope)
    )
)]
pub async fn events(
    State(state): State<AppState>,
    AuthenticatedMerchant(merchant_id): AuthenticatedMerchant,
    Path(card_id): Path<CardId>,
    query: Result<axum::extract::Query<EventsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let invalid = |message: String| ApiError::new(ErrorCode::InvalidRequest, message);
    let axum::extract::Query(query) = query.map_err(|error| invalid(error.body_text()))?;
    let after = query.after.unwrap_or(0);
    if after < 0 {
        return Err(invalid("after: must be 0 or more".to_owned()));
    }
    let card = state.issuing.card(&merchant_id, &card_id).await?;
    let events = app::domain::status_callback::callbacks_after(&card, after);
    Ok(success(json!({ "cardId": card.card_id, "events": events })))
}
