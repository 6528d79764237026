use std::sync::atomic::{AtomicI64, Ordering};

use app::domain::issuing::{IssueError, UNAVAILABLE_RETRY_AFTER_SECS};
use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::{json, Value};

use crate::{clock::system_now_ms, http::plain_json::first_unplain};

/// Dialect A's error codes (`code` in the envelope); `0` is success. Documented in the README.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidRequest = 1001,
    MalformedJson = 1002,
    Unauthorized = 2001,
    /// A read-only API key signed a request that changes something.
    KeyReadOnly = 2003,
    UnknownCardRange = 3001,
    InsufficientFunds = 3002,
    KycRequired = 3003,
    OrderNoConflict = 3004,
    CardNotFound = 4004,
    CustomerNotFound = 4005,
    IllegalState = 4009,
    /// No API route at this path (the framework's 404, in the envelope).
    UnknownRoute = 4040,
    /// The route exists, not with this method (the `Allow` header lists those it has).
    MethodNotAllowed = 4050,
    /// The request (its body, usually) took longer than the request timeout to arrive.
    RequestTimeout = 4080,
    /// The request body is over the size limit.
    PayloadTooLarge = 4130,
    /// Over the rate limit of the API key (or of the client address, without a valid key);
    /// `Retry-After` says when to try again.
    TooManyRequests = 4290,
    Internal = 5000,
    /// The database cannot be reached right now; `Retry-After` says when to try again.
    Unavailable = 5030,
}

impl ErrorCode {
    fn http_status(self) -> StatusCode {
        match self {
            ErrorCode::InvalidRequest | ErrorCode::MalformedJson => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::KeyReadOnly => StatusCode::FORBIDDEN,
            ErrorCode::UnknownCardRange => StatusCode::UNPROCESSABLE_ENTITY,
            // As dialect B answers them: the request is well formed, the wallet's state or the
            // customer's standing refuses it.
            ErrorCode::InsufficientFunds => StatusCode::CONFLICT,
            ErrorCode::KycRequired => StatusCode::FORBIDDEN,
            ErrorCode::OrderNoConflict | ErrorCode::IllegalState => StatusCode::CONFLICT,
            ErrorCode::CardNotFound | ErrorCode::CustomerNotFound | ErrorCode::UnknownRoute => {
                StatusCode::NOT_FOUND
            }
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// A unique, increasing number per response, shaped like the seed's (`1646648711017`): the epoch
/// milliseconds scaled by 1000 plus a counter, so it is also a rough timestamp.
fn trace_id() -> i64 {
    static LAST: AtomicI64 = AtomicI64::new(0);
    let candidate = system_now_ms().saturating_mul(1000);
    let previous = LAST.fetch_max(candidate, Ordering::Relaxed).max(candidate);
    LAST.fetch_add(1, Ordering::Relaxed).max(previous) + 1
}

/// The `traceId` an answer carries, also as a response extension, so the request log can file
/// the request under it without reading the body.
#[derive(Clone, Copy, Debug)]
pub struct TraceId(pub i64);

/// A successful answer: `{"success": true, "msg": "成功", "code": 0, "model": …, "traceId": …}`.
pub fn success(model: Value) -> Response {
    let trace = trace_id();
    let mut response = Json(
        json!({ "success": true, "msg": "成功", "code": 0, "model": model, "traceId": trace }),
    )
    .into_response();
    response.extensions_mut().insert(TraceId(trace));
    response
}

/// A request body as JSON, or the dialect's malformed-JSON refusal; a string anywhere in it that
/// is not plain text (a control character, a bidirectional override) is refused at its field.
pub fn json_body(body: &[u8]) -> Result<Value, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|error| {
        ApiError::new(
            ErrorCode::MalformedJson,
            format!("the body is not valid JSON: {error}"),
        )
    })?;
    if let Some((loc, error)) = first_unplain(&value) {
        let field: Vec<String> = loc
            .iter()
            .map(|part| match part {
                Value::String(name) => name.clone(),
                other => other.to_string(),
            })
            .collect();
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!("{}: {error}", field.join(".")),
        ));
    }
    Ok(value)
}

/// A refusal in the envelope, with the HTTP status that fits it.
#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub msg: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, msg: impl Into<String>) -> Self {
        Self {
            code,
            msg: msg.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let trace = trace_id();
        let body = json!({
            "success": false,
            "msg": self.msg,
            "code": self.code as i32,
            "model": null,
            "traceId": trace,
        });
        let mut response = (self.code.http_status(), Json(body)).into_response();
        response.extensions_mut().insert(TraceId(trace));
        if self.code == ErrorCode::Unavailable {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(UNAVAILABLE_RETRY_AFTER_SECS),
            );
        }
        response
    }
}

impl From<IssueError> for ApiError {
    fn from(error: IssueError) -> Self {
        let code = match &error {
            IssueError::Invalid { .. } => ErrorCode::InvalidRequest,
            IssueError::UnknownRange(_) => ErrorCode::UnknownCardRange,
            IssueError::InsufficientFunds { .. } | IssueError::CardFundsShort { .. } => {
                ErrorCode::InsufficientFunds
            }
            IssueError::KycRequired { .. } => ErrorCode::KycRequired,
            IssueError::OrderNoConflict(_) => ErrorCode::OrderNoConflict,
            IssueError::CardNotFound => ErrorCode::CardNotFound,
            IssueError::CustomerNotFound(_) => ErrorCode::CustomerNotFound,
            IssueError::IllegalTransition(_) => ErrorCode::IllegalState,
            IssueError::Internal(_) => ErrorCode::Internal,
            IssueError::Unavailable => ErrorCode::Unavailable,
        };
        ApiError::new(code, error.to_string())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn trace_ids_increase() {
        let ids: Vec<i64> = (0..100).map(|_| super::trace_id()).collect();
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
    }
}
