//! `GET /widget/theme?theme=…&accent=…&radius=…`: a theme the partner changes on a live widget
//! (`handle.update(…)` in widget.js), as the framed page applies it: the colour scheme and the
//! `style` of `<body>`, computed by the same rules as the page's first render, so a new accent
//! gets its readable text colour here too. Malformed values are ignored, as on first render.

use app::domain::widget_boot::WidgetBoot;
use axum::{extract::RawQuery, Json};
use serde::Serialize;

#[derive(Serialize)]
pub struct AppliedTheme {
    scheme: &'static str,
    style: String,
}

pub async fn theme(RawQuery(query): RawQuery) -> Json<AppliedTheme> {
    let boot = WidgetBoot::from_query(query.as_deref().unwrap_or_default());
    Json(AppliedTheme {
        scheme: boot.theme.scheme_name(),
        style: boot.theme.css_variables(),
    })
}
