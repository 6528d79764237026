//! The API's own error shapes: dialect A's envelope under `/api/vcc/`, dialect B's
//! `{"detail": [...]}` under `/api/v1/` and for the widget's REST API (`/api/widget/v1/`) and the
//! OpenAPI document. The Leptos server functions, also under `/api/`, keep their own encoding; an
//! unknown `/api/` path that reaches the pages' fallback answers dialect B's 404 instead of HTML.
//! Two things happen here, around every REST API request:
//! - before routing, the path and the query must be plain text (no NUL, no control character, no
//!   bidirectional override): a refusal in the dialect's shape, before any handler or database
//!   sees them, so both backends answer alike;
//! - after, an error the framework wrote (a 404 for no route, a 405, a 413 for a body over the
//!   limit, a 400 for a path that is not UTF-8, the 500 of a panic) is rewritten into the
//!   dialect's shape. A panic never drops the connection: it answers 500 with a reference that
//!   the log line of the panic carries too.

use std::any::Any;

use app::domain::plain_text;
use axum::{
    body::Body,
    extract::Request,
    http::{header, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    Router,
};
use percent_encoding::percent_decode_str;
use tower_http::catch_panic::CatchPanicLayer;

use super::{dialect_a, dialect_b};
use crate::secrets::random;

/// Carries a panic's log reference from the panic handler to the rewrite below.
const PANIC_REFERENCE: &str = "x-cardkit-error-reference";
/// What the framework's error bodies are read up to, for their message.
const FRAMEWORK_MESSAGE_BYTES: usize = 4096;

/// Adds both layers to the complete router: panics become 500s, and API errors get their shape.
pub fn layer(router: Router) -> Router {
    router
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(axum::middleware::from_fn(api_errors))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Dialect {
    A,
    B,
}

impl Dialect {
    /// The dialect of a REST API path; `None` elsewhere (pages, server functions, assets).
    pub(super) fn of(path: &str) -> Option<Self> {
        if path.starts_with("/api/vcc/") {
            Some(Dialect::A)
        } else if path.starts_with("/api/v1/")
            || path.starts_with("/api/widget/v1/")
            || path == "/api/openapi.json"
        {
            Some(Dialect::B)
        } else {
            None
        }
    }

    /// An error in this dialect's shape. `field` names the input at fault (dialect A puts it in
    /// the message, dialect B in `loc`).
    pub(super) fn error(self, status: StatusCode, field: &[&str], message: &str) -> Response {
        match self {
            Dialect::A => {
                use dialect_a::envelope::{ApiError, ErrorCode};
                let code = match status {
                    StatusCode::UNAUTHORIZED => ErrorCode::Unauthorized,
                    StatusCode::NOT_FOUND => ErrorCode::UnknownRoute,
                    StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
                    StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
                    StatusCode::TOO_MANY_REQUESTS => ErrorCode::TooManyRequests,
                    StatusCode::REQUEST_TIMEOUT => ErrorCode::RequestTimeout,
                    StatusCode::SERVICE_UNAVAILABLE => ErrorCode::Unavailable,
                    status if status.is_server_error() => ErrorCode::Internal,
                    _ => ErrorCode::InvalidRequest,
                };
                let message = match field.last() {
                    Some(field) => format!("{field}: {message}"),
                    None => message.to_owned(),
                };
                ApiError::new(code, message).into_response()
            }
            Dialect::B => {
                use dialect_b::errors::ApiError;
                let kind = match status {
                    StatusCode::UNAUTHORIZED => "unauthorized",
                    StatusCode::NOT_FOUND => "not_found",
                    StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
                    StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
                    StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
                    StatusCode::REQUEST_TIMEOUT => "request_timeout",
                    StatusCode::SERVICE_UNAVAILABLE => "service_unavailable",
                    status if status.is_server_error() => "internal_error",
                    _ => "value_error",
                };
                let loc = field.iter().map(|part| (*part).into()).collect();
                ApiError::one(status, loc, message, kind).into_response()
            }
        }
    }
}

async fn api_errors(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let (dialect, rest_api) = match Dialect::of(&path) {
        Some(dialect) => (dialect, true),
        None if path.starts_with("/api/") => (Dialect::B, false),
        None => return next.run(request).await,
    };
    if rest_api {
        if let Some(refusal) = refuse_unplain_path_or_query(dialect, &request) {
            return refusal;
        }
    }
    let method = request.method().clone();
    let response = next.run(request).await;
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let framework_error = (status.is_client_error() || status.is_server_error())
        && !content_type.starts_with("application/json");
    let pages_not_found = status == StatusCode::NOT_FOUND && content_type.starts_with("text/html");
    if framework_error && (rest_api || pages_not_found) {
        framework_error_in_shape(dialect, &method, &path, response).await
    } else {
        response
    }
}

/// The path (decoded) and every query parameter must be plain text.
fn refuse_unplain_path_or_query(dialect: Dialect, request: &Request) -> Option<Response> {
    let uri = request.uri();
    if let Ok(path) = percent_decode_str(uri.path()).decode_utf8() {
        if let Err(error) = plain_text::check(&path) {
            return Some(dialect.error(status_for_input(dialect), &["path"], &format!("{error}")));
        }
    }
    for (name, value) in url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        let unplain = plain_text::check(&name).and(plain_text::check(&value));
        if let Err(error) = unplain {
            return Some(dialect.error(
                status_for_input(dialect),
                &["query", &name],
                &format!("{error}"),
            ));
        }
    }
    None
}

/// Bad input is dialect A's 400 and dialect B's (FastAPI's) 422.
fn status_for_input(dialect: Dialect) -> StatusCode {
    match dialect {
        Dialect::A => StatusCode::BAD_REQUEST,
        Dialect::B => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

async fn framework_error_in_shape(
    dialect: Dialect,
    method: &Method,
    path: &str,
    response: Response,
) -> Response {
    let status = response.status();
    let allow = response.headers().get(header::ALLOW).cloned();
    let reference = response
        .headers()
        .get(PANIC_REFERENCE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let text = axum::body::to_bytes(response.into_body(), FRAMEWORK_MESSAGE_BYTES)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned())
        .unwrap_or_default();
    let (field, message): (&[&str], String) = match status {
        StatusCode::NOT_FOUND => (&["path"], format!("no API route {method} {path}")),
        StatusCode::METHOD_NOT_ALLOWED => {
            let allowed = allow
                .as_ref()
                .and_then(|allow| allow.to_str().ok())
                .map(|allow| format!("; this route takes {allow}"))
                .unwrap_or_default();
            (
                &["method"],
                format!("{method} is not allowed on {path}{allowed}"),
            )
        }
        StatusCode::PAYLOAD_TOO_LARGE => (
            &["body"],
            "the request body is larger than the server accepts (2 MiB)".to_owned(),
        ),
        StatusCode::REQUEST_TIMEOUT => (
            &["body"],
            "the request took too long to arrive; send it again".to_owned(),
        ),
        status if status.is_server_error() => (
            &[],
            match reference {
                Some(reference) => format!("internal error, reference {reference}"),
                None => format!("internal error ({status})"),
            },
        ),
        _ if text.is_empty() => (&[], status.canonical_reason().unwrap_or("error").to_owned()),
        _ => (&["path"], text),
    };
    let mut shaped = dialect.error(status, field, &message);
    *shaped.status_mut() = status;
    if let Some(allow) = allow {
        shaped.headers_mut().insert(header::ALLOW, allow);
    }
    shaped
}

/// A handler panicked: log the panic under a fresh reference and answer 500 with it.
fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("a panic without a message");
    let reference = random::id("err_");
    tracing::error!(%reference, panic = detail, "a request handler panicked");
    let mut response = Response::new(Body::from("internal error"));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    if let Ok(value) = HeaderValue::from_str(&reference) {
        response.headers_mut().insert(PANIC_REFERENCE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    async fn get_json(router: Router, path: &str) -> (StatusCode, serde_json::Value) {
        let request = Request::builder().uri(path).body(Body::empty()).unwrap();
        let response = router.oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    fn panicking_router() -> Router {
        async fn boom() -> &'static str {
            panic!("boom")
        }
        layer(
            Router::new()
                .route("/api/vcc/v1/boom", get(boom))
                .route("/api/v1/boom", get(boom)),
        )
    }

    #[tokio::test]
    async fn a_panic_answers_500_in_each_dialects_shape_with_a_reference() {
        let (status, a) = get_json(panicking_router(), "/api/vcc/v1/boom").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            (a["success"].clone(), a["code"].clone()),
            (false.into(), 5000.into())
        );
        assert!(a["msg"].as_str().unwrap().contains("reference err_"), "{a}");

        let (status, b) = get_json(panicking_router(), "/api/v1/boom").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(b["detail"][0]["type"], "internal_error");
        assert!(
            b["detail"][0]["msg"]
                .as_str()
                .unwrap()
                .contains("reference err_"),
            "{b}"
        );
    }

    #[test]
    fn the_dialect_follows_the_path() {
        assert_eq!(Dialect::of("/api/vcc/v1/cards"), Some(Dialect::A));
        assert_eq!(Dialect::of("/api/v1/cards/card/add"), Some(Dialect::B));
        assert_eq!(Dialect::of("/api/widget/v1/sessions"), Some(Dialect::B));
        assert_eq!(Dialect::of("/api/openapi.json"), Some(Dialect::B));
        // Server functions keep their own encoding.
        assert_eq!(Dialect::of("/api/check_system"), None);
        assert_eq!(Dialect::of("/api/widget/create_card"), None);
        assert_eq!(Dialect::of("/widget/frame"), None);
        assert_eq!(Dialect::of("/apiary"), None);
    }
}
