//! Rate limits at the HTTP edge. Every request gets its client address (the peer, or the
//! configured proxy header) as a [`ClientAddress`] extension, for the widget's own limits. A REST
//! API request is then counted against its API key when the key is valid, and against its
//! client address when it has none or a wrong one (so failed authentication is limited too);
//! over the limit it answers 429 in the dialect's shape, with `Retry-After`.

use std::net::IpAddr;

use app::ports::ClientAddress;
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode},
    middleware::Next,
    response::Response,
};

use super::{
    api_errors::Dialect, api_key_cache::KeyOwner, bearer::bearer_token, connection_limit::PeerAddr,
    AppState,
};
use crate::{rate_limits::Throttled, store::hash_token};

pub async fn throttle(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<PeerAddr>>()
        .map(|info| info.0 .0.ip());
    let address = client_address(
        peer,
        request.headers(),
        state.client_address_header.as_ref(),
    );
    if let Some(address) = address {
        request.extensions_mut().insert(ClientAddress(address));
    }
    let Some(dialect) = Dialect::of(request.uri().path()) else {
        return next.run(request).await;
    };
    let by_address = || match address {
        Some(address) => state.rate_limits.check_address(address),
        // Served without connection info (an in-process router): nothing to count by.
        None => Ok(()),
    };
    let verdict = match bearer_token(request.headers()) {
        Some(token) => match state.api_keys.grant_for_token(token).await {
            Ok(Some(grant)) => {
                let verdict = state.rate_limits.check_key(&hash_token(token));
                request.extensions_mut().insert(KeyOwner(grant));
                verdict
            }
            Ok(None) => by_address(),
            // The handler meets the same store failure and answers it in the dialect's shape.
            Err(_) => Ok(()),
        },
        None => by_address(),
    };
    match verdict {
        Ok(()) => next.run(request).await,
        Err(throttled) => too_many_requests(dialect, throttled),
    }
}

/// Behind a proxy the peer is the proxy: with `header` configured (e.g. `X-Forwarded-For`), the
/// client is the last address in it, the one the proxy itself wrote; earlier entries came from
/// the client and prove nothing.
fn client_address(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    header: Option<&HeaderName>,
) -> Option<IpAddr> {
    let Some(header) = header else {
        return peer;
    };
    headers
        .get_all(header)
        .iter()
        .next_back()
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.rsplit(',').next())
        .and_then(|last| last.trim().parse().ok())
        .or(peer)
}

fn too_many_requests(dialect: Dialect, throttled: Throttled) -> Response {
    let secs = throttled.retry_after_secs();
    let message = format!("Too many requests: try again in {secs} seconds");
    let mut response = dialect.error(
        StatusCode::TOO_MANY_REQUESTS,
        &["header", "Authorization"],
        &message,
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_the_peer_unless_a_proxy_header_is_configured() {
        let peer = Some(IpAddr::from([10, 0, 0, 1]));
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("203.0.113.9, 198.51.100.7"),
        );
        assert_eq!(client_address(peer, &headers, None), peer);
        let forwarded = HeaderName::from_static("x-forwarded-for");
        assert_eq!(
            client_address(peer, &headers, Some(&forwarded)),
            Some(IpAddr::from([198, 51, 100, 7])),
            "the entry the proxy wrote, not the one the client sent"
        );
        let missing = HeaderName::from_static("x-real-ip");
        assert_eq!(client_address(peer, &headers, Some(&missing)), peer);
    }
}
