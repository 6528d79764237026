//! The OpenAPI 3.1 document of both dialects, served at `GET /api/openapi.json`. It is generated
//! from the handlers' own `#[utoipa::path]` descriptions and the response types' derived schemas,
//! and the routes are registered from those same descriptions, so document and API cannot differ.

use std::sync::Arc;

use axum::{extract::State, routing::get, Json, Router};
use utoipa::{
    openapi::{
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
        OpenApi as Document,
    },
    Modify, OpenApi,
};
use utoipa_axum::router::OpenApiRouter;

use super::{dialect_a, dialect_b, widget, AppState};

/// Where the document is served.
pub const DOCUMENT_PATH: &str = "/api/openapi.json";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Cardkit",
        description = "Virtual card issuing. Dialect A (`/api/vcc/v1`, the `{success, msg, code, model, traceId}` \
                       envelope, amounts in cents) and dialect B (`/api/v1/cards`, FastAPI-style errors, amounts in \
                       currency units) over one issuing core and one ledger: a card made through either is the same \
                       card through both. Authenticate with `Authorization: Bearer <merchant API key>`."
    ),
    modifiers(&BearerKey),
    tags(
        (name = "dialect A", description = "Vendor seed 000"),
        (name = "dialect B", description = "Vendor seed 003"),
        (name = "widget", description = "Sessions for the embeddable card widget (FastAPI-style errors, as dialect B)"),
    )
)]
struct CardkitApi;

struct BearerKey;

impl Modify for BearerKey {
    fn modify(&self, document: &mut Document) {
        let components = document.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A merchant API key"))
                    .build(),
            ),
        );
    }
}

/// Both dialects' routes, and the document describing exactly them.
pub fn api_routes() -> (Router<AppState>, Arc<Document>) {
    let (router, document) = OpenApiRouter::with_openapi(CardkitApi::openapi())
        .merge(dialect_a::routes())
        .merge(dialect_b::routes())
        .merge(widget::api_routes())
        .split_for_parts();
    let document = Arc::new(document);
    let served = document.clone();
    let router = router.route(
        DOCUMENT_PATH,
        get(move |State(_): State<AppState>| {
            let document = served.clone();
            async move { Json(document.as_ref().clone()) }
        }),
    );
    (router, document)
}
