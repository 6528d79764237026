//! The OpenAPI 3.1 document of both dialects, served at `GET /api/openapi.json`. It is generated
//! from the handlers' own `#[utoipa::path]` descriptions and the response types' derived schemas,
//! and the routes are registered from those same descriptions, so document and API cannot differ.

use std::sync::Arc;

use axum::{extract::State, routing::get, Json, Router};
use serde_json::{json, Value};
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
    // Named only by a query parameter's `value_type`, which utoipa does not collect on its own.
    components(schemas(dialect_b::schemas::CardStatusCode)),
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

/// The errors any operation may answer besides its own, documented on every operation in its
/// dialect's shape, so a generated client knows each status it can meet: a body over the limit
/// (413), a request too slow to arrive (408), a rate limit (429, with `Retry-After`), a missing or
/// wrong key (401), a read-only key signing a write (403), an unknown id in the path (404), an
/// internal error (500, with a reference that is in the server log), and an unreachable database
/// (503, with `Retry-After`).
struct EveryErrorStatus;

impl Modify for EveryErrorStatus {
    fn modify(&self, document: &mut Document) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        for (path, item) in document.paths.paths.iter_mut() {
            let schema = if path.starts_with("/api/vcc/") {
                "DialectAEnvelope"
            } else {
                "ErrorBody"
            };
            let statuses: &[(&str, &str)] = &[
                ("401", "Missing or invalid API key"),
                ("404", "Not found (or another merchant's)"),
                ("408", "The request took too long to arrive"),
                ("413", "The request body is over 2 MiB"),
                (
                    "429",
                    "Over the rate limit; `Retry-After` says when to try again",
                ),
                (
                    "500",
                    "Internal error; the message carries a reference in the server log",
                ),
                (
                    "503",
                    "The database cannot be reached right now; `Retry-After` says when to try again",
                ),
            ];
            let read_only_refusal: &[(&str, &str)] = &[(
                "403",
                "The API key is read-only: it may sign GET requests only",
            )];
            let operations = [
                (&mut item.get, false),
                (&mut item.post, true),
                (&mut item.put, true),
                (&mut item.patch, true),
                (&mut item.delete, true),
            ];
            for (operation, writes) in operations {
                let Some(operation) = operation else {
                    continue;
                };
                let refusals = if writes { read_only_refusal } else { &[] };
                for (status, description) in statuses.iter().chain(refusals) {
                    if *status == "404" && !path.contains('{') {
                        continue;
                    }
                    let content = ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name(schema)))
                        .build();
                    let response = ResponseBuilder::new()
                        .description(*description)
                        .content("application/json", content)
                        .build();
                    operation
                        .responses
                        .responses
                        .entry((*status).to_owned())
                        .or_insert_with(|| response.into());
                }
            }
        }
    }
}

/// What the server refuses in every text input (control and bidirectional formatting characters,
/// `app::domain::plain_text`), as a JSON Schema pattern.
const PLAIN_TEXT: &str =
    "^[^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$";
/// Ids in paths: card, authorization and session ids are letters, digits, `_` and `-`.
const PATH_ID: &str = "^[A-Za-z0-9_-]{1,64}$";
/// An idempotency key, written like an orderNo.
const KEY: &str = "^[A-Za-z0-9_.:-]{1,64}$";

/// Rules that hold for every operation, written into the document once it is generated: a path
/// id's pattern, and on every request schema the plain-text pattern for strings that do not say
/// more already and for property names (the server refuses control characters anywhere in a body).
fn declare_common_constraints(document: &mut Value) {
    let mut request_schemas = Vec::new();
    if let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for operation in item.values_mut() {
                if let Some(body) = operation.get_mut("requestBody") {
                    collect_refs(body, &mut request_schemas);
                    plain_text_strings(body);
                }
                let parameters = operation
                    .get_mut("parameters")
                    .and_then(Value::as_array_mut);
                for parameter in parameters.into_iter().flatten() {
                    if parameter["in"] == "path" {
                        parameter["schema"] = json!({ "type": "string", "pattern": PATH_ID });
                    } else if parameter["name"] == "Idempotency-Key" {
                        // Kept like an orderNo (the recharge key of dialect A).
                        parameter["schema"] = json!({ "type": "string", "pattern": KEY });
                    } else if let Some(schema) = parameter.get_mut("schema") {
                        plain_text_strings(schema);
                    }
                }
            }
        }
    }
    let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    // Request schemas and the schemas they use, transitively.
    let mut next = 0;
    while next < request_schemas.len() {
        if let Some(schema) = schemas.get(&request_schemas[next]) {
            let mut found = Vec::new();
            collect_refs(&mut schema.clone(), &mut found);
            for name in found {
                if !request_schemas.contains(&name) {
                    request_schemas.push(name);
                }
            }
        }
        next += 1;
    }
    for name in &request_schemas {
        if let Some(schema) = schemas.get_mut(name) {
            plain_text_strings(schema);
        }
    }
    schemas.insert(
        "PlainJson".to_owned(),
        json!({
            "description": "Any JSON whose strings and property names are plain text",
            "anyOf": [
                { "type": ["null", "boolean", "number"] },
                { "type": "string", "pattern": PLAIN_TEXT },
                { "type": "array", "items": { "$ref": "#/components/schemas/PlainJson" } },
                {
                    "type": "object",
                    "propertyNames": { "pattern": PLAIN_TEXT },
                    "additionalProperties": { "$ref": "#/components/schemas/PlainJson" },
                },
            ],
        }),
    );
}

/// Dialect A's cardholder address is all or nothing (state aside), written as "either every
/// part that is required, or none of the parts" (`anyOf`/`not`/`required`, which generators and
/// validators of every JSON Schema draft understand; utoipa's derive cannot write it).
fn declare_holder_address_rule(document: &mut Value) {
    const PARTS: [&str; 5] = ["street", "city", "state", "country", "zipCode"];
    if let Some(holder) = document.pointer_mut("/components/schemas/CardHolder") {
        let any_part: Vec<Value> = PARTS
            .iter()
            .map(|part| json!({ "required": [part] }))
            .collect();
        holder["anyOf"] = json!([
            { "required": ["street", "city", "country", "zipCode"] },
            { "not": { "anyOf": any_part } },
        ]);
    }
}

/// The names of the component schemas `value` refers to.
fn collect_refs(value: &mut Value, names: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            if let Some(Value::String(target)) = object.get("$ref") {
                if let Some(name) = target.strip_prefix("#/components/schemas/") {
                    names.push(name.to_owned());
                }
            }
            object
                .values_mut()
                .for_each(|inner| collect_refs(inner, names));
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|inner| collect_refs(inner, names)),
        _ => {}
    }
}

/// Adds the plain-text pattern to every string schema inside `schema` that has no pattern, format
/// or enum of its own, and to the property names of every object schema.
fn plain_text_strings(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            let is_string = match object.get("type") {
                Some(Value::String(kind)) => kind == "string",
                Some(Value::Array(kinds)) => kinds.iter().any(|kind| kind == "string"),
                _ => false,
            };
            let constrained = ["pattern", "format", "enum", "const"]
                .iter()
                .any(|key| object.contains_key(*key));
            if is_string && !constrained {
                object.insert("pattern".to_owned(), Value::from(PLAIN_TEXT));
            }
            if object.contains_key("properties") {
                // Properties the operation does not read are ignored, but still checked: their
                // names and every string in them must be plain text too.
                object.insert("propertyNames".to_owned(), json!({ "pattern": PLAIN_TEXT }));
                object.insert(
                    "additionalProperties".to_owned(),
                    json!({ "$ref": "#/components/schemas/PlainJson" }),
                );
            }
            object.values_mut().for_each(plain_text_strings);
        }
        Value::Array(items) => items.iter_mut().for_each(plain_text_strings),
        _ => {}
    }
}

/// Both dialects' routes, and the document describing exactly them.
pub fn api_routes() -> (Router<AppState>, Arc<Document>) {
    let (router, mut document) = OpenApiRouter::with_openapi(CardkitApi::openapi())
        .merge(dialect_a::routes())
        .merge(dialect_b::routes())
        .merge(widget::api_routes())
        .split_for_parts();
    // Once the operations are in: it adds to each of them.
    EveryErrorStatus.modify(&mut document);
    let mut served = serde_json::to_value(&document).unwrap_or_default();
    declare_common_constraints(&mut served);
    declare_holder_address_rule(&mut served);
    let served = Arc::new(served);
    let router = router.route(
        DOCUMENT_PATH,
        get(move |State(_): State<AppState>| {
            let document = served.clone();
            async move { Json(document.as_ref().clone()) }
        }),
    );
    (router, Arc::new(document))
}
