//! The console's card page over real HTTP, on SQLite and PostgreSQL: an owner tops up, withdraws,
//! freezes, unfreezes and deletes a card, each written once to the audit log; a viewer and a
//! developer are refused by the server (not only by the page) and no money moves, as is a
//! cross-site request; revealing asks
//! for the password again once the sign-in is more than five minutes old; the audit log refuses
//! to be changed.

mod support;

use std::time::Duration;

use app::domain::{console_role::Role, ids::MerchantId, CardStatus, Cents};
use server::{
    clock::ManualClock,
    onboarding::create_owner_login,
    store::{CreateOutcome, Database},
};
use support::{
    balances::wallet,
    console_client::{call, encode, member, signed_in, PASSWORD},
    http_client,
    new_cards::new_card,
    test_server::test_worker,
    TestServer,
};

on_every_backend!(
    an_owner_moves_money_and_changes_a_card_and_each_is_audited,
    a_viewer_and_a_developer_are_refused_by_the_server,
    revealing_asks_for_the_password_again_after_five_minutes,
    the_audit_log_refuses_to_be_changed,
    an_owner_issues_a_card_once_per_form_and_a_viewer_cannot,
    what_an_api_key_does_is_audited_with_its_prefix,
    the_wallet_statement_shows_and_downloads_every_movement,
    an_owner_edits_spend_controls_under_dialect_b_rules_and_a_viewer_cannot,
);

/// A merchant with `funding`, its owner signed in, and one ACTIVE card with a $100.00 deposit:
/// (merchant, owner's email, card id).
async fn merchant_with_active_card(
    server: &TestServer,
    funding: i64,
) -> (MerchantId, String, String) {
    let (merchant, _) = server.merchant(funding).await;
    let email = format!("owner+{merchant}@shop.example");
    create_owner_login(&server.database, &merchant, &email, Some(PASSWORD))
        .await
        .unwrap();
    let CreateOutcome::Created(card) = server
        .database
        .create_card(
            &merchant,
            &new_card(&format!("console-{merchant}"), 10_000),
            "h",
            None,
        )
        .await
        .unwrap()
    else {
        panic!("expected a new card")
    };
    test_worker(&server.database, "console")
        .run_once()
        .await
        .unwrap();
    let view = server
        .database
        .card(&merchant, &card.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.status, CardStatus::Active);
    (merchant, email, card.id.to_string())
}

async fn card_json(server: &TestServer, cookie: &str, card_id: &str) -> serde_json::Value {
    let response = call(server, cookie, "card", &format!("card_id={card_id}")).await;
    assert_eq!(response.status, 200, "{}", response.body);
    response.json()
}

async fn audit_actions(server: &TestServer, cookie: &str) -> Vec<(String, String, String)> {
    let response = call(server, cookie, "audit", "").await;
    assert_eq!(response.status, 200, "{}", response.body);
    response.json()["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (
                entry["action"].as_str().unwrap().to_owned(),
                entry["object_id"].as_str().unwrap().to_owned(),
                entry["actor"]["User"]["email"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
            )
        })
        .collect()
}

async fn an_owner_moves_money_and_changes_a_card_and_each_is_audited(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, email, card_id) = merchant_with_active_card(&server, 100_000).await;
    let cookie = signed_in(&server, &email, PASSWORD).await;
    let page = card_json(&server, &cookie, &card_id).await;
    let balance = page["card"]["balance"].as_i64().unwrap();
    let reference = page["next_reference"].as_str().unwrap().to_owned();
    let wallet_before = wallet(db, &merchant).await;

    // A top-up sent twice with the page's reference moves the money once.
    let top_up = format!("card_id={card_id}&action=top_up&amount=25.00&reference={reference}");
    for _ in 0..2 {
        let answer = call(&server, &cookie, "card_act", &top_up).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let page = card_json(&server, &cookie, &card_id).await;
    assert_eq!(page["card"]["balance"].as_i64().unwrap(), balance + 2_500);
    assert_eq!(wallet(db, &merchant).await, Cents(wallet_before.0 - 2_500));
    assert!(page["statement"]
        .as_array()
        .unwrap()
        .iter()
        .any(|entry| entry["kind"] == "card_recharge" && entry["amount"] == 2_500));
    assert_ne!(page["next_reference"].as_str().unwrap(), reference);

    // Bad amounts are refused with a sentence, and move nothing.
    let withdraw = |amount: &str, reference: &str| {
        format!("card_id={card_id}&action=withdraw&amount={amount}&reference={reference}")
    };
    let bad = call(&server, &cookie, "card_act", &withdraw("lots", "w-0")).await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(
        bad.body.contains("Enter an amount in dollars"),
        "{}",
        bad.body
    );
    let too_much = call(&server, &cookie, "card_act", &withdraw("100000.00", "w-1")).await;
    assert_eq!(too_much.status, 409, "{}", too_much.body);
    assert!(
        too_much.body.contains("insufficient funds on the card"),
        "{}",
        too_much.body
    );

    let withdrawn = call(&server, &cookie, "card_act", &withdraw("5.00", "w-2")).await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
    for action in ["freeze", "unfreeze"] {
        let answer = call(
            &server,
            &cookie,
            "card_act",
            &format!("card_id={card_id}&action={action}"),
        )
        .await;
        assert_eq!(answer.status, 200, "{action}: {}", answer.body);
    }
    let unfreeze_again = call(
        &server,
        &cookie,
        "card_act",
        &format!("card_id={card_id}&action=unfreeze"),
    )
    .await;
    assert_eq!(unfreeze_again.status, 409, "{}", unfreeze_again.body);

    // A top-up a browser says came from another site is refused, and moves nothing.
    let wallet_now = wallet(db, &merchant).await;
    let cross_site = http_client::post_form_with_headers(
        server.addr,
        "/api/console/card_act",
        &withdraw("1.00", "w-cross"),
        &[("Cookie", &cookie), ("Sec-Fetch-Site", "cross-site")],
    )
    .await;
    assert_eq!(cross_site.status, 403, "{}", cross_site.body);
    assert_eq!(wallet(db, &merchant).await, wallet_now);

    // Deleting returns the card's whole balance to the wallet.
    let before_delete = wallet(db, &merchant).await;
    let on_card = card_json(&server, &cookie, &card_id).await["card"]["balance"]
        .as_i64()
        .unwrap();
    let deleted = call(
        &server,
        &cookie,
        "card_act",
        &format!("card_id={card_id}&action=delete"),
    )
    .await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(
        wallet(db, &merchant).await,
        Cents(before_delete.0 + on_card)
    );
    let page = card_json(&server, &cookie, &card_id).await;
    assert_eq!(page["card"]["status"], "DELETED");

    let actions = audit_actions(&server, &cookie).await;
    let expected = [
        "card.deleted",
        "card.unfrozen",
        "card.frozen",
        "card.withdrawn",
        "card.topped_up",
    ];
    assert_eq!(
        actions
            .iter()
            .map(|(action, _, _)| action.as_str())
            .collect::<Vec<_>>(),
        expected,
        "newest first, one per change (the repeated top-up moved money once)"
    );
    assert!(actions
        .iter()
        .all(|(_, object, actor)| *object == card_id && *actor == email));

    // Another merchant's card is not found, whoever asks.
    let (_, other_email, _) = merchant_with_active_card(&server, 100_000).await;
    let other = signed_in(&server, &other_email, PASSWORD).await;
    let foreign = call(&server, &other, "card", &format!("card_id={card_id}")).await;
    assert_eq!(foreign.status, 404, "{}", foreign.body);
}

async fn a_viewer_and_a_developer_are_refused_by_the_server(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, _, card_id) = merchant_with_active_card(&server, 100_000).await;
    for role in [Role::Viewer, Role::Developer] {
        let email = member(&server, &merchant, role).await;
        let cookie = signed_in(&server, &email, PASSWORD).await;
        let page = card_json(&server, &cookie, &card_id).await;
        let balance = page["card"]["balance"].as_i64().unwrap();
        let wallet_before = wallet(db, &merchant).await;
        for form in [
            format!(
                "card_id={card_id}&action=top_up&amount=10.00&reference=r-{}",
                role.code()
            ),
            format!(
                "card_id={card_id}&action=withdraw&amount=1.00&reference=w-{}",
                role.code()
            ),
            format!("card_id={card_id}&action=freeze"),
            format!("card_id={card_id}&action=delete"),
        ] {
            let refused = call(&server, &cookie, "card_act", &form).await;
            assert_eq!(refused.status, 403, "{role:?} {form}: {}", refused.body);
            assert!(
                refused.body.contains("Your role does not allow this"),
                "{}",
                refused.body
            );
        }
        let reveal = call(
            &server,
            &cookie,
            "card_reveal",
            &format!("card_id={card_id}"),
        )
        .await;
        assert_eq!(reveal.status, 403, "{}", reveal.body);
        let page = card_json(&server, &cookie, &card_id).await;
        assert_eq!(page["card"]["balance"].as_i64().unwrap(), balance);
        assert_eq!(page["card"]["status"], "ACTIVE");
        assert_eq!(wallet(db, &merchant).await, wallet_before);
        assert!(audit_actions(&server, &cookie).await.is_empty());
    }
}

async fn revealing_asks_for_the_password_again_after_five_minutes(db: &Database) {
    let hand = ManualClock::starting_now();
    let db = db.clone().with_clock(hand.clock());
    let server = TestServer::start_with(&db, false).await;
    let (_, email, card_id) = merchant_with_active_card(&server, 100_000).await;
    let cookie = signed_in(&server, &email, PASSWORD).await;
    let reveal = |password: &str| format!("card_id={card_id}&password={}", encode(password));

    // Just signed in: no password asked.
    let fresh = call(
        &server,
        &cookie,
        "card_reveal",
        &format!("card_id={card_id}"),
    )
    .await;
    assert_eq!(fresh.status, 200, "{}", fresh.body);
    let number = fresh.json()["number"].as_str().unwrap().to_owned();
    assert!(number.len() >= 15 && number.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(
        card_json(&server, &cookie, &card_id).await["reveal_needs_password"],
        false
    );

    // Five minutes on: the page says so, and a reveal without the password (or with a wrong one)
    // is refused.
    hand.advance(Duration::from_secs(5 * 60));
    assert_eq!(
        card_json(&server, &cookie, &card_id).await["reveal_needs_password"],
        true
    );
    let without = call(
        &server,
        &cookie,
        "card_reveal",
        &format!("card_id={card_id}"),
    )
    .await;
    assert_eq!(without.status, 403, "{}", without.body);
    assert!(
        without.body.contains("Enter your password again"),
        "{}",
        without.body
    );
    let wrong = call(&server, &cookie, "card_reveal", &reveal("not my password")).await;
    assert_eq!(wrong.status, 401, "{}", wrong.body);
    assert!(!wrong.body.contains(&number));

    // The right password reveals, and counts as a fresh proof for the next five minutes.
    let right = call(&server, &cookie, "card_reveal", &reveal(PASSWORD)).await;
    assert_eq!(right.status, 200, "{}", right.body);
    assert_eq!(right.json()["number"], number.as_str());
    hand.advance(Duration::from_secs(60));
    let again = call(
        &server,
        &cookie,
        "card_reveal",
        &format!("card_id={card_id}"),
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.body);

    // The card page itself never carries the number.
    let page = call(&server, &cookie, "card", &format!("card_id={card_id}")).await;
    assert!(!page.body.contains(&number));
    let html = http_client::request_with_headers(
        server.addr,
        "GET",
        &format!("/console/cards/{card_id}"),
        None,
        None,
        &[("Cookie", &cookie)],
    )
    .await;
    assert_eq!(html.status, 200, "{}", html.body);
    assert!(
        html.body.contains("data-testid=\"card-balance\""),
        "{}",
        html.body
    );
    assert!(!html.body.contains(&number));

    let reveals: Vec<_> = audit_actions(&server, &cookie)
        .await
        .into_iter()
        .filter(|(action, _, _)| action == "card.revealed")
        .collect();
    assert_eq!(reveals.len(), 3, "one entry per reveal shown: {reveals:?}");
}

async fn the_audit_log_refuses_to_be_changed(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (_, email, card_id) = merchant_with_active_card(&server, 100_000).await;
    let cookie = signed_in(&server, &email, PASSWORD).await;
    let frozen = call(
        &server,
        &cookie,
        "card_act",
        &format!("card_id={card_id}&action=freeze"),
    )
    .await;
    assert_eq!(frozen.status, 200, "{}", frozen.body);
    let update =
        support::test_database::execute(db, "UPDATE audit_log SET detail = 'nothing'").await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = support::test_database::execute(db, "DELETE FROM audit_log").await;
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    assert_eq!(audit_actions(&server, &cookie).await.len(), 1);
}

/// The card form as the browser sends it (server functions nest a struct's fields in brackets).
fn card_form(range_id: &str, deposit: &str, key: &str) -> String {
    [
        ("form[range_id]", range_id),
        ("form[first_name]", "Ada"),
        ("form[last_name]", "Lovelace"),
        ("form[deposit]", deposit),
        ("form[fee_type]", "ONE"),
        ("form[email]", ""),
        ("idempotency_key", key),
    ]
    .iter()
    .map(|(name, value)| {
        format!(
            "{}={}",
            name.replace('[', "%5B").replace(']', "%5D"),
            encode(value)
        )
    })
    .collect::<Vec<_>>()
    .join("&")
}

async fn an_owner_issues_a_card_once_per_form_and_a_viewer_cannot(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, _) = server.merchant(10_000).await;
    let owner = format!("owner+{merchant}@shop.example");
    create_owner_login(db, &merchant, &owner, Some(PASSWORD))
        .await
        .unwrap();
    let cookie = signed_in(&server, &owner, PASSWORD).await;
    let options = call(&server, &cookie, "issue_options", "").await;
    assert_eq!(options.status, 200, "{}", options.body);
    let range = options.json()[0]["id"].as_str().unwrap().to_owned();

    // Sent twice (a double click, a retry): one card, one audit entry, one deposit taken.
    let form = card_form(&range, "20.00", "k0000000000001");
    let mut card_ids = Vec::new();
    for _ in 0..2 {
        let issued = call(&server, &cookie, "issue_card", &form).await;
        assert_eq!(issued.status, 200, "{}", issued.body);
        let answer = issued.json();
        let card_id = answer["Created"]["card_id"].as_str();
        card_ids.push(card_id.unwrap_or_else(|| panic!("{answer}")).to_owned());
    }
    assert_eq!(card_ids[0], card_ids[1]);
    let issued: Vec<_> = audit_actions(&server, &cookie)
        .await
        .into_iter()
        .filter(|(action, _, _)| action == "card.issued")
        .collect();
    assert_eq!(
        issued,
        [("card.issued".to_owned(), card_ids[0].clone(), owner.clone())]
    );

    // The same rules as the widget, next to the field they concern.
    let invalid = call(
        &server,
        &cookie,
        "issue_card",
        &card_form(&range, "1.00", "k0000000000002"),
    )
    .await;
    assert_eq!(invalid.status, 200, "{}", invalid.body);
    assert_eq!(invalid.json()["Refused"]["fields"][0]["field"], "deposit");
    let short = call(
        &server,
        &cookie,
        "issue_card",
        &card_form(&range, "500.00", "k0000000000003"),
    )
    .await;
    let short = short.json();
    assert_eq!(short["Refused"]["fields"][0]["field"], "deposit", "{short}");
    assert!(short["Refused"]["fields"][0]["message"]
        .as_str()
        .unwrap()
        .contains("The wallet holds"));

    let viewer = member(&server, &merchant, Role::Viewer).await;
    let viewer = signed_in(&server, &viewer, PASSWORD).await;
    let wallet_before = wallet(db, &merchant).await;
    let refused = call(
        &server,
        &viewer,
        "issue_card",
        &card_form(&range, "20.00", "k0000000000004"),
    )
    .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(wallet(db, &merchant).await, wallet_before);
}

async fn what_an_api_key_does_is_audited_with_its_prefix(db: &Database) {
    let server = TestServer::start(db).await;
    let (merchant, key) = server.merchant(100_000).await;
    let owner = format!("owner+{merchant}@shop.example");
    create_owner_login(db, &merchant, &owner, Some(PASSWORD))
        .await
        .unwrap();
    let (status, created) = server
        .call(
            &key,
            "POST",
            "/api/v1/cards/card/add",
            Some(r#"{"email": "api@shop.example", "limit_all_time": 20}"#),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    let card_id = created["card_id"].as_str().unwrap().to_owned();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while server
        .call(&key, "GET", &format!("/api/v1/cards/card/{card_id}"), None)
        .await
        .1["status"]
        != "ACTIVE"
    {
        assert!(
            std::time::Instant::now() < deadline,
            "card never became active"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Dialect A's recharge, retried with its orderNo: money moves once, one entry.
    let recharge = format!("/api/vcc/v1/cards/{card_id}/recharge");
    for _ in 0..2 {
        let (status, answer) = server
            .call(
                &key,
                "POST",
                &recharge,
                Some(r#"{"amount": "1000", "orderNo": "api-topup-1"}"#),
            )
            .await;
        assert_eq!(status, 200, "{answer}");
    }
    let (status, answer) = server
        .call(
            &key,
            "POST",
            &format!("/api/v1/cards/card/{card_id}/freeze"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{answer}");

    let cookie = signed_in(&server, &owner, PASSWORD).await;
    let response = call(&server, &cookie, "audit", "").await;
    let entries = response.json()["entries"].as_array().unwrap().clone();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["card.frozen", "card.topped_up", "card.issued"]);
    let key_id = key.split('_').nth(2).unwrap();
    for entry in &entries {
        let prefix = entry["actor"]["ApiKey"]["prefix"].as_str().unwrap();
        assert_eq!(prefix, format!("ck_key_{key_id}"));
        assert!(
            !response.body.contains(&key),
            "the whole key is never stored"
        );
        assert_eq!(entry["object_id"], card_id.as_str());
    }
}

async fn the_wallet_statement_shows_and_downloads_every_movement(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, email, card_id) = merchant_with_active_card(&server, 100_000).await;
    let cookie = signed_in(&server, &email, PASSWORD).await;
    let withdrawn = call(
        &server,
        &cookie,
        "card_act",
        &format!("card_id={card_id}&action=withdraw&amount=7.00&reference=w-statement"),
    )
    .await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);

    // The overview's newest lines: the withdrawal back in, the deposit out, the funding in.
    let overview = call(&server, &cookie, "overview", "").await.json();
    let lines = overview["recent_wallet"].as_array().unwrap();
    let kinds: Vec<&str> = lines
        .iter()
        .map(|line| line["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["card_withdrawal", "card_deposit", "wallet_funding"]);
    assert_eq!(lines[0]["amount"], 700);
    assert_eq!(lines[1]["card_id"], card_id.as_str());
    assert!(lines[1]["amount"].as_i64().unwrap() < 0);

    // The CSV has every line, amounts as signed cents that add up to the wallet's balance.
    let csv = http_client::request_with_headers(
        server.addr,
        "GET",
        "/console/wallet.csv",
        None,
        None,
        &[("Cookie", &cookie)],
    )
    .await;
    assert_eq!(csv.status, 200, "{}", csv.body);
    let rows: Vec<&str> = csv.body.lines().collect();
    assert_eq!(
        rows[0],
        "entry_id,created_at,kind,reference,card_id,amount_cents"
    );
    assert_eq!(rows.len(), 4, "{}", csv.body);
    let sum: i64 = rows[1..]
        .iter()
        .map(|row| row.rsplit(',').next().unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(sum, wallet(db, &merchant).await.0);
    let signed_out = http_client::get(server.addr, "/console/wallet.csv").await;
    assert_eq!(signed_out.status, 303, "{}", signed_out.head);
}

async fn an_owner_edits_spend_controls_under_dialect_b_rules_and_a_viewer_cannot(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, email, card_id) = merchant_with_active_card(&server, 100_000).await;
    let cookie = signed_in(&server, &email, PASSWORD).await;
    let form = |per_purchase: &str, daily: &str, currencies: &str, from: &str, to: &str| {
        format!(
            "card_id={card_id}&limit_per_transaction={per_purchase}&interval_daily={daily}\
             &interval_all_time=&allowed_currencies={currencies}&active_from={from}&active_to={to}"
        )
    };

    let saved = call(
        &server,
        &cookie,
        "card_controls",
        &form("40.00", "75", "usd%2C+eur", "2026-01-01", "2099-12-31"),
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let controls = card_json(&server, &cookie, &card_id).await["controls"].clone();
    assert_eq!(controls["limit_per_transaction"], 4_000);
    assert_eq!(controls["is_autolimit"], false, "an unticked box is off");
    assert_eq!(
        controls["limits"],
        serde_json::json!([{"interval": "DAILY", "amount": 7_500}])
    );
    assert_eq!(
        controls["allowed_currencies"],
        serde_json::json!(["USD", "EUR"])
    );
    // One core: dialect B reads what the console wrote.
    let key = db.issue_api_key(&merchant, "controls").await.unwrap().token;
    let card = http_client::request(
        server.addr,
        "GET",
        &format!("/api/v1/cards/card/{card_id}"),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(card.status, 200, "{}", card.body);
    assert_eq!(
        card.json()["settings"]["allowed_currencies"],
        serde_json::json!(["USD", "EUR"])
    );

    // Every problem at once, in dialect B's words, and nothing changes.
    let bad = call(
        &server,
        &cookie,
        "card_controls",
        &form("0", "lots", "dollars", "2026-12-01", "2026-11-30"),
    )
    .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    for expected in [
        "Largest single purchase: Input should be greater than 0",
        "daily: Enter an amount in dollars",
        "3-letter ISO 4217 currency code",
        "active_to must not be before active_from",
    ] {
        assert!(bad.body.contains(expected), "{expected}: {}", bad.body);
    }
    // The core's own rule: a ceiling above the balance is refused with autolimit off.
    let above = call(
        &server,
        &cookie,
        "card_controls",
        &form("100000.00", "", "", "", ""),
    )
    .await;
    assert_eq!(above.status, 400, "{}", above.body);
    assert!(
        above.body.contains("not above the card's balance"),
        "{}",
        above.body
    );
    let unchanged = card_json(&server, &cookie, &card_id).await["controls"].clone();
    assert_eq!(unchanged, controls);

    let viewer = signed_in(
        &server,
        &member(&server, &merchant, Role::Viewer).await,
        PASSWORD,
    )
    .await;
    let refused = call(
        &server,
        &viewer,
        "card_controls",
        &form("10.00", "", "", "", ""),
    )
    .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let audit = audit_actions(&server, &cookie).await;
    let changes = audit
        .iter()
        .filter(|(action, object, _)| action == "card.controls_changed" && *object == card_id)
        .count();
    assert_eq!(changes, 1, "{audit:?}");
}
