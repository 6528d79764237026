//! Two-step sign-in over real HTTP, on SQLite and PostgreSQL, with the clock in the test's hand:
//! a person adds an authenticator (its secret stored sealed), is then asked for a code after the
//! password, and each code is good once; the owner requires a second factor of everyone, and a
//! member without one adds it while signing in; revealing a card asks for the code as well as
//! the password once the sign-in is old.

mod support;

use std::time::Duration;

use app::domain::{console_role::Role, ids::MerchantId, CardStatus};
use server::{
    clock::ManualClock,
    issuing::authenticator_codes::code_at,
    store::{CreateOutcome, Database},
};
use support::{
    console_client::{call, encode, member, signed_in, signed_in_owner, PASSWORD},
    http_client::Response,
    new_cards::new_card,
    test_server::test_worker,
    TestServer,
};

on_every_backend!(
    an_authenticator_is_asked_for_after_the_password_and_each_code_is_good_once,
    the_owner_requires_a_second_factor_and_a_member_adds_one_while_signing_in,
    revealing_a_card_asks_for_the_code_once_the_sign_in_is_old,
);

/// The raw secret behind the page's typed key.
fn secret_of(typed: &str) -> Vec<u8> {
    let base32: String = typed.split_whitespace().collect();
    totp_rs::Secret::try_from_base32(base32)
        .unwrap()
        .as_ref()
        .to_vec()
}

async fn change(server: &TestServer, cookie: &str, what: &str, code: &str) -> Response {
    call(
        server,
        cookie,
        "change_security",
        &format!("change={what}&code={code}"),
    )
    .await
}

async fn security(server: &TestServer, cookie: &str) -> serde_json::Value {
    let answer = call(server, cookie, "security", "").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json()
}

/// Switches the cookie's user's authenticator on; answers its secret.
async fn switch_on(server: &TestServer, db: &Database, cookie: &str) -> Vec<u8> {
    let started = change(server, cookie, "start", "").await;
    assert_eq!(started.status, 200, "{}", started.body);
    let secret = secret_of(
        security(server, cookie).await["enrolment"]["typed_secret"]
            .as_str()
            .unwrap(),
    );
    let code = code_at(&secret, db.now_ms());
    let confirmed = change(server, cookie, "confirm", &code).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    secret
}

/// A code that is not the one of now.
fn wrong(code: &str) -> String {
    if code == "000000" {
        "111111".to_owned()
    } else {
        "000000".to_owned()
    }
}

async fn an_authenticator_is_asked_for_after_the_password_and_each_code_is_good_once(
    db: &Database,
) {
    let hand = ManualClock::starting_now();
    let db = db.clone().with_clock(hand.clock());
    let server = TestServer::start_with(&db, false).await;
    let (merchant, _) = server.merchant(0).await;
    let cookie = signed_in_owner(&server, &merchant).await;
    let email = format!("owner+{merchant}@shop.example");
    let before = security(&server, &cookie).await;
    assert_eq!(before["enabled"], false);
    assert!(before["enrolment"].is_null());

    // Added, but not on until a code from the app confirms it.
    let started = change(&server, &cookie, "start", "").await;
    assert_eq!(started.status, 200, "{}", started.body);
    let enrolling = security(&server, &cookie).await;
    assert_eq!(enrolling["enabled"], false);
    let typed = enrolling["enrolment"]["typed_secret"].as_str().unwrap();
    let uri = enrolling["enrolment"]["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/Cardkit%3A"), "{uri}");
    let secret = secret_of(typed);
    assert_eq!(secret.len(), 20);
    // Sealed at rest: neither the secret nor its typed form is in the row.
    let user = db
        .console_user_by_email(&email)
        .await
        .unwrap()
        .unwrap()
        .user;
    let sealed = db.two_factor(&user.id).await.unwrap().secret.unwrap();
    assert_eq!(sealed.len(), 12 + 20 + 16);
    assert!(!sealed.windows(20).any(|window| window == secret.as_slice()));

    let code = code_at(&secret, db.now_ms());
    let refused = change(&server, &cookie, "confirm", &wrong(&code)).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert!(refused.body.contains("not right"), "{}", refused.body);
    let confirmed = change(&server, &cookie, "confirm", &code).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    assert_eq!(security(&server, &cookie).await["enabled"], true);

    // The next sign-in: the password opens nothing but the code page.
    let half = signed_in(&server, &email, PASSWORD).await;
    let overview = call(&server, &half, "overview", "").await;
    assert_eq!(overview.status, 401, "{}", overview.body);
    assert!(
        overview.body.contains("finish signing in"),
        "{}",
        overview.body
    );
    let step = call(&server, &half, "second_factor", "").await;
    assert_eq!(step.status, 200, "{}", step.body);
    assert_eq!(step.json(), "Code");
    let rendered = support::http_client::request_with_headers(
        server.addr,
        "GET",
        "/console",
        None,
        None,
        &[("Cookie", &half)],
    )
    .await;
    assert_eq!(rendered.status, 302, "{}", rendered.head);
    assert_eq!(rendered.header("location"), Some("/console/sign-in/code"));
    // The server's own console routes say the same: the live table refuses with 401 (not a
    // 503 as if the server failed), the CSV download sends the browser to the code page.
    let stream = support::http_client::request_with_headers(
        server.addr,
        "GET",
        "/console/cards/events?shown=",
        None,
        None,
        &[("Cookie", &half)],
    )
    .await;
    assert_eq!(stream.status, 401, "{}", stream.body);
    assert!(stream.body.contains("finish signing in"), "{}", stream.body);
    let export = support::http_client::request_with_headers(
        server.addr,
        "GET",
        "/console/cards.csv",
        None,
        None,
        &[("Cookie", &half)],
    )
    .await;
    assert_eq!(export.status, 303, "{}", export.head);
    assert_eq!(export.header("location"), Some("/console/sign-in/code"));

    // The code already used for the enrolment is refused (same 30 s step); the next is taken.
    let replayed = call(&server, &half, "finish_sign_in", &format!("code={code}")).await;
    assert_eq!(replayed.status, 401, "{}", replayed.body);
    hand.advance(Duration::from_secs(30));
    let next = code_at(&secret, db.now_ms());
    let finished = call(&server, &half, "finish_sign_in", &format!("code={next}")).await;
    assert!(finished.status < 400, "{}", finished.body);
    let overview = call(&server, &half, "overview", "").await;
    assert_eq!(overview.status, 200, "{}", overview.body);

    // Switching off takes a code too; then the password alone signs in again.
    hand.advance(Duration::from_secs(30));
    let off = change(&server, &cookie, "off", &code_at(&secret, db.now_ms())).await;
    assert_eq!(off.status, 200, "{}", off.body);
    let plain = signed_in(&server, &email, PASSWORD).await;
    assert_eq!(call(&server, &plain, "overview", "").await.status, 200);

    let audit = call(&server, &cookie, "audit", "").await.json();
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"security.two_factor_enabled"),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"security.two_factor_disabled"),
        "{actions:?}"
    );
}

async fn the_owner_requires_a_second_factor_and_a_member_adds_one_while_signing_in(db: &Database) {
    let hand = ManualClock::starting_now();
    let db = db.clone().with_clock(hand.clock());
    let server = TestServer::start_with(&db, false).await;
    let (merchant, _) = server.merchant(0).await;
    let owner = signed_in_owner(&server, &merchant).await;

    let too_soon = change(&server, &owner, "require", "").await;
    assert_eq!(too_soon.status, 409, "{}", too_soon.body);
    assert!(
        too_soon.body.contains("your own authenticator first"),
        "{}",
        too_soon.body
    );
    switch_on(&server, &db, &owner).await;
    let required = change(&server, &owner, "require", "").await;
    assert_eq!(required.status, 200, "{}", required.body);

    // An admin without an authenticator signs in: the code page enrols one.
    let admin_email = member(&server, &merchant, Role::Admin).await;
    let half = signed_in(&server, &admin_email, PASSWORD).await;
    assert_eq!(call(&server, &half, "overview", "").await.status, 401);
    let step = call(&server, &half, "second_factor", "").await.json();
    let typed = step["Enrol"]["typed_secret"].as_str().unwrap().to_owned();
    // Read again, the same secret (until it is confirmed).
    let again = call(&server, &half, "second_factor", "").await.json();
    assert_eq!(again["Enrol"]["typed_secret"], typed.as_str());
    let secret = secret_of(&typed);
    hand.advance(Duration::from_secs(30));
    let code = code_at(&secret, db.now_ms());
    let finished = call(&server, &half, "finish_sign_in", &format!("code={code}")).await;
    assert!(finished.status < 400, "{}", finished.body);
    let admin_view = security(&server, &half).await;
    assert_eq!(admin_view["enabled"], true);
    assert_eq!(admin_view["required_by_team"], true);

    // The team's rule holds: no switching off, and only the owner changes it.
    hand.advance(Duration::from_secs(30));
    let off = change(&server, &half, "off", &code_at(&secret, db.now_ms())).await;
    assert_eq!(off.status, 409, "{}", off.body);
    let not_owner = change(&server, &half, "optional", "").await;
    assert_eq!(not_owner.status, 403, "{}", not_owner.body);
    assert!(
        not_owner.body.contains("only the owner"),
        "{}",
        not_owner.body
    );

    // A cross-site change is refused.
    let cross = support::http_client::post_form_with_headers(
        server.addr,
        "/api/console/change_security",
        "change=optional",
        &[("Cookie", &owner), ("Sec-Fetch-Site", "cross-site")],
    )
    .await;
    assert_eq!(cross.status, 403, "{}", cross.body);
    assert_eq!(security(&server, &owner).await["required_by_team"], true);
}

async fn active_card(db: &Database, merchant: &MerchantId) -> String {
    let CreateOutcome::Created(card) = db
        .create_card(merchant, &new_card("two-factor-1", 5_000), "h", None)
        .await
        .unwrap()
    else {
        panic!("expected a new card")
    };
    test_worker(db, "two-factor").run_once().await.unwrap();
    let view = db.card(merchant, &card.id).await.unwrap().unwrap();
    assert_eq!(view.status, CardStatus::Active);
    card.id.to_string()
}

async fn revealing_a_card_asks_for_the_code_once_the_sign_in_is_old(db: &Database) {
    let hand = ManualClock::starting_now();
    let db = db.clone().with_clock(hand.clock());
    let server = TestServer::start_with(&db, false).await;
    let (merchant, _) = server.merchant(100_000).await;
    let cookie = signed_in_owner(&server, &merchant).await;
    let card_id = active_card(&db, &merchant).await;
    let secret = switch_on(&server, &db, &cookie).await;

    hand.advance(Duration::from_secs(5 * 60));
    let page = call(&server, &cookie, "card", &format!("card_id={card_id}"))
        .await
        .json();
    assert_eq!(page["reveal_needs_password"], true);
    assert_eq!(page["reveal_needs_code"], true);
    let reveal = |code: &str| {
        format!(
            "card_id={card_id}&password={}&code={code}",
            encode(PASSWORD)
        )
    };
    let password_only = call(&server, &cookie, "card_reveal", &reveal("")).await;
    assert_eq!(password_only.status, 403, "{}", password_only.body);
    assert!(
        password_only.body.contains("authenticator's code"),
        "{}",
        password_only.body
    );
    let code = code_at(&secret, db.now_ms());
    let wrong_code = call(&server, &cookie, "card_reveal", &reveal(&wrong(&code))).await;
    assert_eq!(wrong_code.status, 401, "{}", wrong_code.body);
    let revealed = call(&server, &cookie, "card_reveal", &reveal(&code)).await;
    assert_eq!(revealed.status, 200, "{}", revealed.body);
    assert!(revealed.json()["number"].as_str().unwrap().len() >= 15);
}
