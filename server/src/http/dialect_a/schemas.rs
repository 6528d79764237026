//! Dialect A's bodies as the OpenAPI document describes them. The handlers read bodies field by
//! field (to name every problem at once); a test checks that every property named here is one the
//! handler actually reads, so the two cannot drift apart.
#![allow(dead_code)] // only read by the OpenAPI generator

use utoipa::ToSchema;

/// The seed's envelope around every answer. `code` 0 is success; the README lists the others.
#[derive(ToSchema)]
#[schema(as = DialectAEnvelope)]
pub struct Envelope {
    success: bool,
    msg: String,
    code: i64,
    /// The answer: a card `{cardHolder, card, tags}`, a page `{list, total, page, pageSize}`,
    /// card ranges, transactions or a KYC record; `null` on errors.
    #[schema(value_type = Option<Object>)]
    model: Option<String>,
    #[schema(rename = "traceId")]
    trace_id: i64,
}

#[derive(ToSchema)]
pub struct CardHolder {
    /// Letters only, at least 3.
    #[schema(rename = "firstName")]
    first_name: String,
    #[schema(rename = "lastName")]
    last_name: String,
}

/// `POST /api/vcc/v1/cards`: the seed's request example is accepted as is.
#[derive(ToSchema)]
pub struct CreateCardRequest {
    #[schema(rename = "cardHolder")]
    card_holder: CardHolder,
    /// Cents as a string, 500..=500000 ("1000" = 10.00 USD).
    deposit: String,
    /// The card range (GET /api/vcc/v1/card-ranges).
    vid: String,
    /// Unique per merchant: the same orderNo and body return the same card.
    #[schema(rename = "orderNo")]
    order_no: String,
    /// Receives a signed POST (Standard Webhooks) on every status change.
    #[schema(rename = "callbackUrl")]
    callback_url: String,
    /// ONE (default), TWO or THREE: which of the range's monthly fees applies.
    #[schema(rename = "feeType")]
    fee_type: Option<String>,
    /// The merchant's customer; needed above 1000 USD (KYC).
    email: Option<String>,
    #[schema(rename = "customerId")]
    customer_id: Option<String>,
}

/// `POST /api/vcc/v1/cards/{card_id}/recharge`.
#[derive(ToSchema)]
pub struct RechargeRequest {
    /// Cents, 500..=500000.
    amount: String,
    /// Makes the recharge happen once.
    #[schema(rename = "orderNo")]
    order_no: String,
}

/// `POST /api/vcc/v1/kyc/ach`: submitted to the (simulated) ACH verifier.
#[derive(ToSchema)]
pub struct AchKycRequest {
    email: String,
    #[schema(rename = "customerId")]
    customer_id: Option<String>,
    #[schema(rename = "firstName")]
    first_name: String,
    #[schema(rename = "lastName")]
    last_name: String,
    /// YYYY-MM-DD.
    #[schema(rename = "dateOfBirth")]
    date_of_birth: String,
    /// ISO 3166 alpha-2.
    country: String,
}

/// `POST /api/vcc/v1/kyc/shared`: a customer already verified elsewhere.
#[derive(ToSchema)]
pub struct SharedKycRequest {
    email: String,
    #[schema(rename = "customerId")]
    customer_id: Option<String>,
    provider: String,
    reference: String,
}
