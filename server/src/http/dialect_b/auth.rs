//! Dialect B authentication: the same merchant API keys as dialect A (`Authorization: Bearer
//! <key>`), refused in dialect B's error shape; a read-only key signs `GET`s only.

use app::domain::ids::MerchantId;
use axum::{extract::FromRequestParts, http::request::Parts, http::StatusCode};

use super::errors::{loc, ApiError};
use crate::http::{bearer::bearer_token, AppState, READ_ONLY_REFUSAL};

pub struct Merchant(pub MerchantId);

impl FromRequestParts<AppState> for Merchant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let unauthorized = |msg: &str| {
            ApiError::one(
                StatusCode::UNAUTHORIZED,
                loc!["header", "Authorization"],
                msg,
                "unauthorized",
            )
        };
        let token = bearer_token(&parts.headers).ok_or_else(|| {
            unauthorized("Not authenticated: send Authorization: Bearer <API key>")
        })?;
        match state.api_keys.authenticate(&parts.extensions, token).await {
            Ok(Some(grant)) if !grant.access.permits(parts.method.as_str()) => Err(ApiError::one(
                StatusCode::FORBIDDEN,
                loc!["header", "Authorization"],
                READ_ONLY_REFUSAL,
                "forbidden",
            )),
            Ok(Some(grant)) => Ok(Merchant(grant.merchant_id)),
            Ok(None) => Err(unauthorized("Invalid or revoked API key")),
            Err(error) => Err(crate::issuing::store_failure(error).into()),
        }
    }
}
