//! `POST /api/v1/cards/card/add`, get and list: dialect B's cards, issued by the same core as
//! dialect A's (same ids, same balances).

use super::errors::ErrorBody;
use super::schemas::AddCardRequest;
use crate::http::api_actor::ApiActor;
use app::domain::audit::AuditAction;
use app::domain::ids::{CardId, MerchantId};
use app::domain::{
    cardholder_name::CardholderName,
    email::Email,
    fee_type::FeeType,
    issuing::{CardView, NewCard},
    order_no::OrderNo,
    recharge::{Recharge, MAX_RECHARGE, MIN_RECHARGE},
    spend_controls::{default_limits, SpendControls},
    CardStatus, Cents,
};
use app::ports::{CardFilter, CardSettings};
use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::{Deserialize, Serialize};

use super::{
    auth::Merchant,
    body::{AmountBounds, Body, Expected, MAX_NICK_NAME_CHARS},
    card_object::{card_object, CardObject},
    errors::{loc, ApiError},
};
use crate::{
    http::AppState,
    issuing::catalog::{bin_profile, bin_profile_by_code, BIN_PROFILES},
    secrets::random,
};

/// The seed's defaults.
const DEFAULT_BIN: &str = "472593";
const DEFAULT_LIMIT_ALL_TIME: Cents = Cents(2_500);

/// `limit_all_time` funds the card, so it obeys the core's per-recharge bounds (5..=5000 USD).
const FUNDING_BOUNDS: AmountBounds = AmountBounds {
    min: MIN_RECHARGE,
    exclusive_min: false,
    max: MAX_RECHARGE,
};

/// The request, validated: what the core and the controls need.
struct AddCard {
    email: Email,
    range_id: String,
    nick_name: Option<String>,
    limit_all_time: Cents,
    limit_per_transaction: Option<Cents>,
    is_autolimit: bool,
    external_user_id: Option<String>,
}

fn parse_add_card(body: &mut Body) -> Option<AddCard> {
    // Optional in the seed's model: nick_name, limit_per_transaction, api_users_chain,
    // external_user_id. The others have a type, or a default, but never null.
    body.refuse_null("email", Expected::String);
    body.refuse_null("bin", Expected::String);
    body.refuse_null("limit_all_time", Expected::Decimal);
    body.refuse_null("is_autolimit", Expected::Boolean);
    let email = body
        .string("email", true)
        .and_then(|text| match Email::parse(&text) {
            Ok(email) => Some(email),
            Err(error) => {
                body.error(
                    loc!["body", "email"],
                    format!("value is not a valid email address: {error}"),
                    "value_error",
                );
                None
            }
        });
    let bin = body
        .string("bin", false)
        .unwrap_or_else(|| DEFAULT_BIN.to_owned());
    let profile = bin_profile_by_code(&bin);
    if profile.is_none() && body.contains("bin") {
        let known: Vec<&str> = BIN_PROFILES.iter().map(|profile| profile.code).collect();
        body.error(
            loc!["body", "bin"],
            format!(
                "Value error, unknown BIN {bin:?}; available: {}",
                known.join(", ")
            ),
            "value_error",
        );
    }
    let nick_name = body.string_at_most("nick_name", false, MAX_NICK_NAME_CHARS);
    let limit_all_time = if body.contains("limit_all_time") {
        body.amount("limit_all_time", false, FUNDING_BOUNDS)
    } else {
        Some(DEFAULT_LIMIT_ALL_TIME)
    };
    let limit_per_transaction = body.amount("limit_per_transaction", false, AmountBounds::POSITIVE);
    let is_autolimit = body.boolean("is_autolimit").unwrap_or(true);
    if let Some(chain) = body.list("api_users_chain") {
        for (index, item) in chain.iter().enumerate() {
            if serde_json::from_str::<String>(item.get()).is_err() {
                body.error(
                    loc!["body", "api_users_chain", index],
                    "Input should be a valid string",
                    "string_type",
                );
            }
        }
    }
    let external_user_id = body.string("external_user_id", false);
    match (limit_per_transaction, limit_all_time) {
        (Some(per_transaction), Some(all_time)) if per_transaction > all_time => body.error(
            loc!["body", "limit_per_transaction"],
            "Value error, limit_per_transaction may not exceed limit_all_time",
            "value_error",
        ),
        (None, _) if !is_autolimit && body.is_absent("limit_per_transaction") => body.error(
            loc!["body", "limit_per_transaction"],
            "Field required when is_autolimit is false",
            "missing",
        ),
        _ => {}
    }
    Some(AddCard {
        email: email?,
        range_id: profile?.range_id.to_owned(),
        nick_name,
        limit_all_time: limit_all_time?,
        limit_per_transaction,
        is_autolimit,
        external_user_id,
    })
}

/// `Idempotency-Key` makes a creation safe to retry (it is the core's orderNo); without one, every
/// request is a new card.
fn order_no(headers: &HeaderMap) -> Result<OrderNo, ApiError> {
    let invalid = |msg: String| {
        ApiError::validation(vec![super::errors::ErrorItem {
            loc: loc!["header", "Idempotency-Key"],
            msg,
            kind: "value_error".into(),
        }])
    };
    match headers.get("idempotency-key") {
        Some(value) => {
            let text = value
                .to_str()
                .map_err(|_| invalid("must be visible ASCII".into()))?;
            OrderNo::parse(text).map_err(|error| invalid(error.to_string()))
        }
        None => OrderNo::parse(&random::id("b")).map_err(|error| invalid(error.to_string())),
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/cards/card/add",
    tag = "dialect B",
    security(("bearer" = [])),
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the same card")
    ),
    request_body = AddCardRequest,
    responses(
        (status = 200, description = "The new card (status INIT; it becomes ACTIVE asynchronously)", body = CardObject),
        (status = 403, description = "Above 1000 USD the user needs KYC", body = ErrorBody),
        (status = 409, description = "Refused in the card's state, or insufficient funds", body = ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 422, description = "Invalid request: every problem listed", body = ErrorBody)
    )
)]
pub async fn add_card(
    State(state): State<AppState>,
    Merchant(merchant_id): Merchant,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mut body = Body::parse(&body)?;
    let parsed = parse_add_card(&mut body);
    body.finish()?;
    let request = parsed.ok_or_else(|| ApiError::validation(vec![]))?;
    let deposit = Recharge::new(request.limit_all_time).map_err(|error| {
        ApiError::one(
            StatusCode::UNPROCESSABLE_ENTITY,
            loc!["body", "limit_all_time"],
            error.to_string(),
            "value_error",
        )
    })?;
    let new_card = NewCard {
        range_id: request.range_id,
        // Dialect B has no cardholder names: its cards are issued to the virtual holder.
        first_name: CardholderName::parse("Virtual").expect("a valid name"),
        last_name: CardholderName::parse("Cardholder").expect("a valid name"),
        deposit,
        order_no: order_no(&headers)?,
        callback_url: None,
        fee_type: FeeType::One,
        customer_email: Some(request.email),
        customer_external_id: request.external_user_id,
        holder_address: None,
        tags: Vec::new(),
    };
    let reference = new_card.order_no.as_str().to_owned();
    let view = state
        .issuing
        .create_card(&merchant_id, new_card)
        .await
        .map_err(|error| ApiError::from_issue(error, "limit_all_time"))?;
    ApiActor::audit(
        &state,
        &merchant_id,
        &actor,
        AuditAction::CardIssued,
        view.card_id.as_str(),
        format!("{} deposit", view.deposit),
        Some(&reference),
    )
    .await;

    let controls = SpendControls {
        limits: default_limits(),
        active_from_ms: None,
        active_to_ms: None,
        allowed_currencies: Vec::new(),
        limit_per_transaction: match (request.is_autolimit, request.limit_per_transaction) {
            (false, Some(limit)) => limit,
            _ => view.balance,
        },
        is_autolimit: request.is_autolimit,
    };
    // Written as computed here, against the balance at creation: going through the settings
    // update would read the balance again, and the provisioning worker may have charged the first
    // month's fee meanwhile (a ceiling of 98.50 instead of 100, or a limit refused as too high).
    let settings = CardSettings {
        controls,
        nick_name: request.nick_name,
    };
    state
        .spending
        .install_settings(&merchant_id, &view.card_id, settings)
        .await
        .map_err(|error| {
            // The card exists by now: a refusal here is a fault of ours, not of the request.
            let error = match error {
                error @ app::domain::issuing::IssueError::Unavailable => error,
                other => crate::issuing::unexpected(other),
            };
            ApiError::from_issue(error, "limit_per_transaction")
        })?;
    Ok(Json(full_card(&state, &merchant_id, view).await?).into_response())
}

/// Everything the card object shows: the core's view plus settings and holds.
pub async fn full_card(
    state: &AppState,
    merchant_id: &MerchantId,
    view: CardView,
) -> Result<CardObject, ApiError> {
    let settings = state.spending.settings(merchant_id, &view.card_id).await?;
    let pending = state
        .spending
        .pending_holds(merchant_id, &view.card_id)
        .await?;
    let profile = bin_profile(&view.range_id).unwrap_or(&BIN_PROFILES[0]);
    Ok(card_object(&view, &settings, pending, profile))
}

#[utoipa::path(
    get,
    path = "/api/v1/cards/card/{card_id}",
    tag = "dialect B",
    security(("bearer" = [])),
    params(("card_id" = String, Path, description = "The card's id (the same in both dialects)")),
    responses(
        (status = 200, body = CardObject),
        (status = 404, description = "Not this merchant's card", body = ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 422, description = "Invalid request: every problem listed", body = ErrorBody)
    )
)]
pub async fn get_card(
    State(state): State<AppState>,
    Merchant(merchant_id): Merchant,
    Path(card_id): Path<CardId>,
) -> Result<Json<CardObject>, ApiError> {
    let view = state.issuing.card(&merchant_id, &card_id).await?;
    Ok(Json(full_card(&state, &merchant_id, view).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    page: Option<i64>,
    size: Option<i64>,
    /// A card status code (ACTIVE, FREEZE, ...).
    #[param(value_type = Option<super::schemas::CardStatusCode>)]
    status: Option<String>,
    /// The user's email.
    #[param(
        pattern = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$",
        max_length = 254
    )]
    email: Option<String>,
    /// Only the cards with this label.
    #[param(min_length = 1, max_length = 40)]
    tag: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CardList {
    items: Vec<CardObject>,
    total: i64,
    page: i64,
    size: i64,
}

#[utoipa::path(
    get,
    path = "/api/v1/cards/card/list",
    tag = "dialect B",
    security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "A page of cards, newest first", body = CardList),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 422, description = "Invalid request: every problem listed", body = ErrorBody)
    )
)]
pub async fn list_cards(
    State(state): State<AppState>,
    Merchant(merchant_id): Merchant,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<CardList>, ApiError> {
    let Query(query) = query.map_err(|error| {
        ApiError::one(
            StatusCode::UNPROCESSABLE_ENTITY,
            loc!["query"],
            error.body_text(),
            "value_error",
        )
    })?;
    let status = match query.status.as_deref() {
        None => None,
        Some(code) => Some(CardStatus::parse(code).ok_or_else(|| {
            let codes: Vec<String> = CardStatus::ALL
                .iter()
                .map(|status| format!("'{}'", status.code()))
                .collect();
            ApiError::one(
                StatusCode::UNPROCESSABLE_ENTITY,
                loc!["query", "status"],
                format!("Input should be {}", codes.join(", ")),
                "enum",
            )
        })?),
    };
    let customer_email = match query.email.as_deref() {
        None => None,
        Some(text) => Some(
            Email::parse(text)
                .map_err(|_| {
                    ApiError::one(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        loc!["query", "email"],
                        "value is not a valid email address",
                        "value_error",
                    )
                })?
                .as_str()
                .to_owned(),
        ),
    };
    let tag = query
        .tag
        .as_deref()
        .map(app::domain::card_tags::parse_filter)
        .transpose()
        .map_err(|message| {
            ApiError::one(
                StatusCode::UNPROCESSABLE_ENTITY,
                loc!["query", "tag"],
                message,
                "value_error",
            )
        })?;
    let filter = CardFilter {
        status,
        customer_email,
        tag,
    };
    let page = state
        .issuing
        .cards(
            &merchant_id,
            filter,
            query.page.unwrap_or(1),
            query.size.unwrap_or(20),
        )
        .await?;
    let mut items = Vec::with_capacity(page.cards.len());
    for view in page.cards {
        items.push(full_card(&state, &merchant_id, view).await?);
    }
    Ok(Json(CardList {
        items,
        total: page.total,
        page: page.page,
        size: page.page_size,
    }))
}
