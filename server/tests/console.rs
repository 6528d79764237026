//! The merchant console's door over real HTTP, on SQLite and PostgreSQL: an owner created at
//! onboarding signs in and reads the overview (server-rendered); wrong credentials get one answer
//! whether or not the email exists, and an account is throttled after repeated failures; a
//! cross-site request is refused; sessions end when idle, when old, and when signed out.

mod support;

use std::time::Duration;

use server::{clock::ManualClock, onboarding::create_owner_login, store::Database};
use support::{http_client, TestServer};

on_every_backend!(
    an_owner_signs_in_and_reads_the_overview,
    wrong_credentials_get_one_answer_and_the_account_is_throttled,
    a_cross_site_request_is_refused,
    sessions_end_when_idle_when_old_and_when_signed_out,
    the_sandbox_owner_signs_in_with_the_saved_login,
    the_card_table_pages_by_cursor_filters_and_finds,
);

const PASSWORD: &str = "correct horse battery";
const SAME_SITE: (&str, &str) = ("Sec-Fetch-Site", "same-origin");

/// A merchant with `funding` and its owner login; answers the owner's email.
async fn merchant_with_owner(server: &TestServer, funding: i64) -> String {
    let (merchant, _) = server.merchant(funding).await;
    let email = format!("owner+{merchant}@shop.example");
    create_owner_login(&server.database, &merchant, &email, Some(PASSWORD))
        .await
        .unwrap();
    email
}

fn form(email: &str, password: &str) -> String {
    let encode = |text: &str| {
        text.replace('+', "%2B")
            .replace(' ', "+")
            .replace('@', "%40")
    };
    format!("email={}&password={}", encode(email), encode(password))
}

async fn sign_in(
    server: &TestServer,
    email: &str,
    password: &str,
    headers: &[(&str, &str)],
) -> http_client::Response {
    http_client::post_form_with_headers(
        server.addr,
        "/api/console/sign_in",
        &form(email, password),
        headers,
    )
    .await
}

/// The session cookie a successful sign-in set (`name=value`).
fn session_cookie(response: &http_client::Response) -> String {
    let set_cookie = response
        .head
        .lines()
        .find(|line| {
            line.to_ascii_lowercase()
                .starts_with("set-cookie: cardkit_console=")
        })
        .unwrap_or_else(|| panic!("no session cookie: {}", response.head));
    let cookie = set_cookie.split_once(": ").unwrap().1;
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    // Served on loopback over plain http: `Secure` would make the browser drop it.
    assert!(!cookie.contains("Secure"), "{cookie}");
    cookie.split(';').next().unwrap().to_owned()
}

async fn overview(server: &TestServer, cookie: &str) -> http_client::Response {
    http_client::post_form_with_headers(
        server.addr,
        "/api/console/overview",
        "",
        &[("Cookie", cookie), SAME_SITE],
    )
    .await
}

async fn page(server: &TestServer, path: &str, cookie: Option<&str>) -> http_client::Response {
    let headers: Vec<(&str, &str)> = cookie
        .map(|cookie| ("Cookie", cookie))
        .into_iter()
        .collect();
    http_client::request_with_headers(server.addr, "GET", path, None, None, &headers).await
}

async fn an_owner_signs_in_and_reads_the_overview(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let email = merchant_with_owner(&server, 250_000).await;

    // Signed out, the console sends the visitor to sign in.
    let signed_out = page(&server, "/console", None).await;
    assert_eq!(signed_out.status, 302, "{}", signed_out.head);
    assert_eq!(signed_out.header("location"), Some("/console/sign-in"));
    let sign_in_page = page(&server, "/console/sign-in", None).await;
    assert_eq!(sign_in_page.status, 200);
    assert!(sign_in_page
        .body
        .contains("autocomplete=\"current-password\""));

    // The email is matched whatever its case.
    let signed_in = sign_in(&server, &email.to_uppercase(), PASSWORD, &[SAME_SITE]).await;
    assert!(
        signed_in.status < 400,
        "{} {}",
        signed_in.status,
        signed_in.body
    );
    let cookie = session_cookie(&signed_in);

    let read = overview(&server, &cookie).await;
    assert_eq!(read.status, 200, "{}", read.body);
    let overview = read.json();
    assert_eq!(overview["user"]["email"], email.as_str());
    assert_eq!(overview["user"]["role"], "Owner");
    assert_eq!(overview["wallet"], 250_000);

    // The page itself is rendered on the server with the figures in it (JavaScript off).
    let html = page(&server, "/console", Some(&cookie)).await;
    assert_eq!(html.status, 200, "{}", html.head);
    assert!(html.body.contains("$2,500.00"), "{}", html.body);
    assert!(html.body.contains(&email), "{}", html.body);
}

async fn wrong_credentials_get_one_answer_and_the_account_is_throttled(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let email = merchant_with_owner(&server, 0).await;

    let unknown = sign_in(&server, "nobody@shop.example", PASSWORD, &[SAME_SITE]).await;
    let wrong = sign_in(&server, &email, "not the password", &[SAME_SITE]).await;
    assert_eq!(unknown.status, 401, "{}", unknown.body);
    assert_eq!(wrong.status, 401, "{}", wrong.body);
    assert_eq!(
        unknown.body, wrong.body,
        "the answer tells nothing about the email"
    );
    assert!(
        wrong.body.contains("The email or password is not right."),
        "{}",
        wrong.body
    );

    for _ in 1..5 {
        let again = sign_in(&server, &email, "still wrong", &[SAME_SITE]).await;
        assert_eq!(again.status, 401);
    }
    // Five failures: now even the right password waits.
    let throttled = sign_in(&server, &email, PASSWORD, &[SAME_SITE]).await;
    assert_eq!(throttled.status, 429, "{}", throttled.body);
    assert!(throttled.header("retry-after").is_some());
    assert!(
        throttled.body.contains("Too many failed sign-ins"),
        "{}",
        throttled.body
    );
}

async fn a_cross_site_request_is_refused(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let email = merchant_with_owner(&server, 0).await;

    let cross_site = sign_in(
        &server,
        &email,
        PASSWORD,
        &[("Sec-Fetch-Site", "cross-site")],
    )
    .await;
    assert_eq!(cross_site.status, 403, "{}", cross_site.body);
    let other_origin = sign_in(
        &server,
        &email,
        PASSWORD,
        &[("Origin", "https://evil.example")],
    )
    .await;
    assert_eq!(other_origin.status, 403, "{}", other_origin.body);
    assert!(!other_origin
        .head
        .to_ascii_lowercase()
        .contains("set-cookie: cardkit_console"));

    // Signed in, a cross-site sign-out cannot end the session.
    let cookie = session_cookie(&sign_in(&server, &email, PASSWORD, &[SAME_SITE]).await);
    let forged = http_client::post_form_with_headers(
        server.addr,
        "/api/console/sign_out",
        "",
        &[("Cookie", &cookie), ("Sec-Fetch-Site", "cross-site")],
    )
    .await;
    assert_eq!(forged.status, 403);
    assert_eq!(overview(&server, &cookie).await.status, 200);
}

async fn sessions_end_when_idle_when_old_and_when_signed_out(db: &Database) {
    let hand = ManualClock::starting_now();
    let db = db.clone().with_clock(hand.clock());
    let server = TestServer::start_with(&db, false).await;
    let email = merchant_with_owner(&server, 0).await;
    let hour = Duration::from_secs(3600);

    // Idle: alive after 1 h 59 min without use, ended after 2 h.
    let cookie = session_cookie(&sign_in(&server, &email, PASSWORD, &[SAME_SITE]).await);
    hand.advance(hour * 2 - Duration::from_secs(60));
    assert_eq!(overview(&server, &cookie).await.status, 200);
    hand.advance(hour * 2);
    let idle = overview(&server, &cookie).await;
    assert_eq!(idle.status, 401, "{}", idle.body);
    assert!(
        idle.body.contains("Your session has ended"),
        "{}",
        idle.body
    );

    // Old: used every hour, it still ends 12 h after signing in.
    let cookie = session_cookie(&sign_in(&server, &email, PASSWORD, &[SAME_SITE]).await);
    for _ in 0..11 {
        hand.advance(hour);
        assert_eq!(overview(&server, &cookie).await.status, 200);
    }
    hand.advance(hour);
    assert_eq!(overview(&server, &cookie).await.status, 401);

    // Signing out ends this session; signing out everywhere ends the others too.
    let first = session_cookie(&sign_in(&server, &email, PASSWORD, &[SAME_SITE]).await);
    let second = session_cookie(&sign_in(&server, &email, PASSWORD, &[SAME_SITE]).await);
    let third = session_cookie(&sign_in(&server, &email, PASSWORD, &[SAME_SITE]).await);
    let signed_out = http_client::post_form_with_headers(
        server.addr,
        "/api/console/sign_out",
        "",
        &[("Cookie", &first), SAME_SITE],
    )
    .await;
    assert!(signed_out.status < 400, "{}", signed_out.body);
    assert_eq!(overview(&server, &first).await.status, 401);
    assert_eq!(overview(&server, &second).await.status, 200);
    let everywhere = http_client::post_form_with_headers(
        server.addr,
        "/api/console/sign_out_everywhere",
        "",
        &[("Cookie", &second), SAME_SITE],
    )
    .await;
    assert!(everywhere.status < 400, "{}", everywhere.body);
    assert_eq!(overview(&server, &second).await.status, 401);
    assert_eq!(overview(&server, &third).await.status, 401);
}

/// `make run` on an empty database: the sandbox merchant's owner login is printed and saved next to
/// its API key, readable by the owner only, and it signs in.
async fn the_sandbox_owner_signs_in_with_the_saved_login(db: &Database) {
    use std::os::unix::fs::PermissionsExt;
    let server = TestServer::start_with(db, false).await;
    let data_dir = tempfile::tempdir().unwrap();
    server::onboarding::seed_sandbox(db, data_dir.path(), server.addr)
        .await
        .unwrap();
    let login_file = data_dir.path().join("sandbox-console-login");
    let mode = std::fs::metadata(&login_file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let login = std::fs::read_to_string(&login_file).unwrap();
    let (email, password) = login.trim_end().split_once('\n').unwrap();
    assert_eq!(email, server::onboarding::SANDBOX_OWNER_EMAIL);
    let signed_in = sign_in(&server, email, password, &[SAME_SITE]).await;
    let cookie = session_cookie(&signed_in);
    let read = overview(&server, &cookie).await.json();
    assert_eq!(read["user"]["role"], "Owner");
    assert_eq!(read["wallet"], server::onboarding::SANDBOX_FUNDING.0);
}

/// 120 cards (several created in the same millisecond): three pages of at most 50, newest first,
/// each card exactly once; a status filter and an exact search; never another merchant's card.
/// The page itself renders on the server with the rows and the link to the next page.
async fn the_card_table_pages_by_cursor_filters_and_finds(db: &Database) {
    use app::{
        domain::console_views::{CardCursor, CardTableQuery},
        ports::ConsoleAccess,
    };
    use server::issuing::console_sessions::ConsoleSessions;

    let server = TestServer::start_with(db, false).await;
    let email = merchant_with_owner(&server, 1_000_000).await;
    let stored = db.console_user_by_email(&email).await.unwrap().unwrap();
    let user = stored.user;
    for n in 0..120 {
        let order_no = format!("table-{n:03}");
        let request = support::new_cards::new_card(&order_no, 500);
        db.create_card(&user.merchant_id, &request, &order_no, None)
            .await
            .unwrap();
    }
    let (stranger, _) = server.merchant(100_000).await;
    let theirs = support::new_cards::new_card("theirs-001", 500);
    db.create_card(&stranger, &theirs, "theirs-001", None)
        .await
        .unwrap();

    let limits = std::sync::Arc::new(server::rate_limits::RateLimits::new(Default::default()));
    let cipher = server::secrets::CardCipher::new(&[7; 32]);
    let console = ConsoleSessions::new(db.clone(), limits, cipher);
    let mut seen = Vec::new();
    let mut query = CardTableQuery::default();
    let mut sizes = Vec::new();
    loop {
        let page = console.cards(&user, &query).await.unwrap();
        sizes.push(page.rows.len());
        seen.extend(
            page.rows
                .iter()
                .map(|row| (row.created_at_ms, row.card_id.clone())),
        );
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    assert_eq!(sizes, [50, 50, 20]);
    let mut newest_first = seen.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, newest_first, "newest first, ties broken by id");
    newest_first.dedup();
    assert_eq!(newest_first.len(), 120, "each card once");

    let initial = CardTableQuery::from_params(Some("INIT"), None, None);
    assert_eq!(console.cards(&user, &initial).await.unwrap().rows.len(), 50);
    let active = CardTableQuery::from_params(Some("ACTIVE"), None, None);
    assert!(console.cards(&user, &active).await.unwrap().rows.is_empty());
    let found = console
        .cards(
            &user,
            &CardTableQuery::from_params(None, Some(" table-042 "), None),
        )
        .await
        .unwrap();
    assert_eq!(found.rows.len(), 1);
    assert_eq!(found.rows[0].order_no, "table-042");
    assert_eq!(found.rows[0].balance.0, 500);
    let not_ours = CardTableQuery::from_params(None, Some("theirs-001"), None);
    assert!(console
        .cards(&user, &not_ours)
        .await
        .unwrap()
        .rows
        .is_empty());
    // A cursor that is not one starts from the newest card rather than failing.
    assert_eq!(CardCursor::decode("yesterday"), None);

    let cookie = session_cookie(&sign_in(&server, &email, PASSWORD, &[SAME_SITE]).await);
    let html = page(&server, "/console/cards?status=INIT&q=", Some(&cookie)).await;
    assert_eq!(html.status, 200, "{}", html.head);
    assert_eq!(html.body.matches("data-card-id=").count(), 50);
    assert!(
        html.body.contains("/console/cards?after="),
        "a next-page link"
    );
    assert!(html.body.contains("&amp;status=INIT") || html.body.contains("&status=INIT"));
    assert!(!html.body.contains("theirs-001"));

    // The CSV export: every filtered card, not one page; signed-out browsers go to sign in.
    let csv = page(&server, "/console/cards.csv?status=INIT&q=", Some(&cookie)).await;
    assert_eq!(csv.status, 200, "{}", csv.head);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(csv
        .header("content-disposition")
        .unwrap()
        .contains("cards.csv"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 121, "a header and 120 cards");
    assert!(lines[0].starts_with("card_id,status,holder,last4,balance_cents"));
    assert!(lines[1..]
        .iter()
        .all(|line| line.contains(",INIT,Milton Schmitt,,500,")));
    assert!(!csv.body.contains("theirs-001"));
    let one = page(&server, "/console/cards.csv?q=table-007", Some(&cookie)).await;
    assert_eq!(one.body.lines().count(), 2);
    let signed_out = page(&server, "/console/cards.csv", None).await;
    assert_eq!(signed_out.status, 303, "{}", signed_out.head);
    assert_eq!(signed_out.header("location"), Some("/console/sign-in"));
}

/// A server function call whose arguments do not decode is the caller's mistake: 400, not 500.
#[tokio::test]
async fn a_malformed_server_function_call_is_a_400() {
    let db = support::TestDatabase::sqlite().await;
    let server = TestServer::start_with(&db.database, false).await;
    let missing_password = http_client::post_form_with_headers(
        server.addr,
        "/api/console/sign_in",
        "email=owner%40shop.example",
        &[SAME_SITE],
    )
    .await;
    assert_eq!(missing_password.status, 400, "{}", missing_password.body);
}
