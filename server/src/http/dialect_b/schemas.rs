//! The request bodies as the OpenAPI document describes them. The handlers read bodies field by
//! field (to report every problem at once, pydantic-style); a test checks that every property
//! named here is one the handler actually reads, so the two cannot drift apart.
#![allow(dead_code)] // only read by the OpenAPI generator

use utoipa::ToSchema;

/// `POST /api/v1/cards/card/add`.
#[derive(ToSchema)]
pub struct AddCardRequest {
    /// Email address of the card's user (created on first use, belongs to the merchant).
    #[schema(format = "email")]
    email: String,
    /// The BIN of the card. Defaults to VISA 472593.
    #[schema(default = "472593")]
    bin: Option<String>,
    /// A personalized nickname for the card.
    nick_name: Option<String>,
    /// The cumulative spending limit for the card's entire lifetime, in currency units; it is
    /// reserved from the wallet to fund the card (5..=5000; above 1000 the user needs KYC).
    #[schema(default = 25, value_type = Option<f64>)]
    limit_all_time: Option<String>,
    /// The maximum amount allowed per transaction. Cannot exceed `limit_all_time`.
    #[schema(value_type = Option<f64>)]
    limit_per_transaction: Option<String>,
    /// Whether the per-transaction limit is set to the card's balance after each top-up.
    #[schema(default = true)]
    is_autolimit: Option<bool>,
    /// Identifiers of the API users associated with this card.
    api_users_chain: Option<Vec<String>>,
    /// The card user's identifier in an external system (an end user of `api_users_chain`).
    external_user_id: Option<String>,
}

#[derive(ToSchema)]
pub struct LimitInput {
    /// PER_TRANSACTION, DAILY, WEEKLY, MONTHLY, YEARLY or ALL_TIME (rolling windows).
    interval: String,
    #[schema(value_type = f64)]
    amount: String,
}

/// `PATCH .../settings`: every field optional; what is absent stays as it is.
#[derive(ToSchema)]
pub struct SettingsRequest {
    nick_name: Option<String>,
    is_autolimit: Option<bool>,
    #[schema(value_type = Option<f64>)]
    limit_per_transaction: Option<String>,
    /// ISO 8601 UTC; purchases before it are declined.
    #[schema(format = "date-time")]
    active_from: Option<String>,
    /// ISO 8601 UTC; purchases after it are declined.
    #[schema(format = "date-time")]
    active_to: Option<String>,
    /// ISO 4217 codes; empty: every currency.
    allowed_currencies: Option<Vec<String>>,
    limits: Option<Vec<LimitInput>>,
}

/// `POST .../topup` (5..=5000 per top-up) and `POST .../withdraw`.
#[derive(ToSchema)]
pub struct AmountRequest {
    #[schema(value_type = f64)]
    amount: String,
}

/// `POST .../authorizations`: a purchase to authorize.
#[derive(ToSchema)]
pub struct AuthorizeRequest {
    #[schema(value_type = f64)]
    amount: String,
    #[schema(default = "USD")]
    currency: Option<String>,
    merchant_name: String,
    /// The merchant category code, e.g. "7311".
    merchant_category: Option<String>,
}
