//! `GET /widget.js`: the loader partner pages include. Built into the binary, so the widget works
//! wherever the server runs, with or without the browser bundle's directory.

use axum::{
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};

const WIDGET_JS: &str = include_str!("../../../assets/widget.js");

pub async fn widget_js() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            // Short: partners pick up a new loader within minutes of a deploy.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        WIDGET_JS,
    )
        .into_response()
}
