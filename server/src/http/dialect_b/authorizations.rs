//! The authorization simulation (as Stripe's and Lithic's sandboxes offer): authorize a purchase
//! against every control, then capture or reverse it; and the card's transactions.

use super::errors::ErrorBody;
use super::schemas::AuthorizeRequest;
use app::domain::ids::{AuthorizationId, CardId, MerchantId};
use app::{
    domain::spend_controls::AuthorizationStatus,
    ports::{AuthorizationView, PurchaseRequest},
};
use axum::{
    body::Bytes,
    extract::{Path, State},
    Json,
};
use serde::Serialize;

use super::{
    auth::Merchant,
    body::{AmountBounds, Body, Expected},
    card_object::{iso_time, Units},
    errors::{loc, ApiError},
};
use crate::http::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuthorizationObject {
    id: String,
    card_id: String,
    amount: Units,
    currency: String,
    merchant_name: String,
    merchant_category: String,
    /// PENDING, CAPTURED, REVERSED or DECLINED.
    #[schema(value_type = String)]
    status: AuthorizationStatus,
    approved: bool,
    decline_reason: Option<String>,
    created_at: String,
    settled_at: Option<String>,
}

fn object(view: AuthorizationView) -> AuthorizationObject {
    AuthorizationObject {
        approved: view.status != AuthorizationStatus::Declined,
        id: view.id.into_string(),
        card_id: view.card_id.into_string(),
        amount: Units(view.amount),
        currency: view.currency,
        merchant_name: view.merchant_name,
        merchant_category: view.category,
        status: view.status,
        decline_reason: view.decline_reason,
        created_at: iso_time(view.created_at_ms),
        settled_at: view.settled_at_ms.map(iso_time),
    }
}

/// `POST /api/v1/cards/card/{card_id}/authorizations`
/// `{"amount": 12.5, "currency": "USD", "merchant_name": "Facebook", "merchant_category": "7311"}`.
/// A decline is a normal answer (200, `approved: false`, a reason), not an error.
#[utoipa::path(
    post,
    path = "/api/v1/cards/card/{card_id}/authorizations",
    tag = "dialect B",
    security(("bearer" = [])),
    params(("card_id" = String, Path, description = "The card's id (the same in both dialects)")),
    request_body = AuthorizeRequest,
    responses(
        (status = 200, description = "Approved (PENDING, funds held) or declined with a reason", body = AuthorizationObject),
        (status = 404, description = "Not this merchant's card", body = ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 422, description = "Invalid request: every problem listed", body = ErrorBody)
    )
)]
pub async fn authorize(
    State(state): State<AppState>,
    Merchant(merchant_id): Merchant,
    Path(card_id): Path<CardId>,
    body: Bytes,
) -> Result<Json<AuthorizationObject>, ApiError> {
    let mut body = Body::parse(&body)?;
    // `currency: str = "USD"`: absent takes the default, an explicit null is refused.
    body.refuse_null("currency", Expected::String);
    let amount = body.amount("amount", true, AmountBounds::POSITIVE);
    let currency = body
        .string("currency", false)
        .unwrap_or_else(|| "USD".into());
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_alphabetic()) {
        body.error(
            loc!["body", "currency"],
            "Input should be a 3-letter ISO 4217 currency code",
            "value_error",
        );
    }
    let merchant_name = body.string("merchant_name", true);
    let category = body.string("merchant_category", false).unwrap_or_default();
    body.finish()?;
    let (Some(amount), Some(merchant_name)) = (amount, merchant_name) else {
        return Err(ApiError::validation(vec![]));
    };
    let authorization = state
        .spending
        .authorize(
            &merchant_id,
            &card_id,
            PurchaseRequest {
                amount,
                currency: currency.to_ascii_uppercase(),
                merchant_name,
                category,
            },
        )
        .await?;
    Ok(Json(object(authorization)))
}

async fn settle(
    state: AppState,
    merchant_id: MerchantId,
    authorization_id: AuthorizationId,
    capture: bool,
) -> Result<Json<AuthorizationObject>, ApiError> {
    let settled = state
        .spending
        .settle(&merchant_id, &authorization_id, capture)
        .await
        .map_err(|error| {
            let mut error = ApiError::from(error);
            for item in &mut error.detail {
                if item.loc == loc!["path", "card_id"] {
                    item.loc = loc!["path", "authorization_id"];
                    if item.kind == "not_found" {
                        item.msg = "Authorization not found".into();
                    }
                }
            }
            error
        })?;
    Ok(Json(object(settled)))
}

/// Captures a pending authorization: the money moves from the card to spend.
#[utoipa::path(
    post,
    path = "/api/v1/cards/authorizations/{authorization_id}/capture",
    tag = "dialect B",
    security(("bearer" = [])),
    params(("authorization_id" = String, Path)),
    responses(
        (status = 200, body = AuthorizationObject),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not PENDING", body = ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 422, description = "Invalid request: every problem listed", body = ErrorBody)
    )
)]
pub async fn capture(
    State(state): State<AppState>,
    Merchant(merchant_id): Merchant,
    Path(authorization_id): Path<AuthorizationId>,
) -> Result<Json<AuthorizationObject>, ApiError> {
    settle(state, merchant_id, authorization_id, true).await
}

/// Reverses a pending authorization: its hold ends, nothing moves.
#[utoipa::path(
    post,
    path = "/api/v1/cards/authorizations/{authorization_id}/reverse",
    tag = "dialect B",
    security(("bearer" = [])),
    params(("authorization_id" = String, Path)),
    responses(
        (status = 200, body = AuthorizationObject),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not PENDING", body = ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 422, description = "Invalid request: every problem listed", body = ErrorBody)
    )
)]
pub async fn reverse(
    State(state): State<AppState>,
    Merchant(merchant_id): Merchant,
    Path(authorization_id): Path<AuthorizationId>,
) -> Result<Json<AuthorizationObject>, ApiError> {
    settle(state, merchant_id, authorization_id, false).await
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LedgerLine {
    id: i64,
    kind: &'static str,
    reference: String,
    /// Positive onto the card, negative off it.
    amount: Units,
    created_at: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Transactions {
    /// Money that moved (both dialects' operations, captures included).
    ledger: Vec<LedgerLine>,
    /// Every authorization decided on the card, newest first.
    authorizations: Vec<AuthorizationObject>,
}

#[utoipa::path(
    get,
    path = "/api/v1/cards/card/{card_id}/transactions",
    tag = "dialect B",
    security(("bearer" = [])),
    params(("card_id" = String, Path, description = "The card's id (the same in both dialects)")),
    responses(
        (status = 200, description = "Ledger lines and authorizations", body = Transactions),
        (status = 404, description = "Not this merchant's card", body = ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 422, description = "Invalid request: every problem listed", body = ErrorBody)
    )
)]
pub async fn transactions(
    State(state): State<AppState>,
    Merchant(merchant_id): Merchant,
    Path(card_id): Path<CardId>,
) -> Result<Json<Transactions>, ApiError> {
    let ledger = state.issuing.transactions(&merchant_id, &card_id).await?;
    let authorizations = state
        .spending
        .authorizations(&merchant_id, &card_id)
        .await?;
    Ok(Json(Transactions {
        ledger: ledger
            .into_iter()
            .map(|line| LedgerLine {
                id: line.id,
                kind: line.kind.code(),
                reference: line.reference,
                amount: Units(line.amount),
                created_at: iso_time(line.at_ms),
            })
            .collect(),
        authorizations: authorizations.into_iter().map(object).collect(),
    }))
}
