//! Idempotency keys of money movements over real HTTP, on SQLite and PostgreSQL: dialect A's
//! recharge `orderNo` and dialect B's `Idempotency-Key` (top-up, withdraw). The same key with the
//! same request answers as the first time and moves nothing more; the same key with another card or
//! amount is a conflict in the dialect's own shape, and moves nothing.

mod support;

use std::time::{Duration, Instant};

use app::domain::Cents;
use serde_json::{json, Value};
use server::store::Database;
use support::{
    balances::wallet, http_client, money_invariants::assert_money_invariants, TestServer,
};

on_every_backend!(
    dialect_a_a_recharge_order_no_reused_differently_is_a_3004_conflict,
    dialect_b_an_idempotency_key_reused_differently_is_a_409_conflict,
);

/// Two ACTIVE cards of 10.00 each (9.00 after the first month's fee) through dialect A.
async fn two_active_cards(server: &TestServer, key: &str) -> [String; 2] {
    let mut ids = Vec::new();
    for order_no in ["idem-1", "idem-2"] {
        let body = json!({
            "cardHolder": {"firstName": "Milton", "lastName": "Schmitt"},
            "deposit": "1000", "vid": "vab_069af8a792ad", "orderNo": order_no,
            "callbackUrl": "http://127.0.0.1:9/hook",
        });
        let created = dialect_a(server, key, "POST", "/cards", Some(body)).await;
        assert_eq!(created["success"], true, "{created}");
        ids.push(
            created["model"]["card"]["cardId"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    for id in &ids {
        while dialect_a(server, key, "GET", &format!("/cards/{id}"), None).await["model"]["card"]
            ["status"]
            != "ACTIVE"
        {
            assert!(Instant::now() < deadline, "card {id} did not become ACTIVE");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    ids.try_into().unwrap()
}

async fn dialect_a(
    server: &TestServer,
    key: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Value {
    let body = body.map(|body| body.to_string());
    let response = http_client::request(
        server.addr,
        method,
        &format!("/api/vcc/v1{path}"),
        Some(key),
        body.as_deref(),
    )
    .await;
    let mut json = response.json();
    json["httpStatus"] = json!(response.status);
    json
}

async fn dialect_b(
    server: &TestServer,
    key: &str,
    path: &str,
    idempotency_key: &str,
    body: &str,
) -> (u16, Value) {
    let response = http_client::request_with_headers(
        server.addr,
        "POST",
        path,
        Some(key),
        Some(body),
        &[("Idempotency-Key", idempotency_key)],
    )
    .await;
    (response.status, response.json())
}

async fn dialect_a_a_recharge_order_no_reused_differently_is_a_3004_conflict(db: &Database) {
    let server = TestServer::start(db).await;
    let (merchant, key) = server.merchant(10_000).await;
    let [first, second] = two_active_cards(&server, &key).await;
    let recharge = |card: &str, amount: &str| {
        (
            format!("/cards/{card}/recharge"),
            json!({ "amount": amount, "orderNo": "r-1" }),
        )
    };

    let (path, body) = recharge(&first, "1000");
    let done = dialect_a(&server, &key, "POST", &path, Some(body.clone())).await;
    assert_eq!(done["model"]["card"]["balance"], 1900, "{done}");
    let again = dialect_a(&server, &key, "POST", &path, Some(body)).await;
    assert_eq!(
        (again["httpStatus"].clone(), again["code"].clone()),
        (json!(200), json!(0))
    );
    assert_eq!(again["model"]["card"]["balance"], 1900, "moved once");

    for (path, body) in [recharge(&first, "2000"), recharge(&second, "1000")] {
        let conflict = dialect_a(&server, &key, "POST", &path, Some(body)).await;
        assert_eq!(conflict["httpStatus"], 409, "{conflict}");
        assert_eq!(conflict["code"], 3004, "{conflict}");
        assert_eq!(conflict["success"], false);
        assert!(
            conflict["msg"].as_str().unwrap().contains("r-1"),
            "{conflict}"
        );
    }
    assert_eq!(wallet(db, &merchant).await, Cents(7_000));
    assert_money_invariants(db).await;
}

async fn dialect_b_an_idempotency_key_reused_differently_is_a_409_conflict(db: &Database) {
    let server = TestServer::start(db).await;
    let (merchant, key) = server.merchant(10_000).await;
    let [first, second] = two_active_cards(&server, &key).await;
    let topup = |card: &str| format!("/api/v1/cards/card/{card}/topup");
    let withdraw = |card: &str| format!("/api/v1/cards/card/{card}/withdraw");

    let (status, card) = dialect_b(&server, &key, &topup(&first), "k-1", r#"{"amount": 10}"#).await;
    assert_eq!(status, 200, "{card}");
    assert_eq!(card["balance"]["available"], 19);
    let (status, card) = dialect_b(&server, &key, &topup(&first), "k-1", r#"{"amount": 10}"#).await;
    assert_eq!(
        (status, card["balance"]["available"].clone()),
        (200, json!(19))
    );

    let conflicts = [
        (topup(&first), r#"{"amount": 11}"#),
        (topup(&second), r#"{"amount": 10}"#),
    ];
    for (path, body) in conflicts {
        let (status, error) = dialect_b(&server, &key, &path, "k-1", body).await;
        assert_eq!(status, 409, "{error}");
        assert_eq!(
            error["detail"][0]["loc"],
            json!(["header", "Idempotency-Key"])
        );
        assert_eq!(error["detail"][0]["type"], "conflict");
        assert_eq!(
            error["detail"][0]["msg"],
            "Idempotency-Key k-1 was already used for a different request"
        );
    }

    // Withdrawals have their own keys: k-1 is free for one, and then bound to it.
    let (status, card) =
        dialect_b(&server, &key, &withdraw(&first), "k-1", r#"{"amount": 5}"#).await;
    assert_eq!(
        (status, card["balance"]["available"].clone()),
        (200, json!(14))
    );
    let (status, error) =
        dialect_b(&server, &key, &withdraw(&second), "k-1", r#"{"amount": 5}"#).await;
    assert_eq!(status, 409, "{error}");
    assert_eq!(error["detail"][0]["type"], "conflict");

    assert_eq!(wallet(db, &merchant).await, Cents(7_500));
    assert_money_invariants(db).await;
}
