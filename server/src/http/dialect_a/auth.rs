use axum::{extract::FromRequestParts, http::request::Parts};

use super::envelope::{ApiError, ErrorCode};
use crate::http::AppState;

/// The merchant whose API key signed the request (`Authorization: Bearer <key>`). Every handler
/// takes one, so no dialect A route can run unauthenticated or outside its merchant.
pub struct AuthenticatedMerchant(pub String);

impl FromRequestParts<AppState> for AuthenticatedMerchant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::Unauthorized,
                    "missing API key: send Authorization: Bearer <key>",
                )
            })?;
        let token = header
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::Unauthorized,
                    "the Authorization header must be: Bearer <key>",
                )
            })?;
        match state.api_keys.merchant_for_token(token).await {
            Ok(Some(merchant_id)) => Ok(AuthenticatedMerchant(merchant_id)),
            Ok(None) => Err(ApiError::new(
                ErrorCode::Unauthorized,
                "invalid or revoked API key",
            )),
            Err(error) => Err(crate::issuing::internal_error(error).into()),
        }
    }
}
