//! Dialect B authentication: the same merchant API keys as dialect A (`Authorization: Bearer
//! <key>`), refused in dialect B's error shape.

use app::domain::ids::MerchantId;
use axum::{extract::FromRequestParts, http::request::Parts, http::StatusCode};

use super::errors::{loc, ApiError};
use crate::http::{bearer::bearer_token, AppState};

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
        match state.api_keys.owner(&parts.extensions, token).await {
            Ok(Some(merchant_id)) => Ok(Merchant(merchant_id)),
            Ok(None) => Err(unauthorized("Invalid or revoked API key")),
            Err(error) => Err(crate::issuing::store_failure(error).into()),
        }
    }
}
