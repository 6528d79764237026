//! Headers every response gets unless its handler set its own: browsers must not guess content
//! types, pages leak no full URLs to other sites and cannot be framed (the widget's frame sets its
//! own `frame-ancestors` from its session), pages are not kept by shared caches, and no API answer — the widget's reveal among them,
//! which carries a PAN and CVC — is ever stored by a browser or a proxy.

use axum::{
    extract::Request,
    http::{header, HeaderMap, HeaderName, HeaderValue},
    middleware::Next,
    response::Response,
};

/// The pages' policy: no framing, no `<base>` rewriting, no plugins. Scripts stay as the Leptos
/// shell writes them (nonce'd inline hydration), so no `script-src` here.
const PAGE_POLICY: &str = "frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

pub async fn security_headers(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    set_if_absent(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_if_absent(
        headers,
        header::REFERRER_POLICY,
        "strict-origin-when-cross-origin",
    );
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if is_html {
        // Pages are rendered per request (a fresh script nonce, often the signed-in user's
        // data): a browser asks again each time, and no shared cache keeps one.
        set_if_absent(headers, header::CACHE_CONTROL, "private, no-cache");
    }
    if is_html && !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        set_if_absent(headers, header::CONTENT_SECURITY_POLICY, PAGE_POLICY);
        set_if_absent(headers, header::X_FRAME_OPTIONS, "DENY");
    }
    if is_api {
        set_if_absent(headers, header::CACHE_CONTROL, "no-store");
    }
    response
}

fn set_if_absent(headers: &mut HeaderMap, name: HeaderName, value: &'static str) {
    if !headers.contains_key(&name) {
        headers.insert(name, HeaderValue::from_static(value));
    }
}
