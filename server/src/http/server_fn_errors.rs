//! Server functions answer every error with 500, even when the caller sent arguments that do not
//! decode (a missing field, a wrong type): the caller's mistake, not the server's. Such answers
//! are turned into 400 here, with the same body, so clients and access logs tell them apart from
//! real failures. Errors the functions report themselves already carry their own status.

use axum::{
    body::{to_bytes, Body},
    extract::Request,
    http::StatusCode,
    middleware::Next,
    response::Response,
};

/// The header `server_fn` marks its error answers with.
const SERVER_FN_ERROR_HEADER: &str = "serverfnerror";
/// Error answers are a short line; anything longer is left as it is.
const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn caller_errors_are_400(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if bytes.starts_with(b"Args|") || bytes.starts_with(b"Deserialization|") {
        parts.status = StatusCode::BAD_REQUEST;
    }
    Response::from_parts(parts, Body::from(bytes))
}
