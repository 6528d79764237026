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
    /// the card ranges (an array), transactions or a KYC record; `null` on errors.
    #[schema(schema_with = model_schema)]
    model: Option<String>,
    #[schema(rename = "traceId")]
    trace_id: i64,
}

/// `model`: an object, an array (the card ranges) or null.
fn model_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, Type};
    Schema::OneOf(
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::Object))
            .item(ArrayBuilder::new())
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .build(),
    )
}

#[derive(ToSchema)]
pub struct CardHolder {
    /// Letters only, 3 to 32.
    #[schema(rename = "firstName", pattern = r"^[A-Za-z]{3,32}$")]
    first_name: String,
    #[schema(rename = "lastName", pattern = r"^[A-Za-z]{3,32}$")]
    last_name: String,
    /// The holder's own address (optional; the card range's billing address otherwise). Once
    /// any of its fields is given, street, city, country and zipCode are all required.
    #[schema(min_length = 1, max_length = 100, nullable = false)]
    street: Option<String>,
    #[schema(min_length = 1, max_length = 64, nullable = false)]
    city: Option<String>,
    /// Empty or absent where the country has none.
    #[schema(max_length = 64, nullable = false)]
    state: Option<String>,
    /// ISO 3166-1 alpha-2 (answered in upper case).
    #[schema(pattern = "^[A-Za-z]{2}$", nullable = false)]
    country: Option<String>,
    #[schema(
        rename = "zipCode",
        pattern = "^[A-Za-z0-9 -]{1,16}$",
        nullable = false
    )]
    zip_code: Option<String>,
}

/// Whole cents, 500..=500000 ("1000" = 10.00 USD): a string of digits, or a JSON integer.
fn cents_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
    let text = ObjectBuilder::new().schema_type(Type::String).pattern(Some(
        "^(?:[5-9][0-9]{2}|[1-9][0-9]{3,4}|[1-4][0-9]{5}|500000)$",
    ));
    let number = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(500))
        .maximum(Some(500_000));
    Schema::OneOf(
        OneOfBuilder::new()
            .description(Some(
                "Whole cents, 500..=500000 (\"1000\" = 10.00 USD), as a string or an integer",
            ))
            .item(text)
            .item(number)
            .build(),
    )
}

/// `POST /api/vcc/v1/cards`: the seed's request example is accepted as is.
#[derive(ToSchema)]
pub struct CreateCardRequest {
    #[schema(rename = "cardHolder")]
    card_holder: CardHolder,
    #[schema(schema_with = cents_schema)]
    deposit: String,
    /// The card range (GET /api/vcc/v1/card-ranges).
    vid: RangeId,
    /// Unique per merchant: the same orderNo and body return the same card.
    #[schema(rename = "orderNo", pattern = r"^[A-Za-z0-9_.:-]{1,64}$")]
    order_no: String,
    /// Receives a signed POST (Standard Webhooks) on every status change: http or https, a
    /// public host (not an address of a private, loopback or special-purpose range, nor
    /// `localhost`, `.local`, `.internal`), no credentials, at most 2048 characters.
    #[schema(rename = "callbackUrl", format = "uri", max_length = 2048)]
    callback_url: String,
    /// Which of the range's monthly fees applies.
    #[schema(rename = "feeType", default = "ONE")]
    fee_type: Option<FeeType>,
    /// The merchant's customer; needed above 1000 USD (KYC).
    #[schema(
        pattern = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$",
        max_length = 254
    )]
    email: Option<String>,
    #[schema(rename = "customerId", max_length = 64)]
    customer_id: Option<String>,
    /// Card labels, returned with the card and usable as the list's `tag` filter: at most 10
    /// (repeats are dropped), each 1 to 40 characters of plain text, not beginning or ending
    /// with a space.
    #[schema(schema_with = tags_schema)]
    tags: Option<Vec<String>>,
}

fn tags_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
    // Plain text (see `plain_text.rs`), and no white space at either end.
    const NOT_PLAIN: &str = r"\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069";
    let tag = ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(40))
        .pattern(Some(format!(
            "^[^\\s{NOT_PLAIN}](?:[^{NOT_PLAIN}]*[^\\s{NOT_PLAIN}])?$"
        )));
    Schema::Array(
        ArrayBuilder::new()
            .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
                Type::Array,
                Type::Null,
            ]))
            .items(tag)
            .max_items(Some(10))
            .build(),
    )
}

/// The card ranges every merchant has (`GET /api/vcc/v1/card-ranges`).
#[derive(ToSchema)]
#[allow(dead_code, non_camel_case_types)] // only read by the OpenAPI generator
pub enum RangeId {
    vab_069af8a792ad,
    vmc_5a1c2e7b90d4,
}

#[derive(ToSchema)]
#[allow(dead_code, clippy::upper_case_acronyms)] // only read by the OpenAPI generator
pub enum FeeType {
    ONE,
    TWO,
    THREE,
}

/// `POST /api/vcc/v1/cards/{card_id}/recharge`.
#[derive(ToSchema)]
pub struct RechargeRequest {
    #[schema(schema_with = cents_schema)]
    amount: String,
    /// Makes the recharge happen once.
    #[schema(rename = "orderNo", pattern = r"^[A-Za-z0-9_.:-]{1,64}$")]
    order_no: String,
}

/// `POST /api/vcc/v1/kyc/ach`: submitted to the (simulated) ACH verifier.
#[derive(ToSchema)]
pub struct AchKycRequest {
    #[schema(
        pattern = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$",
        max_length = 254
    )]
    email: String,
    #[schema(rename = "customerId", min_length = 1, max_length = 64)]
    customer_id: Option<String>,
    #[schema(rename = "firstName", pattern = r"^[A-Za-z]{3,32}$")]
    first_name: String,
    #[schema(rename = "lastName", pattern = r"^[A-Za-z]{3,32}$")]
    last_name: String,
    #[schema(rename = "dateOfBirth", format = "date")]
    date_of_birth: String,
    /// ISO 3166 alpha-2.
    #[schema(pattern = "^[A-Z]{2}$")]
    country: String,
}

/// `POST /api/vcc/v1/kyc/shared`: a customer already verified elsewhere.
#[derive(ToSchema)]
pub struct SharedKycRequest {
    #[schema(
        pattern = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$",
        max_length = 254
    )]
    email: String,
    #[schema(rename = "customerId", min_length = 1, max_length = 64)]
    customer_id: Option<String>,
    #[schema(min_length = 1, max_length = 64)]
    provider: String,
    #[schema(min_length = 1, max_length = 128)]
    reference: String,
}
