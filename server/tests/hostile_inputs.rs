//! Hostile input over real HTTP, on SQLite and PostgreSQL alike: control characters and
//! bidirectional overrides in every kind of text input, numbers at the edge of i64, broken date-times,
//! oversized bodies, unknown routes and methods. Every answer is the dialect's own error shape,
//! never a 5xx or a dropped connection, and a refused request has written nothing.

mod support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use server::store::Database;
use support::{
    balances::wallet, http_client, money_invariants::assert_money_invariants, TestServer,
};

on_every_backend!(
    control_characters_in_dialect_a_inputs_are_refused_before_any_write,
    control_characters_in_dialect_b_inputs_are_refused_before_any_write,
    pages_far_beyond_the_last_answer_an_empty_page,
    a_broken_date_time_is_a_422_not_a_dropped_connection,
    framework_errors_answer_in_each_dialects_shape,
    the_bearer_scheme_is_case_insensitive,
    what_the_fuzzer_found_is_refused_or_accepted_as_documented,
);

const CARDS_A: &str = "/api/vcc/v1/cards";
const ADD_B: &str = "/api/v1/cards/card/add";

/// A dialect A refusal: HTTP 400, code 1001, `success` false, and a message naming the input.
fn assert_a_invalid((status, body): (u16, Value), mentions: &str) {
    assert_eq!((status, body["code"].clone()), (400, json!(1001)), "{body}");
    assert_eq!(body["success"], false);
    let msg = body["msg"].as_str().unwrap();
    assert!(msg.contains(mentions), "{msg} should mention {mentions}");
}

/// A dialect B refusal: HTTP 422 with one `detail` entry at `loc`.
fn assert_b_invalid((status, body): (u16, Value), loc: Value) {
    assert_eq!(status, 422, "{body}");
    let locs: Vec<&Value> = body["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| &item["loc"])
        .collect();
    assert!(locs.contains(&&loc), "{loc} not in {body}");
}

async fn active_card_a(server: &TestServer, key: &str, order_no: &str) -> String {
    let body = json!({
        "cardHolder": {"firstName": "Milton", "lastName": "Schmitt"},
        "deposit": "1000", "vid": "vab_069af8a792ad", "orderNo": order_no,
        "callbackUrl": "http://127.0.0.1:9/hook",
    });
    let (_, created) = server
        .call(key, "POST", CARDS_A, Some(&body.to_string()))
        .await;
    let card_id = created["model"]["card"]["cardId"]
        .as_str()
        .unwrap()
        .to_owned();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, card) = server
            .call(key, "GET", &format!("{CARDS_A}/{card_id}"), None)
            .await;
        if card["model"]["card"]["status"] == "ACTIVE" {
            return card_id;
        }
        assert!(Instant::now() < deadline, "not active: {card}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn control_characters_in_dialect_a_inputs_are_refused_before_any_write(db: &Database) {
    let server = TestServer::start(db).await;
    let (merchant, key) = server.merchant(100_000).await;
    let card = active_card_a(&server, &key, "clean-1").await;
    let before = wallet(db, &merchant).await;

    // In the path and the query: the raw NUL as %00.
    assert_a_invalid(
        server
            .call(&key, "GET", &format!("{CARDS_A}/{card}%00"), None)
            .await,
        "path",
    );
    assert_a_invalid(
        server
            .call(&key, "GET", &format!("{CARDS_A}?orderNo=clean-1%00"), None)
            .await,
        "orderNo",
    );
    assert_a_invalid(
        server
            .call(
                &key,
                "GET",
                "/api/vcc/v1/kyc?email=a%00%40example.com",
                None,
            )
            .await,
        "email",
    );

    // In bodies: NUL, another C0 control, and a right-to-left override.
    let create = |customer_id: &str, email: &str| {
        json!({
            "cardHolder": {"firstName": "Milton", "lastName": "Schmitt"},
            "deposit": "1000", "vid": "vab_069af8a792ad", "orderNo": "hostile-1",
            "callbackUrl": "http://127.0.0.1:9/hook", "customerId": customer_id, "email": email,
        })
        .to_string()
    };
    for (customer_id, email, field) in [
        ("cust\u{0}1", "a@example.com", "customerId"),
        ("cust-1", "a\u{0}@example.com", "email"),
        ("cust\u{7}1", "a@example.com", "customerId"),
        ("cust\u{202e}1", "a@example.com", "customerId"),
    ] {
        assert_a_invalid(
            server
                .call(&key, "POST", CARDS_A, Some(&create(customer_id, email)))
                .await,
            field,
        );
    }
    let recharge = json!({"amount": "1000", "orderNo": "r-1", "note": "x\u{0}"}).to_string();
    assert_a_invalid(
        server
            .call(
                &key,
                "POST",
                &format!("{CARDS_A}/{card}/recharge"),
                Some(&recharge),
            )
            .await,
        "note",
    );
    let shared = json!({"email": "k@example.com", "customerId": "k\u{0}", "provider": "sumsub", "reference": "ref-1"});
    assert_a_invalid(
        server
            .call(
                &key,
                "POST",
                "/api/vcc/v1/kyc/shared",
                Some(&shared.to_string()),
            )
            .await,
        "customerId",
    );
    let shared = json!({"email": "k@example.com", "provider": "sum\u{0}sub", "reference": "ref-1"});
    assert_a_invalid(
        server
            .call(
                &key,
                "POST",
                "/api/vcc/v1/kyc/shared",
                Some(&shared.to_string()),
            )
            .await,
        "provider",
    );

    assert_eq!(wallet(db, &merchant).await, before, "nothing moved");
    let (_, list) = server
        .call(&key, "GET", &format!("{CARDS_A}?page=1&pageSize=100"), None)
        .await;
    assert_eq!(list["model"]["total"], 1, "no card was created: {list}");
    assert_money_invariants(db).await;
}

async fn control_characters_in_dialect_b_inputs_are_refused_before_any_write(db: &Database) {
    let server = TestServer::start(db).await;
    let (merchant, key) = server.merchant(100_000).await;
    let card = active_card_a(&server, &key, "clean-1").await;
    let before = wallet(db, &merchant).await;

    assert_b_invalid(
        server
            .call(&key, "GET", &format!("/api/v1/cards/card/{card}%00"), None)
            .await,
        json!(["path"]),
    );
    assert_b_invalid(
        server
            .call(
                &key,
                "GET",
                "/api/v1/cards/card/list?email=a%00%40example.com",
                None,
            )
            .await,
        json!(["query", "email"]),
    );
    for (field, value) in [
        ("nick_name", "ads\u{0}"),
        ("nick_name", "ads\u{202e}txt.exe"),
        ("email", "a\u{0}@example.com"),
        ("external_user_id", "u\u{1b}[31m"),
    ] {
        let mut body = json!({"email": "b@example.com", "limit_all_time": 10});
        body[field] = json!(value);
        assert_b_invalid(
            server
                .call(&key, "POST", ADD_B, Some(&body.to_string()))
                .await,
            json!(["body", field]),
        );
    }
    let too_long = json!({"email": "b@example.com", "nick_name": "n".repeat(65)});
    assert_b_invalid(
        server
            .call(&key, "POST", ADD_B, Some(&too_long.to_string()))
            .await,
        json!(["body", "nick_name"]),
    );
    let settings = json!({"nick_name": "x\u{0}"}).to_string();
    assert_b_invalid(
        server
            .call(
                &key,
                "PATCH",
                &format!("/api/v1/cards/card/{card}/settings"),
                Some(&settings),
            )
            .await,
        json!(["body", "nick_name"]),
    );
    let purchase = json!({"amount": 1, "currency": "USD", "merchant_name": "Shop\u{0}", "merchant_category": "5734"});
    assert_b_invalid(
        server
            .call(
                &key,
                "POST",
                &format!("/api/v1/cards/card/{card}/authorizations"),
                Some(&purchase.to_string()),
            )
            .await,
        json!(["body", "merchant_name"]),
    );

    assert_eq!(wallet(db, &merchant).await, before, "nothing moved");
    let (_, list) = server
        .call(&key, "GET", "/api/v1/cards/card/list?page=1&size=100", None)
        .await;
    assert_eq!(list["total"], 1, "no card was created: {list}");
    let (_, settings) = server
        .call(&key, "GET", &format!("/api/v1/cards/card/{card}"), None)
        .await;
    assert_eq!(settings["nick_name"], Value::Null);
    assert_money_invariants(db).await;
}

async fn pages_far_beyond_the_last_answer_an_empty_page(db: &Database) {
    let server = TestServer::start(db).await;
    let (_, key) = server.merchant(100_000).await;
    active_card_a(&server, &key, "page-1").await;
    let huge = i64::MAX;
    let (status, a) = server
        .call(
            &key,
            "GET",
            &format!("{CARDS_A}?page={huge}&pageSize=100"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["model"]["list"], json!([]));
    assert_eq!(a["model"]["total"], 1);
    let (status, b) = server
        .call(
            &key,
            "GET",
            &format!("/api/v1/cards/card/list?page={huge}&size=100"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{b}");
    assert_eq!(b["items"], json!([]));
    assert_eq!(b["total"], 1);
}

async fn a_broken_date_time_is_a_422_not_a_dropped_connection(db: &Database) {
    let server = TestServer::start(db).await;
    let (_, key) = server.merchant(100_000).await;
    let card = active_card_a(&server, &key, "date-1").await;
    let path = format!("/api/v1/cards/card/{card}/settings");
    for broken in [
        "2026-11-25T06:19:03.aaé",
        "2026-11-25T06:19:03.é",
        "99999999999999-01-01T00:00:00Z",
        "2026-02-30T00:00:00Z",
        "2026-11-25T25:00:00Z",
        "ééé",
    ] {
        let body = json!({ "active_from": broken }).to_string();
        assert_b_invalid(
            server.call(&key, "PATCH", &path, Some(&body)).await,
            json!(["body", "active_from"]),
        );
    }
    // What a real parser reads: fractions of any length, offsets, a bare date.
    for (good, shown) in [
        ("2026-11-25T06:19:03Z", "2026-11-25T06:19:03Z"),
        ("2026-11-25T06:19:03.123456Z", "2026-11-25T06:19:03Z"),
        ("2026-11-25T08:19:03+02:00", "2026-11-25T06:19:03Z"),
        ("2026-11-25T06:19:03", "2026-11-25T06:19:03Z"),
        ("2026-11-25", "2026-11-25T00:00:00Z"),
    ] {
        let body = json!({ "active_from": good }).to_string();
        let (status, card) = server.call(&key, "PATCH", &path, Some(&body)).await;
        assert_eq!(status, 200, "{good}: {card}");
        assert_eq!(card["settings"]["active_from"], shown, "{good}");
    }
}

async fn framework_errors_answer_in_each_dialects_shape(db: &Database) {
    let server = TestServer::start(db).await;
    let (_, key) = server.merchant(100_000).await;

    // An unknown route under each dialect.
    let (status, a) = server
        .call(&key, "GET", "/api/vcc/v1/nothing-here", None)
        .await;
    assert_eq!((status, a["success"].clone()), (404, json!(false)), "{a}");
    assert!(a["code"].is_i64() && a["traceId"].is_i64(), "{a}");
    for path in ["/api/v1/nothing-here", "/api/nothing-here"] {
        let (status, b) = server.call(&key, "GET", path, None).await;
        assert_eq!(status, 404, "{b}");
        assert_eq!(b["detail"][0]["type"], "not_found");
    }

    // A method the route does not have.
    let (status, a) = server.call(&key, "PUT", CARDS_A, Some("{}")).await;
    assert_eq!((status, a["success"].clone()), (405, json!(false)), "{a}");
    let (status, b) = server.call(&key, "PUT", ADD_B, Some("{}")).await;
    assert_eq!(status, 405, "{b}");
    assert_eq!(b["detail"][0]["type"], "method_not_allowed");

    // A body over the limit.
    let big = format!("{{\"pad\": \"{}\"}}", "x".repeat(3 * 1024 * 1024));
    let (status, a) = server.call(&key, "POST", CARDS_A, Some(&big)).await;
    assert_eq!((status, a["success"].clone()), (413, json!(false)), "{a}");
    let (status, b) = server.call(&key, "POST", ADD_B, Some(&big)).await;
    assert_eq!(status, 413, "{b}");
    assert_eq!(b["detail"][0]["type"], "payload_too_large");

    // A path segment that is not UTF-8, and a query of the wrong type.
    let (status, a) = server
        .call(&key, "GET", &format!("{CARDS_A}/%FF"), None)
        .await;
    assert_eq!((status, a["success"].clone()), (400, json!(false)), "{a}");
    let (status, a) = server
        .call(&key, "GET", &format!("{CARDS_A}?page=first"), None)
        .await;
    assert_eq!((status, a["code"].clone()), (400, json!(1001)), "{a}");
    let (status, b) = server
        .call(&key, "GET", "/api/v1/cards/card/list?page=first", None)
        .await;
    assert_eq!(status, 422, "{b}");

    // A body that is not JSON, whatever its content type says.
    let request = format!(
        "POST {ADD_B} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"
    );
    let response = http_client::send(server.addr, &request).await;
    assert_eq!(response.status, 422, "{}", response.body);
    assert_eq!(response.json()["detail"][0]["type"], "json_invalid");
}

async fn the_bearer_scheme_is_case_insensitive(db: &Database) {
    let server = TestServer::start(db).await;
    let (_, key) = server.merchant(100_000).await;
    for scheme in ["bearer", "BEARER", "Bearer"] {
        for path in ["/api/vcc/v1/card-ranges", "/api/v1/cards/bins"] {
            let request = format!(
                "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: {scheme} {key}\r\n\r\n"
            );
            let response = http_client::send(server.addr, &request).await;
            assert_eq!(
                response.status, 200,
                "{scheme} on {path}: {}",
                response.body
            );
        }
    }
}

/// Findings of the API fuzzer (scripts/fuzz-api.sh), each against what the OpenAPI document says.
async fn what_the_fuzzer_found_is_refused_or_accepted_as_documented(db: &Database) {
    let server = TestServer::start(db).await;
    let (_, key) = server.merchant(1_000_000).await;

    // A property name is text too: a control character in one is refused, in both dialects.
    let body = json!({
        "cardHolder": {"firstName": "Milton", "lastName": "Schmitt"}, "deposit": "1000",
        "vid": "vab_069af8a792ad", "orderNo": "fz-1", "callbackUrl": "http://127.0.0.1:9/hook",
        "note\u{84}": "",
    });
    let (status, answer) = server
        .call(&key, "POST", CARDS_A, Some(&body.to_string()))
        .await;
    assert_eq!(
        (status, answer["code"].clone()),
        (400, json!(1001)),
        "{answer}"
    );
    let body = json!({"email": "fz@example.com", "x\u{84}": ""});
    let (status, answer) = server
        .call(&key, "POST", ADD_B, Some(&body.to_string()))
        .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["detail"][0]["loc"], json!(["body", "x\u{84}"]));

    // A whole number written with a fraction of zero is a whole number (JSON Schema's integer).
    let body = json!({
        "cardHolder": {"firstName": "Milton", "lastName": "Schmitt"}, "deposit": 1000.0,
        "vid": "vab_069af8a792ad", "orderNo": "fz-2", "callbackUrl": "http://127.0.0.1:9/hook",
    });
    let (status, answer) = server
        .call(&key, "POST", CARDS_A, Some(&body.to_string()))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["model"]["card"]["deposit"], 1000);
    let session = json!({"allowed_origins": ["https://shop.example"], "max_cards": 2.0});
    let (status, answer) = server
        .call(
            &key,
            "POST",
            "/api/widget/v1/sessions",
            Some(&session.to_string()),
        )
        .await;
    assert_eq!(
        (status, answer["max_cards"].clone()),
        (201, json!(2)),
        "{answer}"
    );

    // A required list given as null is refused, not read as "no origins at all".
    let session = json!({"allowed_origins": null});
    let (status, answer) = server
        .call(
            &key,
            "POST",
            "/api/widget/v1/sessions",
            Some(&session.to_string()),
        )
        .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(
        answer["detail"][0]["loc"],
        json!(["body", "allowed_origins"])
    );

    // A list filter that is not an email is refused, not answered with an empty page.
    let (status, answer) = server
        .call(&key, "GET", "/api/v1/cards/card/list?email=null", None)
        .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["detail"][0]["loc"], json!(["query", "email"]));

    // `currency` has a default; an explicit null is refused as pydantic refuses it.
    let (_, card) = server
        .call(&key, "POST", ADD_B, Some(r#"{"email": "fz3@example.com"}"#))
        .await;
    let card_id = card["card_id"].as_str().unwrap();
    let purchase = r#"{"amount": 1, "merchant_name": "Shop", "currency": null}"#;
    let path = format!("/api/v1/cards/card/{card_id}/authorizations");
    let (status, answer) = server.call(&key, "POST", &path, Some(purchase)).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["detail"][0]["loc"], json!(["body", "currency"]));
}
