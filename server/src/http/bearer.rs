//! The API key of a request, from `Authorization: Bearer <key>`. The scheme is matched without
//! regard to case (RFC 9110 §11.1: auth schemes are case-insensitive), so `bearer <key>` works.

use axum::http::{header::AUTHORIZATION, HeaderMap};

/// The token after the `Bearer` scheme, trimmed; `None` when missing, another scheme, or empty.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let header = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = header.trim_start().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn token(header: &str) -> Option<String> {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_str(header).unwrap());
        bearer_token(&headers).map(str::to_owned)
    }

    #[test]
    fn the_scheme_is_case_insensitive_and_the_token_trimmed() {
        for header in ["Bearer ck_1", "bearer ck_1", "BEARER  ck_1 ", "bEaReR ck_1"] {
            assert_eq!(token(header).as_deref(), Some("ck_1"), "{header}");
        }
    }

    #[test]
    fn other_schemes_and_empty_tokens_are_no_token() {
        for header in ["Basic ck_1", "Bearer", "Bearer   ", "Bearerck_1", "ck_1"] {
            assert_eq!(token(header), None, "{header}");
        }
    }
}
