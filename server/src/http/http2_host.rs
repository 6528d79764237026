//! HTTP/2 names the host in the `:authority` pseudo-header, which hyper puts in the request's URI,
//! and sends no `Host` header. Every same-origin check (the widget's frame calling its own server
//! functions and stream, the console's state-changing calls) compares `Origin` with `Host`, so an
//! HTTP/2 request without `Host` gets one here, from its authority: the checks then hold on both
//! protocols, and no check needs to know the difference.

use axum::{
    extract::Request,
    http::{header, HeaderValue},
    middleware::Next,
    response::Response,
};

pub async fn host_from_authority(mut request: Request, next: Next) -> Response {
    if !request.headers().contains_key(header::HOST) {
        let authority = request
            .uri()
            .authority()
            .and_then(|authority| HeaderValue::from_str(authority.as_str()).ok());
        if let Some(authority) = authority {
            request.headers_mut().insert(header::HOST, authority);
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, http::Version, routing::get, Router};
    use tower::ServiceExt;

    use super::*;

    async fn host_seen(request: Request) -> String {
        let app = Router::new()
            .route(
                "/",
                get(|request: Request| async move {
                    request
                        .headers()
                        .get(header::HOST)
                        .map(|host| host.to_str().unwrap().to_owned())
                        .unwrap_or_default()
                }),
            )
            .layer(axum::middleware::from_fn(host_from_authority));
        let response = app.oneshot(request).await.unwrap();
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        String::from_utf8(body.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn an_http2_request_gets_its_authority_as_host() {
        let request = Request::builder()
            .version(Version::HTTP_2)
            .uri("https://cards.example:8443/")
            .body(Body::empty())
            .unwrap();
        assert_eq!(host_seen(request).await, "cards.example:8443");
    }

    #[tokio::test]
    async fn a_host_header_is_kept_as_it_is() {
        let request = Request::builder()
            .uri("https://cards.example:8443/")
            .header(header::HOST, "other.example")
            .body(Body::empty())
            .unwrap();
        assert_eq!(host_seen(request).await, "other.example");
    }
}
