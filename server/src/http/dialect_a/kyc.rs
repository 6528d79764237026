//! Dialect A's KYC interfaces: ACH submission (verified by the simulated verifier), the shared
//! KYC sync for customers verified elsewhere, and the status query.

use super::schemas::{AchKycRequest, Envelope, SharedKycRequest};
use app::{
    domain::{
        cardholder_name::CardholderName,
        email::Email,
        kyc_identity::{
            self, bounded_text, AchIdentity, MAX_EXTERNAL_ID_CHARS, MAX_PROVIDER_CHARS,
            MAX_REFERENCE_CHARS,
        },
    },
    ports::{KycView, SharedKyc},
};
use axum::{
    body::Bytes,
    extract::{Query, State},
    response::Response,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{
    auth::AuthenticatedMerchant,
    envelope::{json_body, success, ApiError, ErrorCode},
};
use crate::http::AppState;

fn model(view: &KycView) -> Value {
    json!({
        "userId": view.user_id,
        "email": view.email,
        "customerId": view.customer_id,
        "kycStatus": view.status.code(),
        "reason": view.rejection_reason,
    })
}

fn body_object(body: &Bytes) -> Result<serde_json::Map<String, Value>, ApiError> {
    match json_body(body)? {
        Value::Object(object) => Ok(object),
        _ => Err(ApiError::new(
            ErrorCode::InvalidRequest,
            "body: must be a JSON object",
        )),
    }
}

/// A string field checked by `check`; problems are collected as `field: message`.
fn field<T>(
    object: &serde_json::Map<String, Value>,
    name: &str,
    required: bool,
    errors: &mut Vec<String>,
    check: impl FnOnce(&str) -> Result<T, String>,
) -> Option<T> {
    match object.get(name) {
        Some(Value::String(text)) => check(text)
            .map_err(|message| errors.push(format!("{name}: {message}")))
            .ok(),
        None | Some(Value::Null) if !required => None,
        None | Some(Value::Null) => {
            errors.push(format!("{name}: is required"));
            None
        }
        Some(_) => {
            errors.push(format!("{name}: must be a string"));
            None
        }
    }
}

/// `POST /api/vcc/v1/kyc/ach`: `{email, customerId?, firstName, lastName, dateOfBirth, country}`.
#[utoipa::path(
    post,
    path = "/api/vcc/v1/kyc/ach",
    tag = "dialect A",
    security(("bearer" = [])),
    request_body = AchKycRequest,
    responses(
        (status = 200, description = "success: true", body = Envelope),
        (status = "4XX", description = "success: false, with the error code", body = Envelope)
    )
)]
pub async fn submit_ach(
    State(state): State<AppState>,
    AuthenticatedMerchant(merchant_id): AuthenticatedMerchant,
    body: Bytes,
) -> Result<Response, ApiError> {
    let object = body_object(&body)?;
    let mut errors = Vec::new();
    let email = field(&object, "email", true, &mut errors, |t| {
        Email::parse(t).map_err(|e| e.to_string())
    });
    let external_id = field(&object, "customerId", false, &mut errors, |t| {
        bounded_text(t, MAX_EXTERNAL_ID_CHARS)
    });
    let first_name = field(&object, "firstName", true, &mut errors, |t| {
        CardholderName::parse(t).map_err(|e| e.to_string())
    });
    let last_name = field(&object, "lastName", true, &mut errors, |t| {
        CardholderName::parse(t).map_err(|e| e.to_string())
    });
    let date_of_birth = field(
        &object,
        "dateOfBirth",
        true,
        &mut errors,
        kyc_identity::date_of_birth,
    );
    let country = field(&object, "country", true, &mut errors, kyc_identity::country);
    let (Some(email), Some(first_name), Some(last_name), Some(date_of_birth), Some(country), true) = (
        email,
        first_name,
        last_name,
        date_of_birth,
        country,
        errors.is_empty(),
    ) else {
        return Err(ApiError::new(ErrorCode::InvalidRequest, errors.join("; ")));
    };
    let identity = AchIdentity {
        email,
        external_id,
        first_name,
        last_name,
        date_of_birth,
        country,
    };
    Ok(success(model(
        &state.issuing.submit_ach_kyc(&merchant_id, identity).await?,
    )))
}

/// `POST /api/vcc/v1/kyc/shared`: `{email, customerId?, provider, reference}` for a customer already
/// verified on another platform; the merchant attests it and the customer is approved.
#[utoipa::path(
    post,
    path = "/api/vcc/v1/kyc/shared",
    tag = "dialect A",
    security(("bearer" = [])),
    request_body = SharedKycRequest,
    responses(
        (status = 200, description = "success: true", body = Envelope),
        (status = "4XX", description = "success: false, with the error code", body = Envelope)
    )
)]
pub async fn sync_shared(
    State(state): State<AppState>,
    AuthenticatedMerchant(merchant_id): AuthenticatedMerchant,
    body: Bytes,
) -> Result<Response, ApiError> {
    let object = body_object(&body)?;
    let mut errors = Vec::new();
    let email = field(&object, "email", true, &mut errors, |t| {
        Email::parse(t).map_err(|e| e.to_string())
    });
    let external_id = field(&object, "customerId", false, &mut errors, |t| {
        bounded_text(t, MAX_EXTERNAL_ID_CHARS)
    });
    let provider = field(&object, "provider", true, &mut errors, |t| {
        bounded_text(t, MAX_PROVIDER_CHARS)
    });
    let reference = field(&object, "reference", true, &mut errors, |t| {
        bounded_text(t, MAX_REFERENCE_CHARS)
    });
    let (Some(email), Some(provider), Some(reference), true) =
        (email, provider, reference, errors.is_empty())
    else {
        return Err(ApiError::new(ErrorCode::InvalidRequest, errors.join("; ")));
    };
    let attestation = SharedKyc {
        email,
        external_id,
        provider,
        reference,
    };
    Ok(success(model(
        &state
            .issuing
            .sync_shared_kyc(&merchant_id, attestation)
            .await?,
    )))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KycQuery {
    #[param(
        required = true,
        pattern = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$",
        max_length = 254
    )]
    email: Option<String>,
}

/// `GET /api/vcc/v1/kyc?email=…`
#[utoipa::path(
    get,
    path = "/api/vcc/v1/kyc",
    tag = "dialect A",
    security(("bearer" = [])),
    params(KycQuery),
    responses(
        (status = 200, description = "success: true", body = Envelope),
        (status = "4XX", description = "success: false, with the error code", body = Envelope)
    )
)]
pub async fn status(
    State(state): State<AppState>,
    AuthenticatedMerchant(merchant_id): AuthenticatedMerchant,
    Query(query): Query<KycQuery>,
) -> Result<Response, ApiError> {
    let email = query
        .email
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidRequest, "email: is required"))?;
    Ok(success(model(
        &state.issuing.kyc(&merchant_id, &email).await?,
    )))
}
