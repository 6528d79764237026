//! The request bodies as the OpenAPI document describes them. The handlers read bodies field by
//! field (to report every problem at once, pydantic-style); a test checks that every property
//! named here is one the handler actually reads, so the two cannot drift apart.
#![allow(dead_code)] // only read by the OpenAPI generator

use utoipa::ToSchema;

/// `POST /api/v1/cards/card/add`.
#[derive(ToSchema)]
pub struct AddCardRequest {
    /// Email address of the card's user (created on first use, belongs to the merchant).
    #[schema(
        pattern = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$",
        max_length = 254
    )]
    email: String,
    /// The BIN of the card. Defaults to VISA 472593.
    #[schema(default = "472593", nullable = false)]
    bin: Option<BinCode>,
    /// A personalized nickname for the card.
    #[schema(max_length = 64)]
    nick_name: Option<String>,
    /// The cumulative spending limit for the card's entire lifetime, in currency units; it is
    /// reserved from the wallet to fund the card (5..=5000; above 1000 the user needs KYC).
    #[schema(default = 25, value_type = Option<f64>, nullable = false, minimum = 5, maximum = 5000, multiple_of = 0.01)]
    limit_all_time: Option<String>,
    /// The maximum amount allowed per transaction. Cannot exceed `limit_all_time`.
    #[schema(value_type = Option<f64>, exclusive_minimum = 0, maximum = 5000, multiple_of = 0.01)]
    limit_per_transaction: Option<String>,
    /// Whether the per-transaction limit is set to the card's balance after each top-up.
    #[schema(default = true, nullable = false)]
    is_autolimit: Option<bool>,
    /// Identifiers of the API users associated with this card.
    api_users_chain: Option<Vec<String>>,
    /// The card user's identifier in an external system (an end user of `api_users_chain`).
    external_user_id: Option<String>,
}

#[derive(ToSchema)]
#[allow(dead_code, non_camel_case_types, clippy::upper_case_acronyms)] // only read by the OpenAPI generator
pub enum LimitInterval {
    PER_TRANSACTION,
    DAILY,
    WEEKLY,
    MONTHLY,
    YEARLY,
    ALL_TIME,
}

/// The BINs cards are issued from.
#[derive(ToSchema)]
#[allow(dead_code)] // only read by the OpenAPI generator
pub enum BinCode {
    #[schema(rename = "472593")]
    Visa,
    #[schema(rename = "531993")]
    Mastercard,
}

#[derive(ToSchema)]
pub struct LimitInput {
    /// Rolling windows, and the card's whole life.
    interval: LimitInterval,
    #[schema(value_type = f64, exclusive_minimum = 0, maximum = 1000000000, multiple_of = 0.01)]
    amount: String,
}

/// `PATCH .../settings`: every field optional; what is absent stays as it is.
#[derive(ToSchema)]
pub struct SettingsRequest {
    #[schema(max_length = 64)]
    nick_name: Option<String>,
    is_autolimit: Option<bool>,
    #[schema(value_type = Option<f64>, exclusive_minimum = 0, multiple_of = 0.01)]
    limit_per_transaction: Option<String>,
    /// ISO 8601 UTC; purchases before it are declined.
    #[schema(format = "date-time")]
    active_from: Option<String>,
    /// ISO 8601 UTC; purchases after it are declined.
    #[schema(format = "date-time")]
    active_to: Option<String>,
    /// ISO 4217 codes; empty: every currency.
    #[schema(value_type = Option<Vec<CurrencyCode>>)]
    allowed_currencies: Option<Vec<String>>,
    limits: Option<Vec<LimitInput>>,
}

/// An ISO 4217 code, three letters.
#[derive(ToSchema)]
#[schema(pattern = "^[A-Za-z]{3}$")]
#[allow(dead_code)] // only read by the OpenAPI generator
pub struct CurrencyCode(String);

/// `POST .../topup`: 5..=5000 per top-up.
#[derive(ToSchema)]
pub struct TopUpRequest {
    #[schema(value_type = f64, minimum = 5, maximum = 5000, multiple_of = 0.01)]
    amount: String,
}

/// `POST .../withdraw`: what is on the card and not held, at most.
#[derive(ToSchema)]
pub struct AmountRequest {
    #[schema(value_type = f64, exclusive_minimum = 0, maximum = 1000000000, multiple_of = 0.01)]
    amount: String,
}

/// `POST .../authorizations`: a purchase to authorize.
#[derive(ToSchema)]
pub struct AuthorizeRequest {
    #[schema(value_type = f64, exclusive_minimum = 0, maximum = 1000000000, multiple_of = 0.01)]
    amount: String,
    #[schema(default = "USD", pattern = "^[A-Za-z]{3}$", nullable = false)]
    currency: Option<String>,
    merchant_name: String,
    /// The merchant category code, e.g. "7311".
    merchant_category: Option<String>,
}

/// A card status code, as the list filter takes it.
#[derive(ToSchema)]
#[allow(dead_code)] // only read by the OpenAPI generator
pub enum CardStatusCode {
    #[schema(rename = "INIT")]
    Init,
    #[schema(rename = "INIT CREATE CARD")]
    InitCreateCard,
    #[schema(rename = "ACTIVE CARD")]
    ActiveCard,
    #[schema(rename = "ACTIVE")]
    Active,
    #[schema(rename = "CARD FAILED REFUND")]
    CardFailedRefund,
    #[schema(rename = "FREEZE")]
    Freeze,
    #[schema(rename = "CANCELLING")]
    Cancelling,
    #[schema(rename = "DELETED")]
    Deleted,
    #[schema(rename = "EXPIRED")]
    Expired,
}
