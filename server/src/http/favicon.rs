//! `/favicon.ico`, which every browser asks for: Cardkit's icon (a card), not the pages' HTML 404.
//! An SVG, served at the path browsers try first; cached for a day.

use axum::{
    http::header,
    response::{IntoResponse, Response},
};

const ICON: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="2" y="7" width="28" height="18" rx="3" fill="#2b59c3"/><rect x="2" y="11" width="28" height="3" fill="#0f1f45"/><rect x="6" y="18" width="9" height="3" rx="1" fill="#ffffff"/></svg>"##;

pub async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        ICON,
    )
        .into_response()
}
