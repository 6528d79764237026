//! `GET /widget.js`: the loader partner pages include. Built into the binary, so the widget works
//! wherever the server runs, with or without the browser bundle's directory.

use std::sync::LazyLock;

use axum::{
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

use crate::http::entity_tag::{none_match_names, weak_tag};

const WIDGET_JS: &str = include_str!("../../../assets/widget.js");
const WIDGET_TYPES: &str = include_str!("../../../assets/widget.d.ts");
static WIDGET_JS_TAG: LazyLock<String> = LazyLock::new(|| weak_tag(WIDGET_JS.as_bytes()));

pub async fn widget_js(request: HeaderMap) -> Response {
    let tag = HeaderValue::from_str(&WIDGET_JS_TAG).expect("a tag is ASCII");
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/javascript; charset=utf-8"),
        ),
        // Short: partners pick up a new loader within minutes of a deploy, and a browser
        // holding this one revalidates it for a bodiless 304.
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        ),
        (header::ETAG, tag),
    ];
    let unchanged = request
        .get(header::IF_NONE_MATCH)
        .is_some_and(|value| none_match_names(value, &WIDGET_JS_TAG));
    if unchanged {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (headers, WIDGET_JS).into_response()
}

/// `GET /widget.d.ts`: the TypeScript types of `window.Cardkit` and its events, for partners who
/// type their pages.
pub async fn widget_types() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/typescript; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        WIDGET_TYPES,
    )
        .into_response()
}
