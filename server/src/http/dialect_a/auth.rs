use app::domain::ids::MerchantId;
use axum::{
    extract::FromRequestParts,
    http::{header::AUTHORIZATION, request::Parts},
};

use super::envelope::{ApiError, ErrorCode};
use crate::http::{bearer::bearer_token, AppState};

/// The merchant whose API key signed the request (`Authorization: Bearer <key>`). Every handler
/// takes one, so no dialect A route can run unauthenticated or outside its merchant.
pub struct AuthenticatedMerchant(pub MerchantId);

impl FromRequestParts<AppState> for AuthenticatedMerchant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(&parts.headers).ok_or_else(|| {
            let message = if parts.headers.contains_key(AUTHORIZATION) {
                "the Authorization header must be: Bearer <key>"
            } else {
                "missing API key: send Authorization: Bearer <key>"
            };
            ApiError::new(ErrorCode::Unauthorized, message)
        })?;
        match state.api_keys.owner(&parts.extensions, token).await {
            Ok(Some(merchant_id)) => Ok(AuthenticatedMerchant(merchant_id)),
            Ok(None) => Err(ApiError::new(
                ErrorCode::Unauthorized,
                "invalid or revoked API key",
            )),
            Err(error) => Err(crate::issuing::store_failure(error).into()),
        }
    }
}
