//! The span every request is traced in: method, path, and the query with the values of secret
//! parameters (a widget session token travels as `?session=…`, since a browser's EventSource and
//! iframe cannot send headers) replaced, so no log level ever holds a bearer credential.

use axum::http::{Request, Uri};
use tracing::Span;

/// Query parameters whose values are credentials.
const SECRET_PARAMETERS: &[&str] = &["session", "session_token", "token", "api_key", "key"];

pub fn request_span<B>(request: &Request<B>) -> Span {
    let request_id = request
        .headers()
        .get(super::request_id::REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    tracing::debug_span!(
        "request",
        request_id,
        method = %request.method(),
        uri = %redacted_uri(request.uri()),
        version = ?request.version(),
    )
}

/// The path and query of `uri`, the values of [`SECRET_PARAMETERS`] replaced by `[redacted]`.
pub fn redacted_uri(uri: &Uri) -> String {
    let Some(query) = uri.query() else {
        return uri.path().to_owned();
    };
    let parameters: Vec<String> = query
        .split('&')
        .map(|parameter| match parameter.split_once('=') {
            Some((name, _)) if is_secret(name) => format!("{name}=[redacted]"),
            _ => parameter.to_owned(),
        })
        .collect();
    format!("{}?{}", uri.path(), parameters.join("&"))
}

fn is_secret(name: &str) -> bool {
    let decoded = percent_encoding::percent_decode_str(name).decode_utf8_lossy();
    SECRET_PARAMETERS
        .iter()
        .any(|secret| decoded.eq_ignore_ascii_case(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redacted(uri: &str) -> String {
        redacted_uri(&uri.parse().unwrap())
    }

    #[test]
    fn session_tokens_in_the_query_are_redacted_and_the_rest_kept() {
        assert_eq!(
            redacted("/widget/frame?session=wst_secret&origin=https%3A%2F%2Fa.example"),
            "/widget/frame?session=[redacted]&origin=https%3A%2F%2Fa.example"
        );
        assert_eq!(
            redacted("/api/widget/v1/cards/c_1/events?SESSION=wst_secret&last=3"),
            "/api/widget/v1/cards/c_1/events?SESSION=[redacted]&last=3"
        );
        assert_eq!(
            redacted("/x?%73ession=wst_secret"),
            "/x?%73ession=[redacted]"
        );
        assert_eq!(
            redacted("/api/vcc/v1/cards?page=2"),
            "/api/vcc/v1/cards?page=2"
        );
        assert_eq!(redacted("/healthz"), "/healthz");
    }
}
