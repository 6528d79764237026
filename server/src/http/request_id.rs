//! A request id on every request: the caller's own `x-request-id` when it is a sane one (so an
//! integrator's id follows the request), a new `req_…` otherwise. It is in the request's log span
//! and in the answer's `x-request-id` header, so a support request and a log line meet.

use axum::{
    extract::Request,
    http::{HeaderName, HeaderValue},
    middleware::Next,
    response::Response,
};

use crate::secrets::random;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Kept from the caller: 1 to 64 characters a log line can carry as they are.
fn is_sane(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

pub async fn request_id(mut request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|id| is_sane(id))
        .map(str::to_owned);
    let id = given.unwrap_or_else(|| random::id("req_"));
    // Letters, digits and `-_.:` only: always a valid header value.
    let value = HeaderValue::from_str(&id).expect("a sane id is a header value");
    request.headers_mut().insert(REQUEST_ID, value.clone());
    let mut response = next.run(request).await;
    response.headers_mut().insert(REQUEST_ID, value);
    response
}

#[cfg(test)]
mod tests {
    use super::is_sane;

    #[test]
    fn only_plain_short_ids_are_kept() {
        assert!(is_sane("checkout-42.attempt_1"));
        assert!(is_sane("req_0123456789abcdef"));
        for odd in ["", "a b", "<script>", "é", &"x".repeat(65)] {
            assert!(!is_sane(odd), "{odd:?}");
        }
    }
}
