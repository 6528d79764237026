//! `GET /widget/frame`: the widget page partner sites frame. Who may frame it comes from the
//! session: its allowed origins, and nobody for a token Cardkit does not know.

use std::sync::Arc;

use app::{
    api::widget::{start, WidgetStart},
    domain::widget_boot::WidgetBoot,
    ports::SharedWidgetAccess,
    widget_shell, FrameOpening,
};
use axum::{
    body::Body,
    extract::{RawQuery, State},
    http::{header, HeaderValue, Request},
    response::Response,
};

use crate::http::{port_context::port_context, AppState};

pub async fn frame(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    request: Request<Body>,
) -> Response {
    let boot = WidgetBoot::from_query(query.as_deref().unwrap_or_default());
    // One read of the session serves both the framing policy and the page. An expired session
    // is still framed by its own partners, so the page can say it expired.
    let session = state.widget_sessions.session(&boot.session).await;
    let ancestors = match &session {
        // 'self': the console's widget builder previews a session on Cardkit's own origin.
        Ok(Some(session)) => format!("'self' {}", session.allowed_origins.join(" ")),
        Ok(None) | Err(_) => "'none'".to_owned(),
    };
    let mut opening = FrameOpening::Unavailable;
    let started = match session.and_then(|session| state.widget_sessions.grant(session)) {
        Ok(grant) => {
            let expires_in_ms = state.widget_sessions.expires_in_ms(&grant);
            opening = FrameOpening::Open { expires_in_ms };
            let access: SharedWidgetAccess = Arc::new(state.widget_sessions.clone());
            start(
                &access,
                &state.issuing,
                grant,
                boot.parent_origin.as_deref(),
            )
            .await
        }
        Err(denied) => Err(denied),
    };
    if let Err(denied) = &started {
        opening = FrameOpening::denied(denied);
    }
    let started: WidgetStart = started.map_err(|denied| denied.to_string());
    let options = state.leptos_options.clone();
    let bundle = state.widget_bundle.clone();
    let render = leptos_axum::render_app_to_stream_with_context(port_context(&state), move || {
        widget_shell(
            options.clone(),
            &bundle,
            boot.clone(),
            started.clone(),
            opening,
        )
    });
    let mut response = render(request).await;
    let headers = response.headers_mut();
    let policy = format!("frame-ancestors {ancestors}; base-uri 'none'; object-src 'none'");
    // Origins were normalised when the session was minted; anything else cannot get here.
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
