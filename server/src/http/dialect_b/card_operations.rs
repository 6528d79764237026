//! Settings, top-up, withdrawal, freeze/unfreeze, close and the BIN list.

use super::errors::ErrorBody;
use super::schemas::{AmountRequest, SettingsRequest, TopUpRequest};
use crate::http::api_actor::ApiActor;
use app::domain::audit::AuditAction;
use app::domain::ids::CardId;
use app::domain::{
    order_no::OrderNo,
    recharge::{Recharge, MAX_RECHARGE, MIN_RECHARGE},
    spend_controls::{is_currency_code, LimitInterval, SpendLimit, WINDOW_REVERSED},
};
use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    Json,
};

use super::{
    auth::Merchant,
    body::{AmountBounds, Body, MAX_NICK_NAME_CHARS},
    card_object::{bin, Bin, CardObject},
    cards::full_card,
    errors::{loc, ApiError},
};
use crate::{http::AppState, issuing::catalog::BIN_PROFILES, secrets::random};

/// Parses an ISO 8601 / RFC 3339 instant into epoch ms, as pydantic reads a datetime: with an
/// offset (`2026-11-25T06:19:03Z`, `…+02:00`, any fraction of a second), without one (read as
/// UTC), or a bare date (its midnight, UTC). Years run from -9999 to 9999.
fn parse_instant(text: &str) -> Option<i64> {
    use time::{format_description::well_known::Rfc3339, macros::format_description};
    let text = text.trim();
    let instant = time::OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| {
            let local = format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
            );
            time::PrimitiveDateTime::parse(text, local).map(time::PrimitiveDateTime::assume_utc)
        })
        .or_else(|_| {
            time::Date::parse(text, format_description!("[year]-[month]-[day]"))
                .map(|date| date.midnight().assume_utc())
        })
        .ok()?;
    i64::try_from(instant.unix_timestamp_nanos() / 1_000_000).ok()
}

/// `PATCH /api/v1/cards/card/{card_id}/settings`: every field optional; what is absent stays.
#[utoipa::path(
    patch,
    path = "/api/v1/cards/card/{card_id}/settings",
    tag = "dialect B",
    security(("bearer" = [])),
    params(("card_id" = String, Path, description = "The card's id (the same in both dialects)")),
    request_body = SettingsRequest,
    responses(
        (status = 200, body = CardObject),
        (status = 404, description = "Not this merchant's card", body = ErrorBody),
        (status = 409, description = "Refused in the card's state, or insufficient funds", body = ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 422, description = "Invalid request: every problem listed", body = ErrorBody)
    )
)]
pub async fn update_settings(
    State(state): State<AppState>,
    Merchant(merchant_id): Merchant,
    ApiActor(actor): ApiActor,
    Path(card_id): Path<CardId>,
    body: Bytes,
) -> Result<Json<CardObject>, ApiError> {
    let mut body = Body::parse(&body)?;
    let current = state.spending.settings(&merchant_id, &card_id).await?;
    let mut settings = current.clone();
    if body.contains("nick_name") {
        settings.nick_name = body.string_at_most("nick_name", false, MAX_NICK_NAME_CHARS);
    }
    if let Some(flag) = body.boolean("is_autolimit") {
        settings.controls.is_autolimit = flag;
    }
    if let Some(limit) = body.amount("limit_per_transaction", false, AmountBounds::POSITIVE) {
        settings.controls.limit_per_transaction = limit;
    }
    for (field, target) in [("active_from", 0), ("active_to", 1)] {
        if !body.contains(field) {
            continue;
        }
        let value = match body.string(field, false) {
            None => None,
            Some(text) => match parse_instant(&text) {
                Some(instant) => Some(instant),
                None => {
                    body.error(
                        loc!["body", field],
                        "Input should be a valid datetime",
                        "datetime_parsing",
                    );
                    continue;
                }
            },
        };
        if target == 0 {
            settings.controls.active_from_ms = value;
        } else {
            settings.controls.active_to_ms = value;
        }
    }
    if let Some(currencies) = body.list("allowed_currencies") {
        let mut parsed = Vec::new();
        for (index, item) in currencies.iter().enumerate() {
            match serde_json::from_str::<String>(item.get()) {
                Ok(code) if is_currency_code(&code) => {
                    parsed.push(code.to_ascii_uppercase());
                }
                _ => body.error(
                    loc!["body", "allowed_currencies", index],
                    "Input should be a 3-letter ISO 4217 currency code",
                    "value_error",
                ),
            }
        }
        settings.controls.allowed_currencies = parsed;
    }
    if let Some(limits) = body.list("limits") {
        let mut parsed = Vec::new();
        for (index, item) in limits.iter().enumerate() {
            if let Some(limit) = parse_limit(&mut body, index, item.get()) {
                parsed.push(limit);
            }
        }
        settings.controls.limits = parsed;
    }
    if settings.controls.window_is_reversed() {
        body.error(loc!["body", "active_to"], WINDOW_REVERSED, "value_error");
    }
    body.finish()?;
    state
        .spending
        .update_settings(&merchant_id, &card_id, settings)
        .await
        .map_err(|error| ApiError::from_issue(error, "limit_per_transaction"))?;
    ApiActor::audit(
        &state,
        &merchant_id,
        &actor,
        AuditAction::ControlsChanged,
        card_id.as_str(),
        String::new(),
        None,
    )
    .await;
    let view = state.issuing.card(&merchant_id, &card_id).await?;
    Ok(Json(full_card(&state, &merchant_id, view).await?))
}

fn parse_limit(body: &mut Body, index: usize, raw: &str) -> Option<SpendLimit> {
    let Ok(fields) = serde_json::from_str::<
        std::collections::BTreeMap<String, Box<serde_json::value::RawValue>>,
    >(raw) else {
        body.error(
            loc!["body", "limits", index],
            "Input should be a valid dictionary",
            "dict_type",
        );
        return None;
    };
    let interval = match fields
        .get("interval")
        .map(|raw| serde_json::from_str::<String>(raw.get()))
    {
        None => {
            body.error(
                loc!["body", "limits", index, "interval"],
                "Field required",
                "missing",
            );
            None
        }
        Some(Ok(code)) if LimitInterval::parse(&code).is_some() => LimitInterval::parse(&code),
        Some(_) => {
            let names: Vec<String> = LimitInterval::ALL
                .iter()
                .map(|i| format!("'{}'", i.code()))
                .collect();
            body.error(
                loc!["body", "limits", index, "interval"],
                format!("Input should be {}", names.join(", ")),
                "enum",
            );
            None
        }
    };
    let amount = match fields.get("amount") {
        None => {
            body.error(
                loc!["body", "limits", index, "amount"],
                "Field required",
                "missing",
            );
            None
        }
        Some(raw) => body.amount_at(
            loc!["body", "limits", index, "amount"],
            raw.get(),
            AmountBounds::POSITIVE,
        ),
    };
    Some(SpendLimit {
        interval: interval?,
        amount: amount?,
    })
}

/// The reference that makes a money movement happen once: `Idempotency-Key`, else a fresh one.
fn reference(headers: &HeaderMap, prefix: &str) -> Result<OrderNo, ApiError> {
    let text = headers
        .get("idempotency-key")
        .and_then(|value| value.to_str().ok())
        .map_or_else(|| random::id(prefix), str::to_owned);
    OrderNo::parse(&text).map_err(|error| {
        ApiError::one(
            StatusCode::UNPROCESSABLE_ENTITY,
            loc!["header", "Idempotency-Key"],
            error.to_string(),
            "value_error",
        )
    })
}

/// `POST .../topup {"amount": 10.5}`: from the wallet onto the card (5..=5000 USD per top-up).
#[utoipa::path(
    post,
    path = "/api/v1/cards/card/{card_id}/topup",
    tag = "dialect B",
    security(("bearer" = [])),
    params(
        ("card_id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry top up once")
    ),
    request_body = TopUpRequest,
    responses(
        (status = 200, body = CardObject),
        (status = 403, description = "Above 1000 the card's user needs KYC (`kyc_required`)", body = ErrorBody),
        (status = 404, description = "Not this merchant's card", body = ErrorBody),
        (status = 409, description = "Refused in the card's state, or insufficient funds", body = ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 422, description = "Invalid request: every problem listed", body = ErrorBody)
    )
)]
pub async fn topup(
    State(state): State<AppState>,
    Merchant(merchant_id): Merchant,
    ApiActor(actor): ApiActor,
    Path(card_id): Path<CardId>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<CardObject>, ApiError> {
    let mut body = Body::parse(&body)?;
    let bounds = AmountBounds {
        min: MIN_RECHARGE,
        exclusive_min: false,
        max: MAX_RECHARGE,
    };
    let amount = body.amount("amount", true, bounds);
    body.finish()?;
    let amount = Recharge::new(amount.unwrap_or_default()).map_err(|error| {
        ApiError::one(
            StatusCode::UNPROCESSABLE_ENTITY,
            loc!["body", "amount"],
            error.to_string(),
            "value_error",
        )
    })?;
    let reference = reference(&headers, "t")?;
    let key = reference.as_str().to_owned();
    let view = state
        .issuing
        .recharge(&merchant_id, &card_id, amount, reference)
        .await?;
    ApiActor::audit(
        &state,
        &merchant_id,
        &actor,
        AuditAction::CardToppedUp,
        card_id.as_str(),
        amount.amount().to_string(),
        Some(&key),
    )
    .await;

    Ok(Json(full_card(&state, &merchant_id, view).await?))
}

/// `POST .../withdraw {"amount": 10}`: from the card back to the wallet (a limit decrease).
#[utoipa::path(
    post,
    path = "/api/v1/cards/card/{card_id}/withdraw",
    tag = "dialect B",
    security(("bearer" = [])),
    params(
        ("card_id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry withdraw once")
    ),
    request_body = AmountRequest,
    responses(
        (status = 200, body = CardObject),
        (status = 404, description = "Not this merchant's card", body = ErrorBody),
        (status = 409, description = "Refused in the card's state, or insufficient funds", body = ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 422, description = "Invalid request: every problem listed", body = ErrorBody)
    )
)]
pub async fn withdraw(
    State(state): State<AppState>,
    Merchant(merchant_id): Merchant,
    ApiActor(actor): ApiActor,
    Path(card_id): Path<CardId>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<CardObject>, ApiError> {
    let mut body = Body::parse(&body)?;
    let amount = body.amount("amount", true, AmountBounds::POSITIVE);
    body.finish()?;
    let reference = reference(&headers, "w")?;
    let key = reference.as_str().to_owned();
    let amount = amount.unwrap_or_default();
    let view = state
        .spending
        .withdraw(&merchant_id, &card_id, amount, reference)
        .await?;
    ApiActor::audit(
        &state,
        &merchant_id,
        &actor,
        AuditAction::CardWithdrawn,
        card_id.as_str(),
        amount.to_string(),
        Some(&key),
    )
    .await;

    Ok(Json(full_card(&state, &merchant_id, view).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/cards/card/{card_id}/freeze",
    tag = "dialect B",
    security(("bearer" = [])),
    params(("card_id" = String, Path, description = "The card's id (the same in both dialects)")),
    responses(
        (status = 200, body = CardObject),
        (status = 404, description = "Not this merchant's card", body = ErrorBody),
        (status = 409, description = "Refused in the card's state, or insufficient funds", body = ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 422, description = "Invalid request: every problem listed", body = ErrorBody)
    )
)]
pub async fn freeze(
    State(state): State<AppState>,
    Merchant(merchant_id): Merchant,
    ApiActor(actor): ApiActor,
    Path(card_id): Path<CardId>,
) -> Result<Json<CardObject>, ApiError> {
    let view = state.issuing.freeze(&merchant_id, &card_id).await?;
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
    Ok(Json(full_card(&state, &merchant_id, view).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/cards/card/{card_id}/unfreeze",
    tag = "dialect B",
    security(("bearer" = [])),
    params(("card_id" = String, Path, description = "The card's id (the same in both dialects)")),
    responses(
        (status = 200, body = CardObject),
        (status = 404, description = "Not this merchant's card", body = ErrorBody),
        (status = 409, description = "Refused in the card's state, or insufficient funds", body = ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 422, description = "Invalid request: every problem listed", body = ErrorBody)
    )
)]
pub async fn unfreeze(
    State(state): State<AppState>,
    Merchant(merchant_id): Merchant,
    ApiActor(actor): ApiActor,
    Path(card_id): Path<CardId>,
) -> Result<Json<CardObject>, ApiError> {
    let view = state.issuing.unfreeze(&merchant_id, &card_id).await?;
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
    Ok(Json(full_card(&state, &merchant_id, view).await?))
}

/// Closes the card; its remaining balance goes back to the wallet.
#[utoipa::path(
    post,
    path = "/api/v1/cards/card/{card_id}/close",
    tag = "dialect B",
    security(("bearer" = [])),
    params(("card_id" = String, Path, description = "The card's id (the same in both dialects)")),
    responses(
        (status = 200, body = CardObject),
        (status = 404, description = "Not this merchant's card", body = ErrorBody),
        (status = 409, description = "Refused in the card's state, or insufficient funds", body = ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 422, description = "Invalid request: every problem listed", body = ErrorBody)
    )
)]
pub async fn close(
    State(state): State<AppState>,
    Merchant(merchant_id): Merchant,
    ApiActor(actor): ApiActor,
    Path(card_id): Path<CardId>,
) -> Result<Json<CardObject>, ApiError> {
    let view = state.issuing.delete(&merchant_id, &card_id).await?;
    ApiActor::audit(
        &state,
        &merchant_id,
        &actor,
        AuditAction::CardDeleted,
        card_id.as_str(),
        format!(
            "{} returned to the wallet",
            view.returned.saturating_sub(view.withdrawn)
        ),
        None,
    )
    .await;
    Ok(Json(full_card(&state, &merchant_id, view).await?))
}

/// The BINs this merchant can issue from.
#[utoipa::path(
    get,
    path = "/api/v1/cards/bins",
    tag = "dialect B",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The BINs this merchant can issue from", body = Vec<Bin>),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 422, description = "Invalid request: every problem listed", body = ErrorBody)
    )
)]
pub async fn bins(
    State(state): State<AppState>,
    Merchant(merchant_id): Merchant,
) -> Result<Json<Vec<Bin>>, ApiError> {
    let ranges = state.issuing.card_ranges(&merchant_id).await?;
    Ok(Json(
        BIN_PROFILES
            .iter()
            .filter(|profile| ranges.iter().any(|range| range.id == profile.range_id))
            .map(bin)
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::parse_instant;

    #[test]
    fn instants_parse_exactly_or_not_at_all() {
        assert_eq!(parse_instant("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_instant("2026-11-25T06:19:03Z"),
            Some(1_795_587_543_000)
        );
        assert_eq!(
            parse_instant("2026-11-25T06:19:03.5Z"),
            Some(1_795_587_543_500)
        );
        assert_eq!(parse_instant("2000-02-29"), Some(951_782_400_000));
        assert_eq!(parse_instant("2026-02-30T00:00:00Z"), None);
        assert_eq!(parse_instant("yesterday"), None);
    }
}
