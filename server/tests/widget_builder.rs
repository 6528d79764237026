//! The console's widget builder over real HTTP, on SQLite and PostgreSQL: a session minted from the
//! console follows the session API's rules, works in the widget and is listed with who minted
//! it; a session closed early refuses its form, and its open tracker stream is told at once (and
//! a reconnection too); only developers, admins and owners mint and close, and only their own
//! merchant's sessions; minting and closing are in the audit log, never with a token.

mod support;

use std::time::Duration;

use app::domain::{audit::AuditQuery, console_role::Role, ids::MerchantId};
use serde_json::Value;
use server::store::Database;
use support::{
    console_client::{call, encode, member, signed_in, signed_in_owner, PASSWORD},
    http_client, TestServer,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

on_every_backend!(
    a_session_minted_in_the_console_works_and_is_listed,
    a_bad_form_gets_a_sentence_and_mints_nothing,
    closing_a_session_tells_its_tracker_and_refuses_its_form,
    only_integration_roles_mint_and_close_their_own_sessions,
);

const SHOP: &str = "https://shop.example";

async fn mint(
    server: &TestServer,
    cookie: &str,
    origins: &str,
    lifetime_secs: i64,
    email: &str,
    max_cards: i64,
) -> http_client::Response {
    let form = format!(
        "allowed_origins={}&lifetime_secs={lifetime_secs}&customer_email={}&max_cards={max_cards}",
        encode(origins),
        encode(email)
    );
    call(server, cookie, "mint_widget_session", &form).await
}

async fn live(server: &TestServer, cookie: &str) -> Vec<Value> {
    let listed = call(server, cookie, "widget_sessions", "").await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    listed.json()["sessions"].as_array().unwrap().clone()
}

async fn close(server: &TestServer, cookie: &str, session: &str) -> http_client::Response {
    call(
        server,
        cookie,
        "close_widget_session",
        &format!("session={session}"),
    )
    .await
}

async fn audit_codes(db: &Database, merchant: &MerchantId) -> Vec<(String, String, String)> {
    db.audit_entries(merchant, &AuditQuery::default(), 100)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| {
            let code = entry.action.code().to_owned();
            (code, entry.object_id, entry.detail)
        })
        .collect()
}

/// A card made through the widget with `token`, as its form sends it.
async fn widget_card(server: &TestServer, token: &str, key: &str) -> http_client::Response {
    let fields = [
        ("session", token),
        ("form[range_id]", "vab_069af8a792ad"),
        ("form[first_name]", "Milton"),
        ("form[last_name]", "Schmitt"),
        ("form[deposit]", "25"),
        ("form[fee_type]", "ONE"),
        ("form[email]", ""),
        ("idempotency_key", key),
    ];
    let body: Vec<String> = fields
        .iter()
        .map(|(name, value)| format!("{name}={}", encode(value)))
        .collect();
    http_client::post_form(server.addr, "/api/widget/create_card", &body.join("&")).await
}

async fn a_session_minted_in_the_console_works_and_is_listed(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, _) = server.merchant(100_000).await;
    let owner = signed_in_owner(&server, &merchant).await;

    // Origins as a developer types them: written the way browsers write them, duplicates merged.
    let minted = mint(
        &server,
        &owner,
        " HTTPS://Shop.Example:443/\nhttp://127.0.0.1:4000, https://shop.example ",
        3600,
        "ada@shop.example",
        2,
    )
    .await;
    assert_eq!(minted.status, 200, "{}", minted.body);
    let minted = minted.json();
    let token = minted["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("wst_"), "{token}");
    let id = minted["session"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        minted["order"]["allowed_origins"],
        serde_json::json!([SHOP, "http://127.0.0.1:4000"])
    );
    let lifetime = minted["session"]["expires_at_ms"].as_i64().unwrap()
        - minted["session"]["created_at_ms"].as_i64().unwrap();
    assert_eq!(lifetime, 3_600_000);

    // Listed, newest first, with who minted it and what it has made.
    let sessions = live(&server, &owner).await;
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["id"], id.as_str());
    assert_eq!(
        sessions[0]["created_by"],
        format!("owner+{merchant}@shop.example")
    );
    assert_eq!(sessions[0]["customer_email"], "ada@shop.example");
    assert_eq!(sessions[0]["max_cards"], 2);
    assert_eq!(sessions[0]["cards_made"], 0);

    // The widget opens with it, framed by its origins and by Cardkit's own console (the preview).
    let frame = http_client::get(server.addr, &format!("/widget/frame?session={token}")).await;
    assert_eq!(frame.status, 200);
    assert_eq!(
        frame.header("content-security-policy"),
        Some("frame-ancestors 'self' https://shop.example http://127.0.0.1:4000; base-uri 'none'; object-src 'none'")
    );
    let made = widget_card(&server, &token, "b1b1b1b1b1").await;
    assert_eq!(made.status, 200, "{}", made.body);
    assert!(
        made.json()["Created"]["card_id"].is_string(),
        "{}",
        made.body
    );
    assert_eq!(live(&server, &owner).await[0]["cards_made"], 1);

    // A session an API key mints is listed too, as the key's.
    let (_, key) = server.merchant(0).await;
    let other = http_client::request(
        server.addr,
        "POST",
        "/api/widget/v1/sessions",
        Some(&key),
        Some(r#"{"allowed_origins": ["https://other.example"]}"#),
    )
    .await;
    assert_eq!(other.status, 201, "{}", other.body);
    assert_eq!(
        live(&server, &owner).await.len(),
        1,
        "another merchant's is not listed"
    );

    let audit = audit_codes(db, &merchant).await;
    let entry = audit
        .iter()
        .find(|(code, _, _)| code == "widget_session.created")
        .expect("minting is audited");
    assert_eq!(entry.1, id);
    assert!(entry.2.contains("https://shop.example"), "{}", entry.2);
    assert!(
        !format!("{audit:?}").contains(&token),
        "no token in the audit log"
    );
}

async fn a_bad_form_gets_a_sentence_and_mints_nothing(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, _) = server.merchant(0).await;
    let owner = signed_in_owner(&server, &merchant).await;
    for (origins, lifetime, email, cards, sentence) in [
        ("", 900, "", 1, "List 1 to 10 partner origins"),
        ("https://shop.example/checkout", 900, "", 1, "no path"),
        ("https://*.shop.example", 900, "", 1, "wildcard"),
        ("ftp://shop.example", 900, "", 1, "http or https"),
        (SHOP, 5, "", 1, "10 seconds to 24 hours"),
        (SHOP, 86_401, "", 1, "10 seconds to 24 hours"),
        (SHOP, 900, "not-an-email", 1, "Customer email"),
        (SHOP, 900, "", 0, "1 to 100 cards"),
        (SHOP, 900, "", 101, "1 to 100 cards"),
    ] {
        let answer = mint(&server, &owner, origins, lifetime, email, cards).await;
        assert_eq!(
            answer.status, 400,
            "{origins} {lifetime} {cards}: {}",
            answer.body
        );
        assert!(
            answer.body.contains(sentence),
            "{sentence}: {}",
            answer.body
        );
    }
    let eleven: Vec<String> = (0..11).map(|n| format!("https://s{n}.example")).collect();
    let answer = mint(&server, &owner, &eleven.join("\n"), 900, "", 1).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(live(&server, &owner).await.is_empty());
}

/// An open tracker stream, read as its events arrive.
struct TrackerStream {
    socket: TcpStream,
    received: String,
}

impl TrackerStream {
    async fn open(server: &TestServer, path: &str) -> Self {
        let mut socket = TcpStream::connect(server.addr).await.unwrap();
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n\r\n",
            server.addr
        );
        socket.write_all(request.as_bytes()).await.unwrap();
        TrackerStream {
            socket,
            received: String::new(),
        }
    }

    /// Reads until `text` has arrived; panics after `within`.
    async fn until(&mut self, text: &str, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        let mut buffer = [0u8; 4096];
        while !self.received.contains(text) {
            let read = tokio::time::timeout_at(deadline, self.socket.read(&mut buffer))
                .await
                .unwrap_or_else(|_| panic!("no {text:?} yet: {}", self.received))
                .unwrap();
            assert!(read > 0, "the stream ended: {}", self.received);
            self.received
                .push_str(&String::from_utf8_lossy(&buffer[..read]));
        }
    }

    /// Whether the server ends the stream within `within`.
    async fn ends(&mut self, within: Duration) -> bool {
        let mut buffer = [0u8; 4096];
        let deadline = tokio::time::Instant::now() + within;
        // The chunked body's last chunk: the server has ended the response.
        while !self.received.ends_with("\r\n0\r\n\r\n") {
            match tokio::time::timeout_at(deadline, self.socket.read(&mut buffer)).await {
                Err(_) => return false,
                Ok(Ok(0)) | Ok(Err(_)) => return true,
                Ok(Ok(read)) => self
                    .received
                    .push_str(&String::from_utf8_lossy(&buffer[..read])),
            }
        }
        true
    }
}

async fn closing_a_session_tells_its_tracker_and_refuses_its_form(db: &Database) {
    // No provisioning worker: the card waits at its first stage, its tracker open.
    let server = TestServer::start_with(db, false).await;
    let (merchant, _) = server.merchant(100_000).await;
    let owner = signed_in_owner(&server, &merchant).await;
    let minted = mint(&server, &owner, SHOP, 900, "", 3).await.json();
    let token = minted["token"].as_str().unwrap().to_owned();
    let id = minted["session"]["id"].as_str().unwrap().to_owned();
    let made = widget_card(&server, &token, "c2c2c2c2c2").await;
    let card_id = made.json()["Created"]["card_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", made.body))
        .to_owned();
    let path = format!("/api/widget/v1/cards/{card_id}/events?session={token}");
    let mut tracker = TrackerStream::open(&server, &path).await;
    tracker
        .until("\"status\":\"INIT", Duration::from_secs(10))
        .await;

    let closed = close(&server, &owner, &id).await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    // Told at once (a wake-up, well before any fallback read), and the stream ends.
    tracker
        .until("data: {\"closed\":", Duration::from_secs(2))
        .await;
    assert!(
        tracker.received.contains("The site closed this card form"),
        "{}",
        tracker.received
    );
    assert!(
        tracker.ends(Duration::from_secs(5)).await,
        "{}",
        tracker.received
    );

    // A reconnection hears the same, instead of an error to retry.
    let again = http_client::get(server.addr, &path).await;
    assert_eq!(again.status, 200);
    assert!(again.body.contains("data: {\"closed\":"), "{}", again.body);
    // The form makes no more cards, and says why.
    let refused = widget_card(&server, &token, "c3c3c3c3c3").await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert!(
        refused.body.contains("The site closed this card form"),
        "{}",
        refused.body
    );
    let frame = http_client::get(server.addr, &format!("/widget/frame?session={token}")).await;
    assert!(frame.body.contains("The site closed this card form"));

    // Gone from the list; a second close is refused with a sentence.
    assert!(live(&server, &owner).await.is_empty());
    let twice = close(&server, &owner, &id).await;
    assert_eq!(twice.status, 409, "{}", twice.body);
    assert!(twice.body.contains("ended already"), "{}", twice.body);
    let audit = audit_codes(db, &merchant).await;
    assert!(audit
        .iter()
        .any(|(code, object, _)| code == "widget_session.closed" && *object == id));
}

async fn only_integration_roles_mint_and_close_their_own_sessions(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, _) = server.merchant(0).await;
    let owner = signed_in_owner(&server, &merchant).await;
    let viewer_email = member(&server, &merchant, Role::Viewer).await;
    let viewer = signed_in(&server, &viewer_email, PASSWORD).await;
    let developer_email = member(&server, &merchant, Role::Developer).await;
    let developer = signed_in(&server, &developer_email, PASSWORD).await;

    let refused = mint(&server, &viewer, SHOP, 900, "", 1).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused.body.contains("developers, admins and owners"),
        "{}",
        refused.body
    );
    let listed = call(&server, &viewer, "widget_sessions", "").await;
    assert_eq!(listed.status, 403, "{}", listed.body);

    let minted = mint(&server, &developer, SHOP, 900, "", 1).await;
    assert_eq!(minted.status, 200, "{}", minted.body);
    let id = minted.json()["session"]["id"].as_str().unwrap().to_owned();
    assert_eq!(close(&server, &viewer, &id).await.status, 403);

    // Another merchant's owner cannot see or close it.
    let (stranger, _) = server.merchant(0).await;
    let stranger_owner = signed_in_owner(&server, &stranger).await;
    assert!(live(&server, &stranger_owner).await.is_empty());
    let foreign = close(&server, &stranger_owner, &id).await;
    assert_eq!(foreign.status, 400, "{}", foreign.body);
    assert_eq!(live(&server, &owner).await.len(), 1, "still running");

    // A cross-site form post is refused before anything happens.
    let cross_site = http_client::post_form_with_headers(
        server.addr,
        "/api/console/close_widget_session",
        &format!("session={id}"),
        &[("Cookie", owner.as_str()), ("Sec-Fetch-Site", "cross-site")],
    )
    .await;
    assert!(cross_site.status >= 400, "{}", cross_site.body);
    assert_eq!(live(&server, &owner).await.len(), 1, "still running");
    assert_eq!(close(&server, &developer, &id).await.status, 200);
}
