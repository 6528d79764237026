use app::domain::ids::MerchantId;
use axum::{
    extract::FromRequestParts,
    http::{header::AUTHORIZATION, request::Parts},
};

use super::envelope::{ApiError, ErrorCode};
use crate::http::{bearer::bearer_token, AppState, READ_ONLY_REFUSAL};

/// The merchant whose API key signed the request (`Authorization: Bearer <key>`). Every handler
/// takes one, so no dialect A route can run unauthenticated, outside its merchant, or beyond
/// what its key may do (a read-only key signs `GET`s only).
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
        match state.api_keys.authenticate(&parts.extensions, token).await {
            Ok(Some(grant)) if !grant.access.permits(parts.method.as_str()) => {
                Err(ApiError::new(ErrorCode::KeyReadOnly, READ_ONLY_REFUSAL))
            }
            Ok(Some(grant)) => Ok(AuthenticatedMerchant(grant.merchant_id)),
            Ok(None) => Err(ApiError::new(
                ErrorCode::Unauthorized,
                "invalid or revoked API key",
            )),
            Err(error) => Err(crate::issuing::store_failure(error).into()),
        }
    }
}
