//! Dialect A over real HTTP, on SQLite and on PostgreSQL: creation, provisioning to ACTIVE or to a
//! refund, deposit bounds, the KYC gate, funds, idempotency under concurrency, isolation, auth.

mod support;

use app::domain::ids::CardId;
use std::time::{Duration, Instant};

use app::domain::{card_number::is_luhn_valid, kyc::KycStatus, ledger::LedgerState, Cents};
use serde_json::{json, Value};
use server::store::Database;
use support::{balances::wallet, http_client, TestServer};

const CARDS: &str = "/api/vcc/v1/cards";

fn seed_request(order_no: &str, deposit: &str) -> Value {
    json!({
        "cardHolder": { "firstName": "Milton", "lastName": "Schmitt" },
        "deposit": deposit,
        "vid": "vab_069af8a792ad",
        "orderNo": order_no,
        "callbackUrl": "https://www.baidu.com"
    })
}

async fn create(server: &TestServer, key: &str, body: &Value) -> http_client::Response {
    http_client::request(
        server.addr,
        "POST",
        CARDS,
        Some(key),
        Some(&body.to_string()),
    )
    .await
}

async fn get_card(server: &TestServer, key: &str, card_id: &str) -> http_client::Response {
    http_client::request(
        server.addr,
        "GET",
        &format!("{CARDS}/{card_id}"),
        Some(key),
        None,
    )
    .await
}

/// Polls the card until its status is one of `wanted`.
async fn wait_for_status(server: &TestServer, key: &str, card_id: &str, wanted: &[&str]) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let card = get_card(server, key, card_id).await.json();
        let status = card["model"]["card"]["status"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if wanted.contains(&status.as_str()) {
            return card;
        }
        assert!(
            Instant::now() < deadline,
            "card {card_id} stuck in {status}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn assert_envelope_error(response: &http_client::Response, http: u16, code: i64) -> String {
    let body = response.json();
    assert_eq!(response.status, http, "{body}");
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert!(body["traceId"].is_i64(), "{body}");
    body["msg"].as_str().unwrap().to_owned()
}

/// Replays the whole journal and compares it with the stored running balances.
async fn assert_ledger_consistent(db: &Database) {
    let state = LedgerState::replay(&db.journal().await.unwrap()).expect("ledger invariants");
    let replayed: Vec<(String, i64)> = state
        .balances
        .iter()
        .map(|(account, cents)| (account.code(), cents.0))
        .collect();
    let mut stored = db.stored_balances().await.unwrap();
    stored.sort();
    let mut replayed = replayed;
    replayed.sort();
    assert_eq!(stored, replayed);
}

on_every_backend!(
    the_card_holder_has_the_seeds_billing_address,
    the_card_holder_may_bring_their_own_address,
    a_card_without_an_email_still_belongs_to_a_user,
    tags_are_stored_returned_and_filterable,
    the_seed_example_creates_a_card_that_becomes_active,
    a_declined_card_is_refunded_in_full,
    deposit_bounds_are_enforced_at_the_edges,
    kyc_is_required_above_1000_usd,
    insufficient_funds_create_nothing,
    same_order_same_body_is_the_same_card_different_body_conflicts,
    ten_concurrent_identical_requests_create_one_card,
    another_merchants_card_is_not_found,
    requests_without_a_valid_key_are_refused,
    invalid_bodies_name_every_problem,
    card_ranges_are_listed_with_their_fees,
    cards_are_listed_by_page_and_found_by_order_no,
    the_create_answer_equals_the_card_read_back,
);

async fn the_create_answer_equals_the_card_read_back(db: &Database) {
    // No worker: the card stays as created, so both answers must match field for field.
    let server = TestServer::start_with(db, false).await;
    let (_, key) = server.merchant(10_000).await;
    let mut request = seed_request("same-view", "1000");
    request["email"] = json!("dee@example.com");
    request["customerId"] = json!("ext-9");
    let created = create(&server, &key, &request).await.json();
    let card_id = created["model"]["card"]["cardId"].as_str().unwrap();
    let read = get_card(&server, &key, card_id).await.json();
    assert_eq!(created["model"], read["model"]);
}

async fn the_seed_example_creates_a_card_that_becomes_active(db: &Database) {
    let server = TestServer::start(db).await;
    let (merchant, key) = server.merchant(100_000).await;

    let created = create(&server, &key, &seed_request("v_5bc814", "1000")).await;
    let body = created.json();
    assert_eq!(created.status, 200, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(body["code"], 0);
    let card = &body["model"]["card"];
    assert_eq!(
        body["model"]["cardHolder"],
        json!({
            "firstName": "Milton", "lastName": "Schmitt", "street": "80 Robinson Road #02-00",
            "city": "Singapore", "state": "", "country": "SG", "zipCode": "068898"
        })
    );
    assert_eq!(card["deposit"], 1000);
    assert_eq!(card["balance"], 1000);
    assert_eq!(card["consume"], 0);
    for hidden in ["number", "cvc", "cardBin", "last4"] {
        assert_eq!(
            card[hidden], "-",
            "{hidden} is hidden until the card is active"
        );
    }
    assert_eq!(
        wallet(db, &merchant).await,
        Cents(99_000),
        "the deposit is reserved at once"
    );

    let card_id = card["cardId"].as_str().unwrap().to_owned();
    let active = wait_for_status(&server, &key, &card_id, &["ACTIVE"]).await;
    let card = &active["model"]["card"];
    assert_eq!(card["statusText"], "Activated");
    assert_eq!(card["cardBin"], "472593");
    assert_eq!(card["cvc"], "-", "the CVC only comes from the reveal call");
    let masked = card["number"].as_str().unwrap();
    assert!(
        masked.starts_with("472593******") && masked.len() == 16,
        "{masked}"
    );
    assert!(card["expYear"].as_i64().unwrap() >= 2026);
    assert!((1..=12).contains(&card["expMonth"].as_i64().unwrap()));
    assert!(card["gmtCreate"].is_string());

    let reveal = http_client::request(
        server.addr,
        "POST",
        &format!("{CARDS}/{card_id}/reveal"),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(reveal.status, 200, "{}", reveal.body);
    assert!(reveal
        .head
        .to_ascii_lowercase()
        .contains("cache-control: no-store"));
    let secrets = reveal.json()["model"].clone();
    let number = secrets["number"].as_str().unwrap();
    assert!(number.starts_with("472593") && number.ends_with(card["last4"].as_str().unwrap()));
    assert!(is_luhn_valid(number), "{number}");
    assert_eq!(secrets["cvc"].as_str().unwrap().len(), 3);

    // The timeline went through every stage exactly once, in order.
    let view = db
        .card(&merchant, &CardId::new(card_id.to_owned()))
        .await
        .unwrap()
        .unwrap();
    let stages: Vec<&str> = view
        .events
        .iter()
        .map(|event| event.stage.label())
        .collect();
    assert_eq!(
        stages,
        [
            "Opening Card",
            "Creating Cardholder",
            "Creating Virtual Card",
            "Activating Card",
            "Activated"
        ]
    );
    assert_ledger_consistent(db).await;
}

async fn a_declined_card_is_refunded_in_full(db: &Database) {
    let server = TestServer::start(db).await;
    let (merchant, key) = server.merchant(50_000).await;
    let mut request = seed_request("fail-1", "20000");
    request["cardHolder"]["lastName"] = json!("Failvirtual");

    let created = create(&server, &key, &request).await.json();
    let card_id = created["model"]["card"]["cardId"]
        .as_str()
        .unwrap()
        .to_owned();
    let failed = wait_for_status(&server, &key, &card_id, &["CARD FAILED REFUND"]).await;
    let card = &failed["model"]["card"];
    assert_eq!(card["statusText"], "Card creation failed, full refund");
    assert_eq!(card["balance"], 0);
    assert_eq!(card["refunded"], 20_000);
    assert!(card["failReason"]
        .as_str()
        .unwrap()
        .contains("Creating Virtual Card"));
    assert_eq!(card["number"], "-");
    assert_eq!(
        wallet(db, &merchant).await,
        Cents(50_000),
        "the deposit came back"
    );

    let reveal = http_client::request(
        server.addr,
        "POST",
        &format!("{CARDS}/{card_id}/reveal"),
        Some(&key),
        None,
    )
    .await;
    assert_envelope_error(&reveal, 409, 4009);
    assert_ledger_consistent(db).await;
}

async fn deposit_bounds_are_enforced_at_the_edges(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, key) = server.merchant(2_000_000).await;
    // 500000 cents needs KYC: give this customer an approved one.
    db.upsert_customer(&merchant, "kyc@example.com", None)
        .await
        .unwrap();
    db.set_kyc_status(&merchant, "kyc@example.com", KycStatus::Approved, "test")
        .await
        .unwrap();

    for (deposit, accepted) in [
        ("499", false),
        ("500", true),
        ("500000", true),
        ("500001", false),
    ] {
        let mut request = seed_request(&format!("bounds-{deposit}"), deposit);
        request["email"] = json!("kyc@example.com");
        let response = create(&server, &key, &request).await;
        if accepted {
            assert_eq!(response.status, 200, "{deposit}: {}", response.body);
            assert_eq!(
                response.json()["model"]["card"]["deposit"],
                deposit.parse::<i64>().unwrap()
            );
        } else {
            let message = assert_envelope_error(&response, 400, 1001);
            assert!(
                message.contains("deposit: a single recharge must be between $5.00 and $5,000.00"),
                "{message}"
            );
        }
    }
    assert_eq!(
        wallet(db, &merchant).await,
        Cents(2_000_000 - 500 - 500_000)
    );
}

async fn kyc_is_required_above_1000_usd(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, key) = server.merchant(1_000_000).await;

    let at_limit = create(&server, &key, &seed_request("kyc-limit", "100000")).await;
    assert_eq!(
        at_limit.status, 200,
        "exactly 1000 USD needs no KYC: {}",
        at_limit.body
    );

    let anonymous = create(&server, &key, &seed_request("kyc-anon", "100001")).await;
    let message = assert_envelope_error(&anonymous, 403, 3003);
    assert!(
        message.contains("ACH KYC interface") && message.contains("shared KYC interface"),
        "{message}"
    );

    let mut unverified = seed_request("kyc-unverified", "100001");
    unverified["email"] = json!("Ann@Example.com");
    let message = assert_envelope_error(&create(&server, &key, &unverified).await, 403, 3003);
    assert!(message.contains("ann@example.com"), "{message}");

    db.set_kyc_status(&merchant, "ann@example.com", KycStatus::Approved, "test")
        .await
        .unwrap();
    let verified = create(&server, &key, &unverified).await;
    assert_eq!(verified.status, 200, "{}", verified.body);
    assert!(verified.json()["model"]["card"]["userId"]
        .as_str()
        .unwrap()
        .starts_with("u_"));
}

async fn insufficient_funds_create_nothing(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, key) = server.merchant(1_000).await;
    let response = create(&server, &key, &seed_request("broke", "1500")).await;
    let message = assert_envelope_error(&response, 409, 3002);
    assert!(
        message.contains("$10.00") && message.contains("$15.00"),
        "{message}"
    );
    assert_eq!(wallet(db, &merchant).await, Cents(1_000));
    let (cards, total) = db
        .cards(&merchant, &Default::default(), 1, 10)
        .await
        .unwrap();
    assert!(cards.is_empty() && total == 0);

    // A wallet that was never funded has no balance row at all.
    let (unfunded, unfunded_key) = server.merchant(0).await;
    let response = create(&server, &unfunded_key, &seed_request("never-funded", "500")).await;
    assert!(assert_envelope_error(&response, 409, 3002).contains("holds $0.00"));
    assert_eq!(
        db.cards(&unfunded, &Default::default(), 1, 10)
            .await
            .unwrap()
            .1,
        0
    );
    assert_ledger_consistent(db).await;
}

async fn same_order_same_body_is_the_same_card_different_body_conflicts(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, key) = server.merchant(10_000).await;
    let first = create(&server, &key, &seed_request("order-1", "1000"))
        .await
        .json();
    let again = create(&server, &key, &seed_request("order-1", "1000"))
        .await
        .json();
    assert_eq!(
        first["model"]["card"]["cardId"],
        again["model"]["card"]["cardId"]
    );
    assert_eq!(wallet(db, &merchant).await, Cents(9_000), "reserved once");

    let changed = create(&server, &key, &seed_request("order-1", "2000")).await;
    let message = assert_envelope_error(&changed, 409, 3004);
    assert!(message.contains("order-1"), "{message}");
    assert_eq!(wallet(db, &merchant).await, Cents(9_000));
}

async fn ten_concurrent_identical_requests_create_one_card(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, key) = server.merchant(100_000).await;
    let body = seed_request("race-1", "1000").to_string();
    let responses = futures::future::join_all(
        (0..10).map(|_| http_client::request(server.addr, "POST", CARDS, Some(&key), Some(&body))),
    )
    .await;
    let mut ids: Vec<String> = responses
        .iter()
        .map(|response| {
            assert_eq!(response.status, 200, "{}", response.body);
            response.json()["model"]["card"]["cardId"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(
        db.cards(&merchant, &Default::default(), 1, 100)
            .await
            .unwrap()
            .1,
        1
    );
    assert_eq!(wallet(db, &merchant).await, Cents(99_000));
    assert_ledger_consistent(db).await;
}

async fn another_merchants_card_is_not_found(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (_, alice) = server.merchant(10_000).await;
    let (_, bob) = server.merchant(10_000).await;
    let card = create(&server, &alice, &seed_request("mine", "1000"))
        .await
        .json();
    let card_id = card["model"]["card"]["cardId"].as_str().unwrap();

    assert_envelope_error(&get_card(&server, &bob, card_id).await, 404, 4004);
    let by_order = http_client::request(
        server.addr,
        "GET",
        &format!("{CARDS}?orderNo=mine"),
        Some(&bob),
        None,
    )
    .await;
    assert_envelope_error(&by_order, 404, 4004);
    let bobs_list = http_client::request(server.addr, "GET", CARDS, Some(&bob), None)
        .await
        .json();
    assert_eq!(bobs_list["model"]["total"], 0);
    // The same orderNo is free for another merchant.
    assert_eq!(
        create(&server, &bob, &seed_request("mine", "1000"))
            .await
            .status,
        200
    );
}

async fn requests_without_a_valid_key_are_refused(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let body = seed_request("nokey", "1000").to_string();
    let missing = http_client::request(server.addr, "POST", CARDS, None, Some(&body)).await;
    assert!(assert_envelope_error(&missing, 401, 2001).contains("Authorization: Bearer"));
    let wrong = http_client::request(
        server.addr,
        "POST",
        CARDS,
        Some("ck_key_0000_forged"),
        Some(&body),
    )
    .await;
    assert_envelope_error(&wrong, 401, 2001);
}

async fn invalid_bodies_name_every_problem(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (_, key) = server.merchant(10_000).await;
    let malformed =
        http_client::request(server.addr, "POST", CARDS, Some(&key), Some("{\"vid\": ")).await;
    assert!(assert_envelope_error(&malformed, 400, 1002).contains("not valid JSON"));

    let mut bad = seed_request("bad", "10.00");
    bad["cardHolder"]["firstName"] = json!("Jo");
    bad["callbackUrl"] = json!("ftp://example.com");
    let message = assert_envelope_error(&create(&server, &key, &bad).await, 400, 1001);
    assert_eq!(
        message,
        "cardHolder.firstName: must be at least 3 letters; \
         deposit: deposit must be a whole number of cents, e.g. \"1000\" for $10.00; \
         callbackUrl: must be an absolute http:// or https:// URL"
    );

    let unknown_range = json!({
        "cardHolder": { "firstName": "Milton", "lastName": "Schmitt" },
        "deposit": "1000", "vid": "vab_nope", "orderNo": "r1", "callbackUrl": "https://example.com/hook"
    });
    assert_envelope_error(&create(&server, &key, &unknown_range).await, 422, 3001);
}

async fn card_ranges_are_listed_with_their_fees(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (_, key) = server.merchant(0).await;
    let ranges = http_client::request(
        server.addr,
        "GET",
        "/api/vcc/v1/card-ranges",
        Some(&key),
        None,
    )
    .await
    .json();
    let first = &ranges["model"][0];
    assert_eq!(first["vid"], "vab_069af8a792ad");
    assert_eq!(first["cardBin"], "472593");
    assert_eq!(
        first["monthlyFee"],
        json!({ "ONE": 100, "TWO": 200, "THREE": 300 })
    );
}

async fn cards_are_listed_by_page_and_found_by_order_no(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (_, key) = server.merchant(100_000).await;
    for n in 0..5 {
        create(&server, &key, &seed_request(&format!("page-{n}"), "600")).await;
    }
    let page = http_client::request(
        server.addr,
        "GET",
        &format!("{CARDS}?page=2&pageSize=2"),
        Some(&key),
        None,
    )
    .await
    .json();
    assert_eq!(page["model"]["total"], 5);
    assert_eq!(page["model"]["list"].as_array().unwrap().len(), 2);
    let found = http_client::request(
        server.addr,
        "GET",
        &format!("{CARDS}?orderNo=page-3"),
        Some(&key),
        None,
    )
    .await
    .json();
    assert_eq!(found["model"]["card"]["orderNo"], "page-3");
    let bad_page = http_client::request(
        server.addr,
        "GET",
        &format!("{CARDS}?page=x"),
        Some(&key),
        None,
    )
    .await;
    assert_envelope_error(&bad_page, 400, 1001);
}

/// The seed's answer gives the cardholder an address (`street`, `city`, `state`, `country`,
/// `zipCode`): a card has its range's billing address, the same one dialect B's `bin.address` shows.
async fn the_card_holder_has_the_seeds_billing_address(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (_, key) = server.merchant(100_000).await;
    let created = create(&server, &key, &seed_request("addr-1", "1000")).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let model = created.json()["model"].clone();
    let holder = &model["cardHolder"];
    assert_eq!(holder["firstName"], "Milton");
    assert_eq!(holder["street"], "80 Robinson Road #02-00", "{holder}");
    assert_eq!(holder["city"], "Singapore");
    assert_eq!(holder["state"], "");
    assert_eq!(holder["country"], "SG");
    assert_eq!(holder["zipCode"], "068898");

    let card_id = model["card"]["cardId"].as_str().unwrap();
    let (_, b) = server
        .call(&key, "GET", &format!("/api/v1/cards/card/{card_id}"), None)
        .await;
    let address = &b["bin"]["address"];
    assert_eq!(holder["city"], address["city"], "{b}");
    assert_eq!(holder["country"], address["country"]["iso_code"]);
    assert_eq!(holder["zipCode"], address["postal_code"]);
}

/// An address given with the holder is the card's, in both dialects' answers; an incomplete or
/// malformed one is refused with every problem named.
async fn the_card_holder_may_bring_their_own_address(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (_, key) = server.merchant(100_000).await;
    let mut request = seed_request("own-addr", "1000");
    request["cardHolder"] = json!({
        "firstName": "Milton", "lastName": "Schmitt", "street": "1010 Pine St LOT 12-E",
        "city": "Vienna", "state": "GA", "country": "US", "zipCode": "31092"
    });
    let created = create(&server, &key, &request).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let model = created.json()["model"].clone();
    assert_eq!(model["cardHolder"], request["cardHolder"]);
    let card_id = model["card"]["cardId"].as_str().unwrap();
    assert_eq!(
        get_card(&server, &key, card_id).await.json()["model"],
        model
    );

    let mut partial = seed_request("part-addr", "1000");
    partial["cardHolder"] = json!({
        "firstName": "Milton", "lastName": "Schmitt", "street": "1 Main St", "country": "usa",
        "zipCode": "x*"
    });
    let message = assert_envelope_error(&create(&server, &key, &partial).await, 400, 1001);
    for named in [
        "cardHolder.city",
        "cardHolder.country",
        "cardHolder.zipCode",
    ] {
        assert!(message.contains(named), "{named} not named: {message}");
    }
}

/// Seed 000's `userId` is never empty: a card made without an email still belongs to a user of the
/// seed's form (`u_…`), the one dialect B shows as `user.id`; `customerId` is the merchant's own id
/// or null, never "".
async fn a_card_without_an_email_still_belongs_to_a_user(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (_, key) = server.merchant(100_000).await;
    let mut request = seed_request("no-email", "1000");
    let created = create(&server, &key, &request).await.json();
    let card = &created["model"]["card"];
    let user_id = card["userId"].as_str().unwrap_or_default().to_owned();
    assert!(user_id.starts_with("u_") && user_id.len() > 2, "{card}");
    assert_eq!(card["customerId"], Value::Null, "{card}");
    let card_id = card["cardId"].as_str().unwrap();
    let (_, b) = server
        .call(&key, "GET", &format!("/api/v1/cards/card/{card_id}"), None)
        .await;
    assert_eq!(b["user"]["id"], user_id, "{b}");
    assert_eq!(b["user"]["email"], Value::Null, "{b}");
    assert_eq!(b["user"]["account"]["user_id"], user_id, "{b}");

    // The merchant's own customer id is kept on a card without an email, and two such cards are
    // two users.
    request["orderNo"] = json!("no-email-2");
    request["customerId"] = json!("crm-42");
    let second = create(&server, &key, &request).await.json();
    let second = &second["model"]["card"];
    assert_eq!(second["customerId"], "crm-42", "{second}");
    assert!(second["userId"].as_str().unwrap().starts_with("u_"));
    assert_ne!(second["userId"], user_id);
    let read = get_card(&server, &key, second["cardId"].as_str().unwrap())
        .await
        .json();
    assert_eq!(&read["model"]["card"], second);

    // With an email, the user is the customer of that email, card after card.
    let mut with_email = seed_request("email-1", "1000");
    with_email["email"] = json!("una@example.com");
    let first = create(&server, &key, &with_email).await.json();
    with_email["orderNo"] = json!("email-2");
    let again = create(&server, &key, &with_email).await.json();
    assert_eq!(
        first["model"]["card"]["userId"],
        again["model"]["card"]["userId"]
    );
}

/// Seed 000's `tags` (card labels): accepted on create, stored, returned by both dialects, and a
/// filter of both lists. Bad labels are refused before anything is written.
async fn tags_are_stored_returned_and_filterable(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (_, key) = server.merchant(100_000).await;
    let mut request = seed_request("tagged", "1000");
    request["tags"] = json!(["vip", "Q4 campaign", "vip"]);
    let created = create(&server, &key, &request).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let model = created.json()["model"].clone();
    assert_eq!(model["tags"], json!(["vip", "Q4 campaign"]), "{model}");
    let card_id = model["card"]["cardId"].as_str().unwrap().to_owned();
    assert_eq!(
        get_card(&server, &key, &card_id).await.json()["model"],
        model
    );
    create(&server, &key, &seed_request("untagged", "1000")).await;

    let listed = server
        .call(&key, "GET", &format!("{CARDS}?tag=vip"), None)
        .await
        .1;
    assert_eq!(listed["model"]["total"], 1, "{listed}");
    assert_eq!(
        listed["model"]["list"][0]["card"]["cardId"],
        card_id.as_str()
    );
    let (_, b) = server
        .call(
            &key,
            "GET",
            "/api/v1/cards/card/list?tag=Q4%20campaign",
            None,
        )
        .await;
    assert_eq!(b["total"], 1, "{b}");
    assert_eq!(b["items"][0]["card_id"], card_id.as_str());
    assert_eq!(b["items"][0]["tags"], json!(["vip", "Q4 campaign"]));

    let mut bad = seed_request("bad-tags", "1000");
    bad["tags"] = json!(["ok", "", "x".repeat(41), 7]);
    let message = assert_envelope_error(&create(&server, &key, &bad).await, 400, 1001);
    assert!(
        message.contains("tags[1]") && message.contains("tags[2]") && message.contains("tags[3]"),
        "{message}"
    );
    let mut too_many = seed_request("many-tags", "1000");
    too_many["tags"] = json!((0..11).map(|n| format!("t{n}")).collect::<Vec<_>>());
    let message = assert_envelope_error(&create(&server, &key, &too_many).await, 400, 1001);
    assert!(message.contains("tags"), "{message}");
    let none = server
        .call(&key, "GET", &format!("{CARDS}?orderNo=bad-tags"), None)
        .await;
    assert_eq!(none.0, 404);
}
