//! The OpenAPI document: served at a stable URL, OpenAPI 3.1, listing every route of both dialects
//! and nothing else, with request bodies whose every property the handler really reads.

mod support;

use serde_json::{json, Value};
use server::store::Database;
use support::{http_client, TestServer};

on_every_backend!(the_document_describes_exactly_the_api);

async fn the_document_describes_exactly_the_api(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (_, key) = server.merchant(100_000).await;
    let response = http_client::get(server.addr, "/api/openapi.json").await;
    assert_eq!(response.status, 200);
    let document = response.json();
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let paths = document["paths"].as_object().unwrap();
    for expected in [
        "/api/vcc/v1/cards",
        "/api/v1/cards/card/add",
        "/api/v1/cards/card/{card_id}/authorizations",
        "/api/widget/v1/sessions",
    ] {
        assert!(paths.contains_key(expected), "{expected} missing");
    }
    // Bodies are checked against a real card: some handlers look the card up first.
    let created = http_client::request(
        server.addr,
        "POST",
        "/api/v1/cards/card/add",
        Some(&key),
        Some(r#"{"email": "doc@example.com"}"#),
    )
    .await
    .json();
    let card_id = created["card_id"].as_str().unwrap().to_owned();
    let mut operations = 0;
    for (path, methods) in paths {
        let concrete = path
            .replace("{card_id}", "c_unknown")
            .replace("{authorization_id}", "auth_unknown");
        for (method, operation) in methods.as_object().unwrap() {
            operations += 1;
            let method = method.to_uppercase();
            // Each documented operation is routed: it answers in its dialect's JSON, never with
            // the router's 404/405.
            let answer =
                http_client::request(server.addr, &method, &concrete, Some(&key), Some("{}")).await;
            assert!(answer.status != 405, "{method} {path}: {}", answer.status);
            let body: Value = serde_json::from_str(&answer.body).unwrap_or_else(|_| {
                panic!(
                    "{method} {path} is not routed: {} {}",
                    answer.status, answer.body
                )
            });
            assert!(
                body.get("detail").is_some()
                    || body.get("success").is_some()
                    || answer.status == 200,
                "{method} {path}: {body}"
            );
            // The router's own "no such route" now comes in the dialect's shape too: dialect A
            // code 4040, dialect B `not_found` at `["path"]` (a missing card is at
            // `["path", "card_id"]`).
            let unrouted = body["code"] == 4040
                || (body["detail"][0]["type"] == "not_found"
                    && body["detail"][0]["loc"] == json!(["path"]));
            assert!(!unrouted, "{method} {path} is not routed: {body}");

            // Every property of the documented body is read by the handler: given a value of the
            // wrong type, the answer names it.
            let Some(reference) =
                operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()
            else {
                continue;
            };
            let name = reference.rsplit('/').next().unwrap();
            let concrete = path.replace("{card_id}", &card_id);
            let schema = &document["components"]["schemas"][name];
            for property in schema["properties"].as_object().unwrap().keys() {
                let body = json!({ property.clone(): {"not": "valid"} }).to_string();
                let answer =
                    http_client::request(server.addr, &method, &concrete, Some(&key), Some(&body))
                        .await;
                let text = answer.body.clone();
                let named = text.contains(&format!("\"{property}\""))
                    || text.contains(&format!("{property}:"))
                    || text.contains(&format!("{property}."));
                assert!(
                    named,
                    "{method} {path}: property {property} of {name} is not read: {text}"
                );
            }
        }
    }
    assert_eq!(
        operations, 31,
        "15 operations per dialect, and the widget's session API"
    );
    the_document_describes_every_answer(&document);
}

/// What generated clients rely on: the error shapes as they are, and every status documented.
fn the_document_describes_every_answer(document: &Value) {
    let schemas = &document["components"]["schemas"];
    let loc_item = &schemas["LocItem"];
    let kinds: Vec<&Value> = loc_item["oneOf"]
        .as_array()
        .unwrap_or_else(|| panic!("LocItem: {loc_item}"))
        .iter()
        .map(|kind| &kind["type"])
        .collect();
    assert_eq!(kinds, [&json!("string"), &json!("integer")], "{loc_item}");
    assert_eq!(
        schemas["ErrorItem"]["properties"]["loc"]["items"]["$ref"],
        "#/components/schemas/LocItem"
    );
    let model = &schemas["DialectAEnvelope"]["properties"]["model"]["oneOf"];
    let kinds: Vec<&Value> = model
        .as_array()
        .unwrap()
        .iter()
        .map(|k| &k["type"])
        .collect();
    assert_eq!(
        kinds,
        [&json!("object"), &json!("array"), &json!("null")],
        "{model}"
    );

    let mut references = Vec::new();
    collect_references(document, &mut references);
    for reference in references {
        let target = reference.strip_prefix('#').expect("only local references");
        assert!(
            document.pointer(target).is_some(),
            "{reference} does not resolve: a client generator (and the fuzzer) skips what uses it"
        );
    }

    for (path, methods) in document["paths"].as_object().unwrap() {
        for (method, operation) in methods.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            for status in ["401", "408", "413", "429", "500"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} does not document {status}"
                );
            }
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                if parameter["in"] == "path" {
                    assert!(
                        parameter["schema"]["pattern"].is_string(),
                        "{method} {path}: {parameter}"
                    );
                }
            }
        }
    }
}

fn collect_references<'a>(value: &'a Value, into: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                into.push(reference);
            }
            map.values().for_each(|v| collect_references(v, into));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_references(v, into)),
        _ => {}
    }
}
