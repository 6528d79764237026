//! `POST /api/widget/v1/sessions`: the merchant's backend, with its secret API key, mints a
//! short-lived session for one partner page. Errors use the FastAPI shape of dialect B.

use std::collections::BTreeMap;

use app::domain::{
    calendar::format_datetime,
    email::Email,
    fee_type::FeeType,
    ids::{MerchantId, SessionId},
    plan_names::PlanNames,
    recharge::MIN_RECHARGE,
};
use axum::{body::Bytes, extract::State, http::StatusCode, Json};
use serde::Serialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;

use crate::{
    http::{
        dialect_b::{
            auth::Merchant,
            body::{AmountBounds, Body, Expected},
            card_object::Units,
            errors::{loc, ApiError, ErrorBody},
        },
        AppState,
    },
    issuing::{
        partner_origin::normalize_origin,
        store_failure,
        widget_sessions::{
            default_max_deposit, Continuable, SessionRequest, DEFAULT_LIFETIME_SECS,
            DEFAULT_MAX_CARDS, MAX_LIFETIME_SECS, MAX_MAX_CARDS, MIN_LIFETIME_SECS,
        },
    },
};

/// Up to this many partner origins per session.
const MAX_ORIGINS: usize = 10;

/// Longer than any session id Cardkit mints.
const MAX_SESSION_ID_CHARS: usize = 64;

/// The request as the OpenAPI document describes it; the handler reads it field by field.
#[derive(ToSchema)]
#[allow(dead_code)] // only read by the OpenAPI generator
pub struct WidgetSessionRequest {
    /// Origins of the partner pages that may embed the widget (`https://shop.example`), 1 to 10.
    /// Required unless the session continues another, whose origins it then keeps.
    #[schema(min_items = 1, max_items = 10, value_type = Option<Vec<Origin>>)]
    allowed_origins: Option<Vec<String>>,
    /// The `session_id` of an earlier session of this merchant, expired or not, that this one
    /// continues: the new session shows the cards made through it (and through every session it
    /// continued), so a partner can let a cardholder see a card again after its session ran out.
    /// Fields not given are taken from that session; `max_cards` and `max_deposit` default to
    /// what it had left (so a continuation of a session that made its one card only shows it),
    /// and `max_cards` may then be 0.
    #[schema(max_length = 64)]
    continues: Option<String>,
    /// Lifetime in seconds, 10 to 86400.
    #[schema(default = 900, minimum = 10, maximum = 86400)]
    expires_in: Option<i64>,
    /// Prefills the form, and is the KYC customer of the cards made in this session. A
    /// continuation keeps its session's unless given.
    #[schema(
        pattern = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$",
        max_length = 254
    )]
    customer_email: Option<String>,
    /// Cards the session may make, 1 to 100 (0 to 100 for a continuation, which by default may
    /// make what its session had left). A card that fails and is refunded does not count.
    #[schema(default = 1, minimum = 0, maximum = 100)]
    max_cards: Option<i64>,
    /// What the merchant calls its fee plans in this session's form, by plan (`ONE`, `TWO`,
    /// `THREE`), each 1 to 24 characters: `{"ONE": "Basic", "TWO": "Plus"}`. A plan without a
    /// name shows as "Plan ONE". A continuation keeps its session's unless given.
    #[schema(value_type = Option<std::collections::BTreeMap<String, String>>)]
    plan_names: Option<()>,
    /// What the session's cards may deposit in all, in currency units, 5 to 500000; by default
    /// `max_cards` × 5000, so only `max_cards` limits it.
    #[schema(value_type = Option<f64>, minimum = 5, maximum = 500000, multiple_of = 0.01)]
    max_deposit: Option<Units>,
}

/// `scheme://host[:port]`, http or https, nothing after it.
#[derive(ToSchema)]
#[schema(pattern = r"^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9.-]+(:[1-9][0-9]{0,3})?/?$")]
#[allow(dead_code)] // only read by the OpenAPI generator
pub struct Origin(String);

#[derive(Serialize, ToSchema)]
pub struct WidgetSessionCreated {
    /// Give this to the partner page (`data-session` of the widget element). Shown once.
    pub session_token: String,
    pub session_id: String,
    /// The `session_id` of the session this one continues, if any.
    pub continues: Option<String>,
    /// ISO 8601, UTC.
    pub expires_at: String,
    pub allowed_origins: Vec<String>,
    pub customer_email: Option<String>,
    pub max_cards: i64,
    pub max_deposit: Units,
    /// The plans given a name, by plan.
    pub plan_names: std::collections::BTreeMap<String, String>,
    /// The script tag's `src`.
    pub script_url: String,
}

#[utoipa::path(
    post,
    path = "/api/widget/v1/sessions",
    tag = "widget",
    security(("bearer" = [])),
    request_body = WidgetSessionRequest,
    responses(
        (status = 201, body = WidgetSessionCreated),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 422, description = "Invalid request: every problem listed", body = ErrorBody)
    )
)]
pub async fn create_session(
    State(state): State<AppState>,
    Merchant(merchant_id): Merchant,
    body: Bytes,
) -> Result<(StatusCode, Json<WidgetSessionCreated>), ApiError> {
    let mut body = Body::parse(&body)?;
    let continued = continued_session(&state, &merchant_id, &mut body).await?;
    body.refuse_null("allowed_origins", Expected::List);
    let mut origins = Vec::new();
    match body.list("allowed_origins") {
        None if !body.contains("allowed_origins") => match &continued {
            Some(continued) => origins.clone_from(&continued.session.allowed_origins),
            None => body.error(loc!["body", "allowed_origins"], "Field required", "missing"),
        },
        None => {}
        Some(items) if items.is_empty() || items.len() > MAX_ORIGINS => body.error(
            loc!["body", "allowed_origins"],
            format!("List should have 1 to {MAX_ORIGINS} items"),
            "too_short",
        ),
        Some(items) => {
            for (index, item) in items.iter().enumerate() {
                let at = loc!["body", "allowed_origins", index];
                match serde_json::from_str::<String>(item.get()) {
                    Err(_) => body.error(at, "Input should be a valid string", "string_type"),
                    Ok(text) => match normalize_origin(text.trim()) {
                        Ok(origin) if !origins.contains(&origin) => origins.push(origin),
                        Ok(_) => {}
                        Err(reason) => {
                            body.error(at, format!("Value error, {reason}"), "value_error")
                        }
                    },
                }
            }
        }
    }
    let lifetime = body
        .integer("expires_in", MIN_LIFETIME_SECS, MAX_LIFETIME_SECS)
        .unwrap_or(DEFAULT_LIFETIME_SECS);
    let customer_email =
        body.string("customer_email", false)
            .and_then(|text| match Email::parse(text.trim()) {
                Ok(email) => Some(email.as_str().to_owned()),
                Err(_) => {
                    body.error(
                        loc!["body", "customer_email"],
                        "value is not a valid email address",
                        "value_error",
                    );
                    None
                }
            });
    let customer_email = match (&continued, body.is_absent("customer_email")) {
        (Some(continued), true) => continued.session.customer_email.clone(),
        _ => customer_email,
    };
    let fewest_cards = if continued.is_some() { 0 } else { 1 };
    let max_cards = body
        .integer("max_cards", fewest_cards, MAX_MAX_CARDS)
        .unwrap_or(
            continued
                .as_ref()
                .map_or(DEFAULT_MAX_CARDS, Continuable::cards_left),
        );
    if let Some(continued) = &continued {
        // Nothing to show and nothing to make: the frame would open on an empty form that
        // refuses every card.
        if max_cards == 0 && continued.chain_cards == 0 {
            body.error(
                loc!["body", "continues"],
                "Value error, the session it continues made no card to show: give max_cards \
                 of 1 or more for this session to make one",
                "value_error",
            );
        }
    }
    // At most what the largest session could deposit: a cap above what `max_cards` cards can
    // take is harmless, and keeps the two fields independent.
    let bounds = AmountBounds {
        min: MIN_RECHARGE,
        exclusive_min: false,
        max: default_max_deposit(MAX_MAX_CARDS),
    };
    let max_deposit = body.amount("max_deposit", false, bounds).unwrap_or(
        continued
            .as_ref()
            .map_or(default_max_deposit(max_cards), Continuable::deposit_left),
    );
    let plan_names = match body.object("plan_names") {
        Some(given) => plan_names(&mut body, given),
        None => continued
            .as_ref()
            .map(|continued| continued.session.plan_names.clone())
            .unwrap_or_default(),
    };
    body.finish()?;

    let (continues, chain_id) = match continued {
        Some(continued) => (Some(continued.session.id), Some(continued.session.chain_id)),
        None => (None, None),
    };
    let request = SessionRequest {
        allowed_origins: origins,
        lifetime_secs: lifetime,
        customer_email,
        max_cards,
        max_deposit,
        chain_id,
        plan_names,
        created_by: None,
    };
    let minted = state
        .widget_sessions
        .mint(&merchant_id, request)
        .await
        .map_err(|error| ApiError::from_issue(store_failure(error), "body"))?;
    tracing::info!(%merchant_id, session_id = %minted.session.id, "widget session minted");
    let created = WidgetSessionCreated {
        session_token: minted.token,
        continues: continues.map(SessionId::into_string),
        session_id: minted.session.id.into_string(),
        expires_at: format!(
            "{}Z",
            format_datetime(minted.session.expires_at_ms).replace(' ', "T")
        ),
        allowed_origins: minted.session.allowed_origins,
        customer_email: minted.session.customer_email,
        max_cards: minted.session.max_cards,
        max_deposit: Units(minted.session.max_deposit),
        plan_names: FeeType::ALL
            .into_iter()
            .filter_map(|plan| {
                let name = minted.session.plan_names.given(plan)?;
                Some((plan.as_str().to_owned(), name.to_owned()))
            })
            .collect(),
        script_url: "/widget.js".to_owned(),
    };
    Ok((StatusCode::CREATED, Json(created)))
}

/// The session named by `continues`, when it is one of this merchant's; an unknown id is a field
/// error (another merchant's session is unknown here too).
async fn continued_session(
    state: &AppState,
    merchant_id: &MerchantId,
    body: &mut Body,
) -> Result<Option<Continuable>, ApiError> {
    let Some(id) = body.string_at_most("continues", false, MAX_SESSION_ID_CHARS) else {
        return Ok(None);
    };
    let found = state
        .widget_sessions
        .continuable(merchant_id, &SessionId::new(id.trim()))
        .await
        .map_err(|error| ApiError::from_issue(store_failure(error), "body"))?;
    if found.is_none() {
        body.error(
            loc!["body", "continues"],
            "Value error, no widget session of this merchant has this id",
            "value_error",
        );
    }
    Ok(found)
}

/// The names given for the fee plans; an unknown plan or a name that is not 1 to 24 characters
/// of plain text is a field error.
fn plan_names(body: &mut Body, given: BTreeMap<String, Box<RawValue>>) -> PlanNames {
    let mut names = PlanNames::default();
    for (plan_code, raw) in given {
        let at = loc!["body", "plan_names", plan_code.as_str()];
        let Some(plan) = FeeType::parse(&plan_code) else {
            body.error(
                at,
                "Value error, the plans are ONE, TWO and THREE",
                "value_error",
            );
            continue;
        };
        match serde_json::from_str::<String>(raw.get()) {
            Err(_) => body.error(at, "Input should be a valid string", "string_type"),
            Ok(text) => match PlanNames::parse_name(&text) {
                Ok(name) => names.set(plan, name),
                Err(reason) => body.error(at, format!("Value error, {reason}"), "value_error"),
            },
        }
    }
    names
}
