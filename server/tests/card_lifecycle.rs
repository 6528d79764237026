//! Dialect A's life of a card after activation, and the KYC interfaces, on SQLite and PostgreSQL.

mod support;

use app::domain::ids::CardId;
use std::time::{Duration, Instant};

use app::domain::{ledger::LedgerState, Cents};
use serde_json::{json, Value};
use server::store::Database;
use support::{balances::wallet, http_client, TestServer};

async fn call(
    server: &TestServer,
    key: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> http_client::Response {
    let body = body.map(|body| body.to_string());
    http_client::request(
        server.addr,
        method,
        &format!("/api/vcc/v1{path}"),
        Some(key),
        body.as_deref(),
    )
    .await
}

fn code(response: &http_client::Response) -> i64 {
    response.json()["code"].as_i64().unwrap()
}

/// Creates a card and waits until it is ACTIVE; returns its id.
async fn active_card(
    server: &TestServer,
    key: &str,
    order_no: &str,
    deposit: &str,
    email: Option<&str>,
) -> String {
    let mut body = json!({
        "cardHolder": { "firstName": "Milton", "lastName": "Schmitt" },
        "deposit": deposit, "vid": "vab_069af8a792ad", "orderNo": order_no,
        "callbackUrl": "https://example.com/hook"
    });
    if let Some(email) = email {
        body["email"] = json!(email);
    }
    let created = call(server, key, "POST", "/cards", Some(body)).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let card_id = created.json()["model"]["card"]["cardId"]
        .as_str()
        .unwrap()
        .to_owned();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let card = call(server, key, "GET", &format!("/cards/{card_id}"), None)
            .await
            .json();
        if card["model"]["card"]["status"] == "ACTIVE" {
            return card_id;
        }
        assert!(Instant::now() < deadline, "not active: {card}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

on_every_backend!(
    freeze_unfreeze_and_delete_follow_the_transition_table,
    recharges_are_bounded_idempotent_and_only_for_active_cards,
    ach_kyc_unlocks_large_deposits_and_rejections_do_not,
    shared_kyc_approves_at_once,
);

async fn freeze_unfreeze_and_delete_follow_the_transition_table(db: &Database) {
    let server = TestServer::start(db).await;
    let (merchant, key) = server.merchant(10_000).await;
    let card = active_card(&server, &key, "life-1", "3000", None).await;
    assert_eq!(wallet(db, &merchant).await, Cents(7_000));

    let unfreeze_active = call(
        &server,
        &key,
        "POST",
        &format!("/cards/{card}/unfreeze"),
        None,
    )
    .await;
    assert_eq!(
        (unfreeze_active.status, code(&unfreeze_active)),
        (409, 4009)
    );

    let frozen = call(
        &server,
        &key,
        "POST",
        &format!("/cards/{card}/freeze"),
        None,
    )
    .await
    .json();
    assert_eq!(frozen["model"]["card"]["status"], "FREEZE");
    assert_eq!(frozen["model"]["card"]["statusText"], "Frozen");
    let again = call(
        &server,
        &key,
        "POST",
        &format!("/cards/{card}/freeze"),
        None,
    )
    .await;
    assert_eq!(code(&again), 4009, "FREEZE → FREEZE is not in the table");
    let thawed = call(
        &server,
        &key,
        "POST",
        &format!("/cards/{card}/unfreeze"),
        None,
    )
    .await
    .json();
    assert_eq!(thawed["model"]["card"]["status"], "ACTIVE");

    let deleted = call(&server, &key, "DELETE", &format!("/cards/{card}"), None)
        .await
        .json();
    assert_eq!(deleted["model"]["card"]["status"], "DELETED");
    assert_eq!(deleted["model"]["card"]["balance"], 0);
    // The first month's fee (plan ONE of this range: 100 cents) was charged at activation.
    assert_eq!(deleted["model"]["card"]["fees"], 100);
    assert_eq!(deleted["model"]["card"]["refunded"], 2900);
    assert_eq!(
        wallet(db, &merchant).await,
        Cents(9_900),
        "the remaining balance went back"
    );
    for action in ["freeze", "unfreeze"] {
        assert_eq!(
            code(
                &call(
                    &server,
                    &key,
                    "POST",
                    &format!("/cards/{card}/{action}"),
                    None
                )
                .await
            ),
            4009
        );
    }
    assert_eq!(
        code(&call(&server, &key, "DELETE", &format!("/cards/{card}"), None).await),
        4009
    );

    let statement = call(
        &server,
        &key,
        "GET",
        &format!("/cards/{card}/transactions"),
        None,
    )
    .await
    .json();
    let lines: Vec<(String, i64)> = statement["model"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| {
            (
                line["type"].as_str().unwrap().to_owned(),
                line["amount"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("CARD_DEPOSIT".to_owned(), 3000),
            ("CARD_FEE".to_owned(), -100),
            ("CARD_CLOSURE".to_owned(), -2900)
        ]
    );

    let view = db
        .card(&merchant, &CardId::new(card.to_owned()))
        .await
        .unwrap()
        .unwrap();
    let statuses: Vec<&str> = view
        .events
        .iter()
        .map(|event| event.status.code())
        .collect();
    assert_eq!(
        &statuses[statuses.len() - 5..],
        ["ACTIVE", "FREEZE", "ACTIVE", "CANCELLING", "DELETED"],
        "every status change is on the timeline"
    );
    LedgerState::replay(&db.journal().await.unwrap()).expect("ledger invariants");
}

async fn recharges_are_bounded_idempotent_and_only_for_active_cards(db: &Database) {
    let server = TestServer::start(db).await;
    let (merchant, key) = server.merchant(20_000).await;
    let card = active_card(&server, &key, "topup-card", "1000", None).await;
    let path = format!("/cards/{card}/recharge");

    let topped = call(
        &server,
        &key,
        "POST",
        &path,
        Some(json!({ "amount": "2500", "orderNo": "t-1" })),
    )
    .await
    .json();
    // Deposit 1000 + top-up 2500, less the first month's fee of 100 charged at activation.
    assert_eq!(topped["model"]["card"]["balance"], 3400);
    assert_eq!(topped["model"]["card"]["deposit"], 3500);
    assert_eq!(topped["model"]["card"]["fees"], 100);
    let repeated = call(
        &server,
        &key,
        "POST",
        &path,
        Some(json!({ "amount": "2500", "orderNo": "t-1" })),
    )
    .await
    .json();
    assert_eq!(
        repeated["model"]["card"]["balance"], 3400,
        "the same orderNo tops up once"
    );
    assert_eq!(wallet(db, &merchant).await, Cents(16_500));

    let too_small = call(
        &server,
        &key,
        "POST",
        &path,
        Some(json!({ "amount": "499", "orderNo": "t-2" })),
    )
    .await;
    assert_eq!((too_small.status, code(&too_small)), (400, 1001));
    let missing = call(&server, &key, "POST", &path, Some(json!({}))).await;
    assert_eq!(missing.json()["msg"], "amount: is required (cents, e.g. \"1000\" for $10.00); orderNo: is required: it makes the recharge happen once");
    let too_big = call(
        &server,
        &key,
        "POST",
        &path,
        Some(json!({ "amount": "100001", "orderNo": "t-3" })),
    )
    .await;
    assert_eq!(
        (too_big.status, code(&too_big)),
        (403, 3003),
        "above 1000 USD needs KYC"
    );
    let broke = call(
        &server,
        &key,
        "POST",
        &path,
        Some(json!({ "amount": 20_000, "orderNo": "t-4" })),
    )
    .await;
    assert_eq!((broke.status, code(&broke)), (409, 3002));

    call(
        &server,
        &key,
        "POST",
        &format!("/cards/{card}/freeze"),
        None,
    )
    .await;
    let frozen = call(
        &server,
        &key,
        "POST",
        &path,
        Some(json!({ "amount": "600", "orderNo": "t-5" })),
    )
    .await;
    assert_eq!((frozen.status, code(&frozen)), (409, 4009));
    assert_eq!(wallet(db, &merchant).await, Cents(16_500));
    LedgerState::replay(&db.journal().await.unwrap()).expect("ledger invariants");
}

async fn ach_kyc_unlocks_large_deposits_and_rejections_do_not(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (_, key) = server.merchant(1_000_000).await;
    let identity = |email: &str, last_name: &str| json!({ "email": email, "firstName": "Ann", "lastName": last_name, "dateOfBirth": "1990-04-01", "country": "US" });
    let big_card = |order: &str, email: &str| {
        json!({
            "cardHolder": { "firstName": "Ann", "lastName": "Lee" }, "deposit": "150000",
            "vid": "vab_069af8a792ad", "orderNo": order, "callbackUrl": "https://example.com/h", "email": email
        })
    };

    let submitted = call(
        &server,
        &key,
        "POST",
        "/kyc/ach",
        Some(identity("ann@example.com", "Lee")),
    )
    .await
    .json();
    assert_eq!(submitted["model"]["kycStatus"], "PENDING");
    // The verifier (no delay in tests) has decided by the next read.
    let status = call(&server, &key, "GET", "/kyc?email=ANN@example.com", None)
        .await
        .json();
    assert_eq!(status["model"]["kycStatus"], "APPROVED");
    let card = call(
        &server,
        &key,
        "POST",
        "/cards",
        Some(big_card("big-1", "ann@example.com")),
    )
    .await;
    assert_eq!(card.status, 200, "{}", card.body);

    call(
        &server,
        &key,
        "POST",
        "/kyc/ach",
        Some(identity("bob@example.com", "Rejected")),
    )
    .await;
    let status = call(&server, &key, "GET", "/kyc?email=bob@example.com", None)
        .await
        .json();
    assert_eq!(status["model"]["kycStatus"], "REJECTED");
    assert_eq!(status["model"]["reason"], "identity could not be verified");
    let refused = call(
        &server,
        &key,
        "POST",
        "/cards",
        Some(big_card("big-2", "bob@example.com")),
    )
    .await;
    assert_eq!((refused.status, code(&refused)), (403, 3003));

    let bad = call(
        &server,
        &key,
        "POST",
        "/kyc/ach",
        Some(json!({ "email": "x", "dateOfBirth": "1990-02-30" })),
    )
    .await;
    assert_eq!(
        bad.json()["msg"],
        "email: not a valid email address; firstName: is required; lastName: is required; \
         dateOfBirth: must be a date as YYYY-MM-DD; country: is required"
    );
    let unknown = call(&server, &key, "GET", "/kyc?email=nobody@example.com", None).await;
    assert_eq!((unknown.status, code(&unknown)), (404, 4005));
}

async fn shared_kyc_approves_at_once(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (_, key) = server.merchant(1_000_000).await;
    let body = json!({ "email": "cy@example.com", "customerId": "user_id_123", "provider": "sumsub", "reference": "app-77" });
    let synced = call(&server, &key, "POST", "/kyc/shared", Some(body))
        .await
        .json();
    assert_eq!(synced["model"]["kycStatus"], "APPROVED");
    assert_eq!(synced["model"]["customerId"], "user_id_123");
    let card = json!({
        "cardHolder": { "firstName": "Cyrus", "lastName": "Lee" }, "deposit": "500000", "vid": "vab_069af8a792ad",
        "orderNo": "shared-1", "callbackUrl": "https://example.com/h", "email": "cy@example.com"
    });
    let created = call(&server, &key, "POST", "/cards", Some(card)).await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.json()["model"]["card"]["customerId"], "user_id_123");
}
