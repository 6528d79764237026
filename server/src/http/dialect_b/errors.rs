//! Dialect B's errors, all in the FastAPI/pydantic shape of the seed's 422:
//! `{"detail": [{"loc": ["body", "field"], "msg": "...", "type": "..."}]}`. Validation lists every
//! problem of a request at once; not-found, auth and conflict errors use the same shape with their
//! own status code and `type`.

use app::domain::issuing::{IssueError, UNAVAILABLE_RETRY_AFTER_SECS};
use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;
use serde_json::Value;

/// One entry of `detail`.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ErrorItem {
    /// Where: `["body", "field"]`, `["body", "limits", 0, "amount"]`, `["path", "card_id"]`.
    #[schema(value_type = Vec<LocItem>)]
    pub loc: Vec<Value>,
    pub msg: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// A step of `loc`: a name (`"body"`, a field) or an index into a list.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // only read by the OpenAPI generator
#[serde(untagged)]
pub enum LocItem {
    Name(String),
    Index(i64),
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: Vec<ErrorItem>,
}

/// `loc!["body", "limits", 0]`: a location path of strings and indexes.
macro_rules! loc {
    ($($part:expr),* $(,)?) => { vec![$(serde_json::Value::from($part)),*] };
}
pub(crate) use loc;

impl ApiError {
    pub fn one(status: StatusCode, loc: Vec<Value>, msg: impl Into<String>, kind: &str) -> Self {
        Self {
            status,
            detail: vec![ErrorItem {
                loc,
                msg: msg.into(),
                kind: kind.to_owned(),
            }],
        }
    }

    pub fn validation(detail: Vec<ErrorItem>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            detail,
        }
    }

    /// A core refusal, located at `amount_field` when it is about money.
    pub fn from_issue(error: IssueError, amount_field: &str) -> Self {
        let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
        match error {
            IssueError::Invalid { field, message } => {
                Self::one(unprocessable, loc!["body", field], message, "value_error")
            }
            IssueError::UnknownRange(_) => Self::one(
                unprocessable,
                loc!["body", "bin"],
                "no card range with this BIN is available to you; GET /api/v1/cards/bins lists them",
                "value_error",
            ),
            error @ (IssueError::InsufficientFunds { .. } | IssueError::CardFundsShort { .. }) => Self::one(
                StatusCode::CONFLICT,
                loc!["body", amount_field],
                error.to_string(),
                "insufficient_funds",
            ),
            error @ IssueError::KycRequired { .. } => Self::one(
                StatusCode::FORBIDDEN,
                loc!["body", "email"],
                error.to_string(),
                "kyc_required",
            ),
            // The core's orderNo is dialect B's Idempotency-Key.
            IssueError::OrderNoConflict(key) => Self::one(
                StatusCode::CONFLICT,
                loc!["header", "Idempotency-Key"],
                format!("Idempotency-Key {key} was already used for a different request"),
                "conflict",
            ),
            IssueError::CardNotFound => Self::one(
                StatusCode::NOT_FOUND,
                loc!["path", "card_id"],
                "Card not found",
                "not_found",
            ),
            error @ IssueError::CustomerNotFound(_) => Self::one(
                StatusCode::NOT_FOUND,
                loc!["body", "email"],
                error.to_string(),
                "not_found",
            ),
            IssueError::IllegalTransition(message) => Self::one(
                StatusCode::CONFLICT,
                loc!["path", "card_id"],
                message,
                "conflict",
            ),
            error @ IssueError::Unavailable => Self::one(
                StatusCode::SERVICE_UNAVAILABLE,
                loc![],
                error.to_string(),
                "service_unavailable",
            ),
            error @ IssueError::Internal(_) => Self::one(
                StatusCode::INTERNAL_SERVER_ERROR,
                loc![],
                error.to_string(),
                "internal_error",
            ),
        }
    }
}

impl From<IssueError> for ApiError {
    fn from(error: IssueError) -> Self {
        Self::from_issue(error, "amount")
    }
}

/// Every dialect B error: 422 for validation, 401/403/404/409 for the rest.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub detail: Vec<ErrorItem>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(ErrorBody {
                detail: self.detail,
            }),
        )
            .into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(UNAVAILABLE_RETRY_AFTER_SECS),
            );
        }
        response
    }
}
