//! Dialect B over real HTTP, on SQLite and PostgreSQL: the seed's defaults, the exact 422 output
//! for a battery of bad bodies, cents conversion at the edges, the authorization simulation, and
//! cross-dialect consistency (a card made by either dialect is the same card through both).

mod support;

use app::domain::ids::CardId;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use server::store::Database;
use support::{http_client, TestServer};

const ADD: &str = "/api/v1/cards/card/add";

async fn add(server: &TestServer, key: &str, body: Value) -> (u16, Value) {
    server.call(key, "POST", ADD, Some(&body.to_string())).await
}

/// Polls the card (dialect B) until its status is `wanted`.
async fn wait_for(server: &TestServer, key: &str, card_id: &str, wanted: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, card) = server
            .call(key, "GET", &format!("/api/v1/cards/card/{card_id}"), None)
            .await;
        if card["status"] == wanted {
            return card;
        }
        assert!(Instant::now() < deadline, "card {card_id} stuck: {card}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

on_every_backend!(
    a_card_with_only_an_email_gets_every_default_of_the_seed,
    bad_bodies_get_every_problem_in_fastapis_shape,
    amounts_convert_to_cents_exactly_or_are_refused,
    auth_and_not_found_answer_in_the_same_shape,
    purchases_are_authorized_captured_and_seen_by_both_dialects,
    a_dialect_a_card_is_the_same_card_in_dialect_b,
    settings_change_limits_and_the_ceiling_follows_top_ups,
    cards_are_listed_by_page_and_filtered_by_status_and_user,
    refusals_say_what_happened,
    explicit_nulls_are_refused_as_pydantic_refuses_them,
);

/// An explicit `null` for a field that is not Optional is a 422 entry for that field; for an
/// Optional one it means "not given", and a rule that requires the field still applies.
async fn explicit_nulls_are_refused_as_pydantic_refuses_them(db: &Database) {
    let server = TestServer::start(db).await;
    let (_, key) = server.merchant(100_000).await;
    for (body, loc, kind) in [
        (
            json!({"email": "n@example.com", "limit_all_time": null}),
            "limit_all_time",
            "decimal_type",
        ),
        (
            json!({"email": null, "limit_all_time": 10}),
            "email",
            "string_type",
        ),
        (
            json!({"email": "n@example.com", "bin": null}),
            "bin",
            "string_type",
        ),
        (
            json!({"email": "n@example.com", "is_autolimit": null}),
            "is_autolimit",
            "bool_type",
        ),
        (
            json!({"email": "n@example.com", "limit_all_time": 10, "is_autolimit": false, "limit_per_transaction": null}),
            "limit_per_transaction",
            "missing",
        ),
    ] {
        let (status, error) = add(&server, &key, body.clone()).await;
        assert_eq!(status, 422, "{body}: {error}");
        let detail = error["detail"].as_array().unwrap();
        assert_eq!(detail.len(), 1, "{body}: {error}");
        assert_eq!(detail[0]["loc"], json!(["body", loc]), "{body}");
        assert_eq!(detail[0]["type"], kind, "{body}");
    }
    let (_, list) = server
        .call(&key, "GET", "/api/v1/cards/card/list", None)
        .await;
    assert_eq!(list["total"], 0, "nothing was created: {list}");

    let optional = json!({"email": "n@example.com", "limit_all_time": 10, "nick_name": null,
                          "limit_per_transaction": null, "external_user_id": null});
    let (status, card) = add(&server, &key, optional).await;
    assert_eq!(status, 200, "{card}");
    assert_eq!(card["nick_name"], Value::Null);
}

/// A withdrawal beyond the card's free balance talks about the card (not the wallet and a
/// deposit); a hugely negative amount breaks the lower bound (it is not "not a finite number").
async fn refusals_say_what_happened(db: &Database) {
    let server = TestServer::start(db).await;
    let (_, key) = server.merchant(100_000).await;
    let (status, card) = add(
        &server,
        &key,
        json!({"email": "m@example.com", "limit_all_time": 10}),
    )
    .await;
    assert_eq!(status, 200, "{card}");
    let card_id = card["card_id"].as_str().unwrap().to_owned();
    wait_for(&server, &key, &card_id, "ACTIVE").await;

    let (status, error) = server
        .call(
            &key,
            "POST",
            &format!("/api/v1/cards/card/{card_id}/withdraw"),
            Some(r#"{"amount": 50}"#),
        )
        .await;
    assert_eq!(status, 409, "{error}");
    let msg = error["detail"][0]["msg"].as_str().unwrap();
    assert!(
        msg.contains("on the card") && msg.contains("withdrawal"),
        "{msg}"
    );
    assert!(!msg.contains("wallet") && !msg.contains("deposit"), "{msg}");
    assert_eq!(error["detail"][0]["loc"], json!(["body", "amount"]));

    for amount in ["-1e30", "-99999999999999999999999", "-5"] {
        let (status, error) = server
            .call(
                &key,
                "POST",
                &format!("/api/v1/cards/card/{card_id}/topup"),
                Some(&format!(r#"{{"amount": {amount}}}"#)),
            )
            .await;
        assert_eq!(status, 422, "{error}");
        assert_eq!(
            error["detail"][0]["type"], "greater_than_equal",
            "{amount}: {error}"
        );
        assert_eq!(
            error["detail"][0]["msg"], "Input should be greater than or equal to 5",
            "{amount}"
        );
    }
}

async fn a_card_with_only_an_email_gets_every_default_of_the_seed(db: &Database) {
    let server = TestServer::start(db).await;
    let (_, key) = server.merchant(100_000).await;
    let (status, card) = add(&server, &key, json!({"email": "buyer@example.com"})).await;
    assert_eq!(status, 200, "{card}");
    for field in [
        "cardholder_id",
        "card_id",
        "created_at",
        "closed_at",
        "mask_number",
        "nick_name",
        "status",
        "brand",
        "settings",
        "bin",
        "balance",
        "is_autolimit",
        "is_withdrawable",
        "is_tokenizable",
        "user",
    ] {
        assert!(card.get(field).is_some(), "{field} missing: {card}");
    }
    assert_eq!(card["brand"], "VISA");
    assert_eq!(card["bin"]["code"], "472593");
    assert_eq!(card["bin"]["vendor"], "airwallex");
    assert_eq!(card["is_autolimit"], true);
    assert_eq!(
        card["settings"]["limits"],
        json!([{"interval": "PER_TRANSACTION", "amount": 1000}, {"interval": "DAILY", "amount": 5000}])
    );
    // limit_all_time defaults to 25 USD, which funds the card; autolimit sets the ceiling to it.
    let balance = &card["balance"];
    assert_eq!(balance["limit"], 25);
    assert_eq!(balance["available"], 25);
    assert_eq!(balance["opening_balance"], 25);
    assert_eq!(balance["limit_per_transaction"], 25);
    for zero in [
        "used",
        "topup_balance",
        "pending_balance",
        "fees_balance",
        "incoming_balance",
        "withdrawal_balance",
    ] {
        assert_eq!(balance[zero], 0, "{zero}");
    }
    assert_eq!(card["user"]["email"], "buyer@example.com");
    assert_eq!(card["user"]["role"], "buyer");
    for key in ["first_name", "middle_name", "last_name", "id", "company"] {
        assert!(card["user"]["account"].get(key).is_some(), "account.{key}");
    }
    let card_id = card["card_id"].as_str().unwrap();
    let active = wait_for(&server, &key, card_id, "ACTIVE").await;
    assert!(active["mask_number"]
        .as_str()
        .unwrap()
        .starts_with("472593"));
    // The first month's fee (1.00) came off at activation.
    assert_eq!(active["balance"]["fees_balance"], 1);
    assert_eq!(active["balance"]["available"], 24);
}

async fn bad_bodies_get_every_problem_in_fastapis_shape(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (_, key) = server.merchant(100_000).await;
    let cases: Vec<(&str, Value)> = vec![
        (
            "{}",
            json!([{"loc": ["body", "email"], "msg": "Field required", "type": "missing"}]),
        ),
        (
            "[1, 2]",
            json!([{"loc": ["body"], "msg": "Input should be a valid dictionary or object to extract fields from", "type": "model_attributes_type"}]),
        ),
        (
            r#"{"email": "a@b.co", "bin": 472593, "nick_name": 7, "limit_all_time": 25.001,
               "limit_per_transaction": -1, "is_autolimit": "sometimes", "api_users_chain": ["x", 2]}"#,
            json!([
                {"loc": ["body", "bin"], "msg": "Input should be a valid string", "type": "string_type"},
                {"loc": ["body", "nick_name"], "msg": "Input should be a valid string", "type": "string_type"},
                {"loc": ["body", "limit_all_time"], "msg": "Decimal input should have no more than 2 decimal places", "type": "decimal_max_places"},
                {"loc": ["body", "limit_per_transaction"], "msg": "Input should be greater than 0", "type": "greater_than"},
                {"loc": ["body", "is_autolimit"], "msg": "Input should be a valid boolean", "type": "bool_type"},
                {"loc": ["body", "api_users_chain", 1], "msg": "Input should be a valid string", "type": "string_type"},
            ]),
        ),
        (
            r#"{"email": "a@b.co", "limit_all_time": 20, "limit_per_transaction": 20.01}"#,
            json!([{"loc": ["body", "limit_per_transaction"], "msg": "Value error, limit_per_transaction may not exceed limit_all_time", "type": "value_error"}]),
        ),
        (
            r#"{"email": "a@b.co", "is_autolimit": false}"#,
            json!([{"loc": ["body", "limit_per_transaction"], "msg": "Field required when is_autolimit is false", "type": "missing"}]),
        ),
        (
            r#"{"email": "a@b.co", "bin": "999999"}"#,
            json!([{"loc": ["body", "bin"], "msg": "Value error, unknown BIN \"999999\"; available: 472593, 531993", "type": "value_error"}]),
        ),
        (
            r#"{"email": "a@b.co", "limit_all_time": 4.99}"#,
            json!([{"loc": ["body", "limit_all_time"], "msg": "Input should be greater than or equal to 5", "type": "greater_than_equal"}]),
        ),
        (
            r#"{"email": "a@b.co", "limit_all_time": "5000.01"}"#,
            json!([{"loc": ["body", "limit_all_time"], "msg": "Input should be less than or equal to 5000", "type": "less_than_equal"}]),
        ),
        (
            r#"{"email": "a@b.co", "limit_all_time": "lots"}"#,
            json!([{"loc": ["body", "limit_all_time"], "msg": "Input should be a valid decimal", "type": "decimal_parsing"}]),
        ),
    ];
    for (body, expected) in cases {
        let (status, answer) = server.call(&key, "POST", ADD, Some(body)).await;
        assert_eq!(status, 422, "{body}: {answer}");
        assert_eq!(answer, json!({"detail": expected}), "{body}");
    }
    // Malformed JSON: one json_invalid entry at the character position where parsing failed.
    let (status, answer) = server.call(&key, "POST", ADD, Some(r#"{"email": "#)).await;
    assert_eq!(status, 422);
    let detail = &answer["detail"][0];
    assert_eq!(
        (detail["loc"][0].clone(), detail["type"].clone()),
        (json!("body"), json!("json_invalid")),
        "{answer}"
    );
    assert_eq!(detail["loc"][1], 10, "{answer}");
    // An invalid email is named, and nothing was created by any of these.
    let (status, answer) = add(&server, &key, json!({"email": "not-an-email"})).await;
    assert_eq!(
        (status, answer["detail"][0]["type"].clone()),
        (422, json!("value_error"))
    );
    let (_, list) = server
        .call(&key, "GET", "/api/v1/cards/card/list", None)
        .await;
    assert_eq!(list["total"], 0);
}

async fn amounts_convert_to_cents_exactly_or_are_refused(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, key) = server.merchant(1_000_000).await;
    for (written, cents) in [
        ("5", 500),
        ("12.34", 1234),
        ("0.1e2", 1000),
        ("\"19.9\"", 1990),
        ("5000", 500_000),
    ] {
        let body = format!(
            r#"{{"email": "kyc@example.com", "limit_all_time": {written}, "is_autolimit": true}}"#
        );
        let (status, card) = server.call(&key, "POST", ADD, Some(&body)).await;
        if cents > 100_000 {
            // Above 1000 USD the seed's KYC rule applies to the user.
            assert_eq!(status, 403, "{card}");
            assert_eq!(card["detail"][0]["type"], "kyc_required");
            continue;
        }
        assert_eq!(status, 200, "{written}: {card}");
        let card_id = card["card_id"].as_str().unwrap();
        let view = db
            .card(&merchant, &CardId::new(card_id.to_owned()))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(view.deposit.0, cents, "{written}");
    }
}

async fn auth_and_not_found_answer_in_the_same_shape(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (_, key) = server.merchant(100_000).await;
    let (_, other_key) = server.merchant(100_000).await;
    let response = http_client::request(server.addr, "POST", ADD, None, Some("{}")).await;
    assert_eq!(response.status, 401);
    assert_eq!(
        response.json()["detail"][0]["loc"],
        json!(["header", "Authorization"])
    );
    let (status, card) = add(&server, &key, json!({"email": "mine@example.com"})).await;
    assert_eq!(status, 200);
    let path = format!("/api/v1/cards/card/{}", card["card_id"].as_str().unwrap());
    let (status, answer) = server.call(&other_key, "GET", &path, None).await;
    assert_eq!(status, 404);
    assert_eq!(
        answer,
        json!({"detail": [{"loc": ["path", "card_id"], "msg": "Card not found", "type": "not_found"}]})
    );
}

async fn purchases_are_authorized_captured_and_seen_by_both_dialects(db: &Database) {
    let server = TestServer::start(db).await;
    let (_, key) = server.merchant(100_000).await;
    let (_, card) = add(
        &server,
        &key,
        json!({"email": "ads@example.com", "bin": "531993", "limit_all_time": 100}),
    )
    .await;
    let card_id = card["card_id"].as_str().unwrap().to_owned();
    wait_for(&server, &key, &card_id, "ACTIVE").await;
    let authorize = |body: Value| {
        let path = format!("/api/v1/cards/card/{card_id}/authorizations");
        let server = &server;
        let key = key.clone();
        async move {
            server
                .call(&key, "POST", &path, Some(&body.to_string()))
                .await
        }
    };
    // This BIN pays advertising platforms only.
    let (status, declined) = authorize(json!({"amount": 10, "merchant_name": "Grocer"})).await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            declined["approved"].clone(),
            declined["decline_reason"].clone()
        ),
        (json!(false), json!("MERCHANT_NOT_ALLOWED"))
    );
    // 100 deposit less the 1.50 first-month fee: 98.50 available; a cent more is declined.
    let (_, too_much) = authorize(json!({"amount": 98.51, "merchant_name": "Facebook"})).await;
    assert_eq!(
        too_much["decline_reason"], "INSUFFICIENT_FUNDS",
        "{too_much}"
    );
    // The ceiling (the balance at creation, 100) declines above it, whatever the funds.
    let (_, over_ceiling) = authorize(json!({"amount": 100.01, "merchant_name": "Facebook"})).await;
    assert_eq!(
        over_ceiling["decline_reason"], "EXCEEDS_LIMIT_PER_TRANSACTION",
        "{over_ceiling}"
    );
    let (_, approved) = authorize(
        json!({"amount": 40.25, "merchant_name": "facebook", "merchant_category": "7311"}),
    )
    .await;
    assert_eq!(
        (approved["approved"].clone(), approved["status"].clone()),
        (json!(true), json!("PENDING")),
        "{approved}"
    );
    let (_, card) = server
        .call(&key, "GET", &format!("/api/v1/cards/card/{card_id}"), None)
        .await;
    assert_eq!(card["balance"]["pending_balance"], 40.25);

    let capture = format!(
        "/api/v1/cards/authorizations/{}/capture",
        approved["id"].as_str().unwrap()
    );
    let (status, captured) = server.call(&key, "POST", &capture, None).await;
    assert_eq!(
        (status, captured["status"].clone()),
        (200, json!("CAPTURED"))
    );
    let (status, again) = server.call(&key, "POST", &capture, None).await;
    assert_eq!(status, 409, "{again}");

    // Dialect B's balance and dialect A's consume/balance tell the same story.
    let (_, card) = server
        .call(&key, "GET", &format!("/api/v1/cards/card/{card_id}"), None)
        .await;
    assert_eq!(card["balance"]["used"], 40.25);
    assert_eq!(card["balance"]["pending_balance"], 0);
    assert_eq!(card["balance"]["available"], 58.25);
    let a = http_client::request(
        server.addr,
        "GET",
        &format!("/api/vcc/v1/cards/{card_id}"),
        Some(&key),
        None,
    )
    .await
    .json();
    assert_eq!(a["model"]["card"]["consume"], 4025);
    assert_eq!(a["model"]["card"]["balance"], 5825);
    let (_, transactions) = server
        .call(
            &key,
            "GET",
            &format!("/api/v1/cards/card/{card_id}/transactions"),
            None,
        )
        .await;
    let kinds: Vec<&str> = transactions["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["card_deposit", "card_fee", "consumption"]);
    assert_eq!(transactions["authorizations"].as_array().unwrap().len(), 4);
}

async fn a_dialect_a_card_is_the_same_card_in_dialect_b(db: &Database) {
    let server = TestServer::start(db).await;
    let (_, key) = server.merchant(100_000).await;
    let body = json!({
        "cardHolder": {"firstName": "Milton", "lastName": "Schmitt"},
        "deposit": "1000", "vid": "vab_069af8a792ad", "orderNo": "x-dialect-1", "callbackUrl": "https://www.baidu.com",
    });
    let created = http_client::request(
        server.addr,
        "POST",
        "/api/vcc/v1/cards",
        Some(&key),
        Some(&body.to_string()),
    )
    .await
    .json();
    assert_eq!(created["success"], true, "{created}");
    let card_id = created["model"]["card"]["cardId"]
        .as_str()
        .unwrap()
        .to_owned();
    let card = wait_for(&server, &key, &card_id, "ACTIVE").await;
    assert_eq!(card["card_id"], card_id.as_str());
    assert_eq!(card["balance"]["opening_balance"], 10);
    assert_eq!(card["balance"]["available"], 9);
    // A top-up through B is a recharge for A.
    let (status, topped) = server
        .call(
            &key,
            "POST",
            &format!("/api/v1/cards/card/{card_id}/topup"),
            Some(r#"{"amount": 5.5}"#),
        )
        .await;
    assert_eq!(status, 200, "{topped}");
    assert_eq!(topped["balance"]["topup_balance"], 5.5);
    let a = http_client::request(
        server.addr,
        "GET",
        &format!("/api/vcc/v1/cards/{card_id}"),
        Some(&key),
        None,
    )
    .await
    .json();
    assert_eq!(a["model"]["card"]["deposit"], 1550);
    assert_eq!(a["model"]["card"]["balance"], 1450);
    // A withdrawal through B shows in both.
    let (status, withdrawn) = server
        .call(
            &key,
            "POST",
            &format!("/api/v1/cards/card/{card_id}/withdraw"),
            Some(r#"{"amount": 4.5}"#),
        )
        .await;
    assert_eq!(status, 200, "{withdrawn}");
    assert_eq!(withdrawn["balance"]["withdrawal_balance"], 4.5);
    assert_eq!(withdrawn["balance"]["available"], 10);
    let a = http_client::request(
        server.addr,
        "GET",
        &format!("/api/vcc/v1/cards/{card_id}"),
        Some(&key),
        None,
    )
    .await
    .json();
    assert_eq!(a["model"]["card"]["balance"], 1000);
    // Freeze through B, seen by A; close through B returns the rest.
    let (_, frozen) = server
        .call(
            &key,
            "POST",
            &format!("/api/v1/cards/card/{card_id}/freeze"),
            None,
        )
        .await;
    assert_eq!(frozen["status"], "FREEZE");
    let (_, closed) = server
        .call(
            &key,
            "POST",
            &format!("/api/v1/cards/card/{card_id}/close"),
            None,
        )
        .await;
    assert_eq!(closed["status"], "DELETED");
    assert!(closed["closed_at"].is_string());
}

async fn settings_change_limits_and_the_ceiling_follows_top_ups(db: &Database) {
    let server = TestServer::start(db).await;
    let (_, key) = server.merchant(100_000).await;
    let (_, card) = add(&server, &key, json!({"email": "s@example.com", "limit_all_time": 50, "limit_per_transaction": 20, "is_autolimit": false})).await;
    let card_id = card["card_id"].as_str().unwrap().to_owned();
    assert_eq!(card["balance"]["limit_per_transaction"], 20);
    wait_for(&server, &key, &card_id, "ACTIVE").await;
    let settings = format!("/api/v1/cards/card/{card_id}/settings");
    let (status, bad) = server.call(&key, "PATCH", &settings, Some(r#"{"limits": [{"interval": "HOURLY", "amount": 1}, {"interval": "DAILY"}], "active_from": "soon"}"#)).await;
    assert_eq!(status, 422);
    assert_eq!(bad["detail"].as_array().unwrap().len(), 3, "{bad}");
    assert_eq!(bad["detail"][0]["type"], "datetime_parsing", "{bad}");
    assert_eq!(
        bad["detail"][1]["loc"],
        json!(["body", "limits", 0, "interval"])
    );
    assert_eq!(
        bad["detail"][2]["loc"],
        json!(["body", "limits", 1, "amount"])
    );
    let (status, changed) = server.call(&key, "PATCH", &settings, Some(r#"{"nick_name": "fb ads", "limits": [{"interval": "WEEKLY", "amount": 30}], "allowed_currencies": ["usd"], "is_autolimit": true}"#)).await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["nick_name"], "fb ads");
    assert_eq!(
        changed["settings"]["limits"],
        json!([{"interval": "WEEKLY", "amount": 30}])
    );
    assert_eq!(changed["settings"]["allowed_currencies"], json!(["USD"]));
    // Autolimit on: the ceiling is the balance (50 less the 1.00 fee), and follows each top-up.
    assert_eq!(changed["balance"]["limit_per_transaction"], 49);
    let (_, topped) = server
        .call(
            &key,
            "POST",
            &format!("/api/v1/cards/card/{card_id}/topup"),
            Some(r#"{"amount": 10}"#),
        )
        .await;
    assert_eq!(topped["balance"]["limit_per_transaction"], 59);
    let (_, bins) = server.call(&key, "GET", "/api/v1/cards/bins", None).await;
    assert_eq!(bins.as_array().unwrap().len(), 2);
}

async fn cards_are_listed_by_page_and_filtered_by_status_and_user(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (_, key) = server.merchant(100_000).await;
    let mut ids = Vec::new();
    for email in ["a@example.com", "A@Example.com", "b@example.com"] {
        let (status, card) = add(&server, &key, json!({ "email": email })).await;
        assert_eq!(status, 200, "{card}");
        ids.push(card["card_id"].as_str().unwrap().to_owned());
    }
    let list = |query: &'static str| {
        let server = &server;
        let key = key.clone();
        async move {
            server
                .call(
                    &key,
                    "GET",
                    &format!("/api/v1/cards/card/list{query}"),
                    None,
                )
                .await
        }
    };
    let (_, all) = list("").await;
    assert_eq!(all["total"], 3);
    let (_, page) = list("?page=2&size=2").await;
    assert_eq!(
        (
            page["total"].clone(),
            page["items"].as_array().unwrap().len()
        ),
        (json!(3), 1)
    );
    // Newest first: the first card created is the last one listed.
    assert_eq!(page["items"][0]["card_id"], ids[0].as_str());
    let (_, mine) = list("?email=a@example.com").await;
    assert_eq!(mine["total"], 2, "emails are case-insensitive: {mine}");
    let (_, initial) = list("?status=INIT").await;
    assert_eq!(initial["total"], 3);
    let (_, active) = list("?status=ACTIVE").await;
    assert_eq!(active["total"], 0);
    let (status, bad) = list("?status=SLEEPING").await;
    assert_eq!(
        (status, bad["detail"][0]["type"].clone()),
        (422, json!("enum")),
        "{bad}"
    );
}
