//! The console's overview over real HTTP, on SQLite and PostgreSQL: the last thirty days (cards
//! issued and money spent per day, money in and out of the wallet) as the ledger has them, and
//! test funds, which only a sandbox merchant's owner adds, once per form, audited, and marked as
//! test money in the wallet's statement.

mod support;

use app::domain::{
    console_role::Role,
    ids::{CardId, MerchantId},
    spend_controls::Purchase,
    Cents,
};
use server::store::{CreateOutcome, Database};
use support::{
    balances::wallet,
    console_client::{call, member, signed_in, signed_in_owner, PASSWORD},
    http_client,
    new_cards::new_card,
    test_server::test_worker,
    TestServer,
};

on_every_backend!(
    the_overview_counts_the_last_thirty_days_from_the_ledger,
    a_sandbox_owner_adds_test_funds_once_per_form,
    test_funds_are_refused_to_others_and_outside_the_sandbox,
);

async fn issue(db: &Database, merchant: &MerchantId, order: &str, deposit: i64) -> CardId {
    let CreateOutcome::Created(card) = db
        .create_card(merchant, &new_card(order, deposit), order, None)
        .await
        .unwrap()
    else {
        panic!("expected a new card")
    };
    card.id
}

async fn overview(server: &TestServer, cookie: &str) -> serde_json::Value {
    let answer = call(server, cookie, "overview", "").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json()
}

async fn the_overview_counts_the_last_thirty_days_from_the_ledger(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, _) = server.merchant(100_000).await;
    let cookie = signed_in_owner(&server, &merchant).await;
    let first = issue(db, &merchant, "thirty-1", 10_000).await;
    issue(db, &merchant, "thirty-2", 5_000).await;
    test_worker(db, "overview").run_once().await.unwrap();
    let purchase = Purchase {
        amount: Cents(1_500),
        currency: "USD".into(),
        merchant_name: "Acme".into(),
        at_ms: db.now_ms(),
    };
    let held = db
        .authorize_purchase(&merchant, &first, &purchase, "5734", &[])
        .await
        .unwrap();
    db.settle_authorization(&merchant, &held.id, true, db.now_ms())
        .await
        .unwrap();

    let page = overview(&server, &cookie).await;
    let activity = &page["activity"];
    let days = activity["days"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    let today = &days[29];
    assert_eq!(today["day"], db.now_ms() / 86_400_000);
    assert_eq!(today["cards_issued"], 2);
    assert_eq!(today["spent"], 1_500);
    assert!(days[..29]
        .iter()
        .all(|day| day["cards_issued"] == 0 && day["spent"] == 0));
    // In: the onboarding's funding. Out: the two deposits (fees and purchases leave the cards,
    // not the wallet).
    assert_eq!(activity["money_in"], 100_000);
    assert_eq!(activity["money_out"], 15_000);
    assert_eq!(page["sandbox"], false);
}

async fn add_funds(
    server: &TestServer,
    cookie: &str,
    amount: &str,
    reference: &str,
) -> http_client::Response {
    call(
        server,
        cookie,
        "add_test_funds",
        &format!("amount={amount}&reference={reference}"),
    )
    .await
}

async fn a_sandbox_owner_adds_test_funds_once_per_form(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, _) = server.merchant(0).await;
    db.mark_sandbox(&merchant).await.unwrap();
    let cookie = signed_in_owner(&server, &merchant).await;
    let page = overview(&server, &cookie).await;
    assert_eq!(page["sandbox"], true);
    let reference = page["next_reference"].as_str().unwrap().to_owned();

    for _ in 0..2 {
        let added = add_funds(&server, &cookie, "250.00", &reference).await;
        assert_eq!(added.status, 200, "{}", added.body);
    }
    assert_eq!(wallet(db, &merchant).await, Cents(25_000));
    let page = overview(&server, &cookie).await;
    assert_ne!(page["next_reference"].as_str().unwrap(), reference);
    let lines = page["recent_wallet"].as_array().unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["kind"], "test_funding", "marked as test money");
    assert_eq!(page["activity"]["money_in"], 25_000);

    let audit = call(&server, &cookie, "audit", "").await.json();
    let added: Vec<_> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["action"] == "wallet.test_funds_added")
        .collect();
    assert_eq!(added.len(), 1, "{audit}");
    assert_eq!(added[0]["detail"], "$250.00");

    // Another form is another addition.
    let again = add_funds(&server, &cookie, "0.01", "funds_other").await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(wallet(db, &merchant).await, Cents(25_001));
}

async fn test_funds_are_refused_to_others_and_outside_the_sandbox(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (sandbox, _) = server.merchant(0).await;
    db.mark_sandbox(&sandbox).await.unwrap();
    let owner_cookie = signed_in_owner(&server, &sandbox).await;

    let admin = {
        let email = member(&server, &sandbox, Role::Admin).await;
        signed_in(&server, &email, PASSWORD).await
    };
    let refused = add_funds(&server, &admin, "10.00", "funds_admin").await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("only the owner"), "{}", refused.body);

    for (amount, why) in [
        ("0.00", "above $0.00"),
        ("lots", "in dollars"),
        ("10000.01", "at most $10,000.00"),
    ] {
        let bad = add_funds(&server, &owner_cookie, amount, "funds_bad").await;
        assert_eq!(bad.status, 400, "{amount}: {}", bad.body);
        assert!(bad.body.contains(why), "{amount}: {}", bad.body);
    }

    let cross_site = http_client::post_form_with_headers(
        server.addr,
        "/api/console/add_test_funds",
        "amount=10.00&reference=funds_cross",
        &[("Cookie", &owner_cookie), ("Sec-Fetch-Site", "cross-site")],
    )
    .await;
    assert_eq!(cross_site.status, 403, "{}", cross_site.body);
    assert_eq!(wallet(db, &sandbox).await, Cents(0));

    let (live, _) = server.merchant(0).await;
    let live_owner = signed_in_owner(&server, &live).await;
    let refused = add_funds(&server, &live_owner, "10.00", "funds_live").await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(
        refused.body.contains("sandbox merchants only"),
        "{}",
        refused.body
    );
    assert_eq!(wallet(db, &live).await, Cents(0));
}
