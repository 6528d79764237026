//! The widget's server side over real HTTP, on SQLite and PostgreSQL: minting sessions, the
//! framed page and who may frame it, the server functions (idempotent creation, server-side
//! validation, KYC, a session seeing only its own cards), and the live status stream.

mod support;

use app::domain::ids::CardId;
use serde_json::{json, Value};
use server::{clock::ManualClock, store::Database};
use support::{http_client, TestServer};

on_every_backend!(
    sessions_are_minted_with_the_api_key_and_validated,
    the_frame_may_be_framed_only_by_the_sessions_origins,
    a_session_creates_once_per_key_and_sees_only_its_own_cards,
    the_server_has_the_last_word_on_the_form,
    the_event_stream_follows_the_card_to_active_and_resumes_from_its_last_id,
    only_the_frame_and_the_sessions_origins_may_call_the_widget,
    a_session_makes_at_most_its_cards_and_deposits,
    a_session_owns_only_the_cards_made_through_it,
    a_session_ends_when_the_servers_clock_passes_its_lifetime,
    a_continuation_shows_the_cards_of_the_session_it_continues,
    a_deposit_that_needs_kyc_gets_the_identity_checked_in_the_widget,
    a_session_names_the_fee_plans_for_cardholders,
);

const SESSIONS: &str = "/api/widget/v1/sessions";
const PARTNER: &str = "http://partner.example:4000";

async fn mint(server: &TestServer, key: Option<&str>, body: Value) -> http_client::Response {
    http_client::request(server.addr, "POST", SESSIONS, key, Some(&body.to_string())).await
}

async fn session(server: &TestServer, key: &str, email: Option<&str>) -> String {
    let response = mint(
        server,
        Some(key),
        json!({"allowed_origins": [PARTNER], "customer_email": email}),
    )
    .await;
    assert_eq!(response.status, 201, "{}", response.body);
    response.json()["session_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A server function call, encoded the way the browser sends it.
async fn call(
    server: &TestServer,
    endpoint: &str,
    fields: &[(&str, &str)],
) -> http_client::Response {
    call_from(server, None, endpoint, fields).await
}

/// [`call`] as a browser on the page at `origin` sends it (`None`: a client that sends none).
async fn call_from(
    server: &TestServer,
    origin: Option<&str>,
    endpoint: &str,
    fields: &[(&str, &str)],
) -> http_client::Response {
    let body: Vec<String> = fields
        .iter()
        .map(|(name, value)| format!("{name}={}", encode(value)))
        .collect();
    let headers: Vec<(&str, &str)> = origin
        .map(|origin| ("Origin", origin))
        .into_iter()
        .collect();
    http_client::post_form_with_headers(
        server.addr,
        &format!("/api/widget/{endpoint}"),
        &body.join("&"),
        &headers,
    )
    .await
}

/// The widget's read of one card, as the tracker asks for it.
async fn read_card(server: &TestServer, token: &str, card_id: &str) -> http_client::Response {
    call(server, "card", &[("session", token), ("card_id", card_id)]).await
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

async fn create(
    server: &TestServer,
    token: &str,
    key: &str,
    last_name: &str,
    deposit: &str,
    email: &str,
) -> http_client::Response {
    create_from(server, None, token, key, last_name, deposit, email).await
}

async fn create_from(
    server: &TestServer,
    origin: Option<&str>,
    token: &str,
    key: &str,
    last_name: &str,
    deposit: &str,
    email: &str,
) -> http_client::Response {
    call_from(
        server,
        origin,
        "create_card",
        &[
            ("session", token),
            ("form[range_id]", "vab_069af8a792ad"),
            ("form[first_name]", "Milton"),
            ("form[last_name]", last_name),
            ("form[deposit]", deposit),
            ("form[fee_type]", "ONE"),
            ("form[email]", email),
            ("idempotency_key", key),
        ],
    )
    .await
}

async fn sessions_are_minted_with_the_api_key_and_validated(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (_, key) = server.merchant(0).await;

    let response = mint(
        &server,
        Some(&key),
        json!({"allowed_origins": ["HTTPS://Shop.Example:443/", "http://localhost:4000"], "expires_in": 120, "customer_email": "Buyer@Example.com"}),
    )
    .await;
    assert_eq!(response.status, 201, "{}", response.body);
    let created = response.json();
    assert!(created["session_token"]
        .as_str()
        .unwrap()
        .starts_with("wst_"));
    assert_eq!(
        created["allowed_origins"],
        json!(["https://shop.example", "http://localhost:4000"])
    );
    assert_eq!(created["customer_email"], "buyer@example.com");
    assert_eq!(created["script_url"], "/widget.js");
    assert!(created["expires_at"].as_str().unwrap().ends_with('Z'));

    let response = mint(&server, None, json!({"allowed_origins": [PARTNER]})).await;
    assert_eq!(response.status, 401);

    let response = mint(
        &server,
        Some(&key),
        json!({"allowed_origins": ["*", "https://shop.example/path", 7], "expires_in": 5, "customer_email": "nope"}),
    )
    .await;
    assert_eq!(response.status, 422);
    let locations = response.detail_locations();
    assert_eq!(
        locations,
        [
            json!(["body", "allowed_origins", 0]),
            json!(["body", "allowed_origins", 1]),
            json!(["body", "allowed_origins", 2]),
            json!(["body", "expires_in"]),
            json!(["body", "customer_email"]),
        ]
    );
    let response = mint(&server, Some(&key), json!({})).await;
    assert_eq!(response.status, 422);
    assert_eq!(response.json()["detail"][0]["type"], "missing");
    let response = mint(&server, Some(&key), json!({"allowed_origins": []})).await;
    assert_eq!(response.status, 422);
}

async fn the_frame_may_be_framed_only_by_the_sessions_origins(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (_, key) = server.merchant(100_000).await;
    let token = session(&server, &key, Some("buyer@example.com")).await;

    let frame = |query: String| {
        let addr = server.addr;
        async move { http_client::get(addr, &format!("/widget/frame?{query}")).await }
    };
    let page = frame(format!(
        "session={token}&parent={}&accent=%23ff6600&theme=dark",
        encode(PARTNER)
    ))
    .await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-security-policy"),
        Some(&*format!(
            "frame-ancestors 'self' {PARTNER}; base-uri 'none'; object-src 'none'"
        ))
    );
    assert_eq!(page.header("cache-control"), Some("no-store"));
    // The form is rendered on the server, with the merchant's ranges and the prefilled email,
    // and the page loads the widget's own bundle, not the dashboard's.
    assert!(page.body.contains("id=\"ck-first-name\""), "{}", page.body);
    assert!(page.body.contains("vab_069af8a792ad"));
    assert!(page.body.contains("buyer@example.com"));
    assert!(page.body.contains("/pkg/cardkit-widget.js"));
    assert!(!page.body.contains("/pkg/cardkit.js"));
    assert!(page.body.contains("data-theme=\"dark\""));
    assert!(page
        .body
        .contains("--ck-accent:#ff6600;--ck-on-accent:#000000;"));
    // The page talks to the partner's origin only (its height, readiness, a resumed card), and
    // says how it opened, so `widget.js` can tell the partner.
    assert!(page.body.contains("event: 'resize'"), "{}", page.body);
    assert!(page.body.contains(&format!(r#""origin":"{PARTNER}""#)));
    assert!(page.body.contains(r#""opened":"open""#));

    // A page not on the list gets a refusal, and the browser will not even frame it for them.
    let page = frame(format!(
        "session={token}&parent={}",
        encode("https://evil.example")
    ))
    .await;
    assert!(page
        .body
        .contains("This site is not allowed to show this card form."));
    assert!(!page.body.contains("ck-first-name"));

    let unknown = frame("session=wst_unknown".into()).await;
    assert_eq!(
        unknown.header("content-security-policy"),
        Some("frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
    );
    assert!(unknown.body.contains("This card form link is not valid."));

    let loader = http_client::get(server.addr, "/widget.js").await;
    assert_eq!(loader.status, 200);
    assert!(loader
        .header("content-type")
        .unwrap()
        .starts_with("text/javascript"));
    assert!(loader.body.contains("/widget/frame?"));
}

async fn a_session_creates_once_per_key_and_sees_only_its_own_cards(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, key) = server.merchant(100_000).await;
    let token = session(&server, &key, None).await;

    // A double click: the same key twice, at once. One card.
    let (first, second) = tokio::join!(
        create(&server, &token, "k1k1k1k1k1", "Schmitt", "25.50", ""),
        create(&server, &token, "k1k1k1k1k1", "Schmitt", "25.50", ""),
    );
    assert_eq!(first.status, 200, "{}", first.body);
    let first = first.json();
    let card_id = first["Created"]["card_id"].as_str().unwrap().to_owned();
    assert_eq!(second.json()["Created"]["card_id"], card_id.as_str());
    assert_eq!(first["Created"]["deposit"], 2550);
    assert_eq!(first["Created"]["status"], "INIT");
    let cards = db
        .cards(&merchant, &Default::default(), 1, 100)
        .await
        .unwrap();
    assert_eq!(cards.1, 1);

    // The card is this session's: it can read it; a second session of the same merchant cannot.
    let read = read_card(&server, &token, &card_id).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.json()["card_id"], card_id.as_str());
    let other = session(&server, &key, None).await;
    let read = read_card(&server, &other, &card_id).await;
    assert_eq!(read.status, 404, "{}", read.body);
    assert!(
        read.body.contains("This card was not found."),
        "{}",
        read.body
    );
    let events = http_client::get(
        server.addr,
        &format!("/api/widget/v1/cards/{card_id}/events?session={other}"),
    )
    .await;
    assert_eq!(events.status, 404);

    // A reload of the first session's page resumes its card.
    let page = http_client::get(server.addr, &format!("/widget/frame?session={token}")).await;
    assert!(page.body.contains(&card_id), "{}", page.body);
    assert!(page.body.contains("data-testid=\"tracker\""));

    // Nothing but a valid token opens anything.
    let read = read_card(&server, "wst_forged", &card_id).await;
    assert_eq!(read.status, 401, "{}", read.body);
    assert!(read.body.contains("not valid"), "{}", read.body);
    let reveal = call(
        &server,
        "reveal",
        &[("session", &token), ("card_id", &card_id)],
    )
    .await;
    assert!(
        reveal.body.contains("not available for this card"),
        "{}",
        reveal.body
    );
}

async fn the_server_has_the_last_word_on_the_form(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (_, key) = server.merchant(1_000_000).await;
    let token = session(&server, &key, None).await;

    // Whatever the browser let through, the server checks again, field by field.
    let answer = create(&server, &token, "k2k2k2k2k2", "O", "4.99", "")
        .await
        .json();
    let fields: Vec<&str> = answer["Refused"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|field| field["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["last_name", "deposit"]);

    // KYC: above $1,000 the customer must be approved; nothing is created.
    let answer = create(
        &server,
        &token,
        "k3k3k3k3k3",
        "Schmitt",
        "1000.01",
        "new@example.com",
    )
    .await
    .json();
    let message = answer["NeedsIdentity"]["message"].as_str().unwrap();
    assert!(message.contains("identity check (KYC)"), "{message}");

    // Not enough money in the merchant's wallet.
    let (_, poor_key) = server.merchant(100).await;
    let poor = session(&server, &poor_key, None).await;
    let answer = create(&server, &poor, "k4k4k4k4k4", "Schmitt", "25", "")
        .await
        .json();
    let message = answer["Refused"]["message"].as_str().unwrap();
    assert!(message.contains("cannot fund this deposit"), "{message}");

    // A key that is not one of ours is refused before anything happens.
    let answer = create(&server, &token, "short", "Schmitt", "25", "")
        .await
        .json();
    assert!(answer["Refused"]["message"]
        .as_str()
        .unwrap()
        .contains("could not be sent"));
}

async fn the_event_stream_follows_the_card_to_active_and_resumes_from_its_last_id(db: &Database) {
    let server = TestServer::start(db).await;
    let (merchant, key) = server.merchant(100_000).await;
    let token = session(&server, &key, None).await;
    let created = create(&server, &token, "k5k5k5k5k5", "Schmitt", "25", "")
        .await
        .json();
    let card_id = created["Created"]["card_id"].as_str().unwrap().to_owned();
    let path = format!("/api/widget/v1/cards/{card_id}/events?session={token}");

    // The stream ends by itself once the card is settled.
    let stream = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        http_client::get(server.addr, &path),
    )
    .await;
    let Ok(stream) = stream else {
        let card = db
            .card(&merchant, &CardId::new(card_id.to_owned()))
            .await
            .unwrap();
        panic!("the stream did not end with the card settled: {card:?}");
    };
    assert_eq!(stream.status, 200);
    assert!(stream
        .header("content-type")
        .unwrap()
        .starts_with("text/event-stream"));
    let events = parse_events(&stream.body);
    let (last_id, last) = events.last().expect("at least one event");
    assert_eq!(last["status"], "ACTIVE", "{}", stream.body);
    assert_eq!(last["events"].as_array().unwrap().len(), 5);
    assert!(last["masked_number"]
        .as_str()
        .unwrap()
        .starts_with("472593"));
    assert!(!stream.body.contains("cvc"), "no secrets in the stream");
    let ids: Vec<i64> = events.iter().map(|(id, _)| *id).collect();
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");

    // A reconnect that already has everything gets the state once more only if it lacks it.
    let raw = format!(
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAccept-Encoding: br, gzip\r\n\
         Last-Event-ID: {}\r\n\r\n",
        last_id - 1
    );
    let resumed = http_client::send(server.addr, &raw).await;
    // Each event goes out when it happens: a compressor would hold events back in its buffer.
    assert_eq!(resumed.header("content-encoding"), None, "{}", resumed.head);
    let resumed = parse_events(&resumed.body);
    assert_eq!(resumed.len(), 1);
    assert_eq!(resumed[0].0, *last_id);
}

/// `(id, data)` of every event in an SSE body.
fn parse_events(body: &str) -> Vec<(i64, Value)> {
    body.split("\n\n")
        .filter_map(|block| {
            let mut id = None;
            let mut data = None;
            for line in block.lines() {
                if let Some(value) = line.strip_prefix("id:") {
                    id = value.trim().parse().ok();
                }
                if let Some(value) = line.strip_prefix("data:") {
                    data = serde_json::from_str(value.trim()).ok();
                }
            }
            Some((id?, data?))
        })
        .collect()
}

/// A stolen session token is no use to another site's scripts: the browser names the page that
/// calls (`Origin`), and the server answers only the framed widget itself (its own origin) and
/// the partner pages the session lists.
async fn only_the_frame_and_the_sessions_origins_may_call_the_widget(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (_, key) = server.merchant(100_000).await;
    let token = session(&server, &key, None).await;
    let evil = Some("https://evil.example");
    let own = format!("http://{}", server.addr);

    let refused = create_from(&server, evil, &token, "k6k6k6k6k6", "Schmitt", "25", "").await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused.body.contains("This site is not allowed"),
        "{}",
        refused.body
    );
    let created = create_from(
        &server,
        Some(&own),
        &token,
        "k6k6k6k6k6",
        "Schmitt",
        "25",
        "",
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let card_id = created.json()["Created"]["card_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let fields = [("session", token.as_str()), ("card_id", card_id.as_str())];
    for endpoint in ["card", "reveal"] {
        let answer = call_from(&server, evil, endpoint, &fields).await;
        assert_ne!(answer.status, 200, "{endpoint}: {}", answer.body);
        assert!(
            answer.body.contains("This site is not allowed"),
            "{endpoint}: {}",
            answer.body
        );
    }
    for origin in [Some(own.as_str()), Some(PARTNER), None] {
        let answer = call_from(&server, origin, "card", &fields).await;
        assert_eq!(answer.status, 200, "{origin:?}: {}", answer.body);
    }

    let events = format!("/api/widget/v1/cards/{card_id}/events?session={token}");
    let raw = format!(
        "GET {events} HTTP/1.1\r\nHost: {}\r\nOrigin: https://evil.example\r\nConnection: close\r\n\r\n",
        server.addr
    );
    let stream = http_client::send(server.addr, &raw).await;
    assert_eq!(stream.status, 403, "{}", stream.body);
    assert!(
        stream.body.contains("This site is not allowed"),
        "{}",
        stream.body
    );
}

async fn mint_limited(server: &TestServer, key: &str, limits: Value) -> Value {
    let mut body = json!({"allowed_origins": [PARTNER]});
    body.as_object_mut()
        .unwrap()
        .extend(limits.as_object().unwrap().clone());
    let response = mint(server, Some(key), body).await;
    assert_eq!(response.status, 201, "{}", response.body);
    response.json()
}

fn created_id(response: &http_client::Response) -> Option<String> {
    let answer: Value = serde_json::from_str(&response.body).ok()?;
    answer["Created"]["card_id"].as_str().map(str::to_owned)
}

fn refusal(response: &http_client::Response) -> String {
    let answer = response.json();
    answer["Refused"]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("not a refusal: {answer}"))
        .to_owned()
}

/// A partner page holds its session token in plain sight: what the token can spend is capped when
/// it is minted (cards, and the total deposited), and the caps hold when requests race.
async fn a_session_makes_at_most_its_cards_and_deposits(db: &Database) {
    let server = TestServer::start(db).await;
    let (merchant, key) = server.merchant(1_000_000).await;

    // The default: one card.
    let minted = mint_limited(&server, &key, json!({})).await;
    assert_eq!(minted["max_cards"], 1);
    assert_eq!(minted["max_deposit"], 5000);
    let token = minted["session_token"].as_str().unwrap();
    let first = create(&server, token, "d1d1d1d1d1", "Schmitt", "25", "").await;
    let card_id = created_id(&first).expect("the first card");
    let second = create(&server, token, "d2d2d2d2d2", "Schmitt", "25", "").await;
    assert!(
        refusal(&second).contains("already made the 1 card"),
        "{}",
        second.body
    );
    // A retry of the first form is that card again, not a new one.
    let again = create(&server, token, "d1d1d1d1d1", "Schmitt", "25", "").await;
    assert_eq!(created_id(&again).as_deref(), Some(card_id.as_str()));
    // The widget offers "Create another card" only while the session may make one.
    let page = http_client::get(server.addr, &format!("/widget/frame?session={token}")).await;
    assert!(page.body.contains("\"cards_left\":0"), "{}", page.body);

    // Two cards and $60.00 in all; many forms at once make no more than that.
    let minted = mint_limited(
        &server,
        &key,
        json!({"max_cards": 2, "max_deposit": "60.00"}),
    )
    .await;
    assert_eq!(minted["max_deposit"], 60);
    let token = minted["session_token"].as_str().unwrap().to_owned();
    let first = create(&server, &token, "e1e1e1e1e1", "Schmitt", "25", "").await;
    assert!(created_id(&first).is_some(), "{}", first.body);
    let page = http_client::get(server.addr, &format!("/widget/frame?session={token}")).await;
    assert!(page.body.contains("\"cards_left\":1"), "{}", page.body);
    let over = create(&server, &token, "e2e2e2e2e2", "Schmitt", "40", "").await;
    let field = &over.json()["Refused"]["fields"][0];
    assert_eq!(field["field"], "deposit", "{}", over.body);
    assert!(
        field["message"].as_str().unwrap().contains("$35.00"),
        "{}",
        over.body
    );
    let racing = futures::future::join_all(
        ["r1r1r1r1r1", "r2r2r2r2r2", "r3r3r3r3r3", "r4r4r4r4r4"]
            .map(|form| create(&server, &token, form, "Schmitt", "30", "")),
    )
    .await;
    let made = racing.iter().filter_map(created_id).count();
    assert_eq!(
        made,
        1,
        "{:?}",
        racing.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    let prefix = format!("w{}-", minted["session_id"].as_str().unwrap());
    let (cards, _) = db
        .cards(&merchant, &Default::default(), 1, 100)
        .await
        .unwrap();
    let of_session: Vec<_> = cards
        .iter()
        .filter(|card| card.order_no.starts_with(&prefix))
        .collect();
    assert_eq!(of_session.len(), 2);
    let deposited: i64 = of_session.iter().map(|card| card.deposit.0).sum();
    assert_eq!(deposited, 5_500);

    // A card the processor declines is refunded in full, and frees its place and its deposit.
    let minted = mint_limited(&server, &key, json!({"max_cards": 1, "max_deposit": "30"})).await;
    let token = minted["session_token"].as_str().unwrap().to_owned();
    let failed = create(&server, &token, "f1f1f1f1f1", "Failopening", "30", "").await;
    let failed_id = created_id(&failed).expect("created, to fail later");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while db
        .card(&merchant, &CardId::new(failed_id.to_owned()))
        .await
        .unwrap()
        .unwrap()
        .status
        != app::domain::CardStatus::CardFailedRefund
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the card did not fail"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let next = create(&server, &token, "f2f2f2f2f2", "Schmitt", "30", "").await;
    assert!(created_id(&next).is_some(), "{}", next.body);

    // The caps are checked when the session is minted.
    let response = mint(
        &server,
        Some(&key),
        json!({"allowed_origins": [PARTNER], "max_cards": 0, "max_deposit": "4.99"}),
    )
    .await;
    assert_eq!(response.status, 422, "{}", response.body);
    let locations = response.detail_locations();
    assert_eq!(
        locations,
        [json!(["body", "max_cards"]), json!(["body", "max_deposit"])]
    );
}

/// A card is a session's because the session made it, not because its orderNo looks like it: a
/// card made through the API with a session's orderNo prefix is not the widget's to show or reveal.
async fn a_session_owns_only_the_cards_made_through_it(db: &Database) {
    let server = TestServer::start(db).await;
    let (_, key) = server.merchant(100_000).await;
    let minted = mint_limited(&server, &key, json!({})).await;
    let token = minted["session_token"].as_str().unwrap().to_owned();
    let order_no = format!("w{}-a1a1a1a1a1", minted["session_id"].as_str().unwrap());
    let body = json!({
        "cardHolder": {"firstName": "Milton", "lastName": "Schmitt"},
        "deposit": "1000", "vid": "vab_069af8a792ad", "orderNo": order_no,
        "callbackUrl": "http://127.0.0.1:9/hook",
    });
    let (status, created) = server
        .call(&key, "POST", "/api/vcc/v1/cards", Some(&body.to_string()))
        .await;
    assert_eq!(status, 200, "{created}");
    let card_id = created["model"]["card"]["cardId"]
        .as_str()
        .unwrap()
        .to_owned();

    let fields = [("session", token.as_str()), ("card_id", card_id.as_str())];
    for endpoint in ["card", "reveal"] {
        let answer = call(&server, endpoint, &fields).await;
        assert!(
            answer.body.contains("This card was not found."),
            "{endpoint}: {}",
            answer.body
        );
    }
    let page = http_client::get(server.addr, &format!("/widget/frame?session={token}")).await;
    assert!(
        !page.body.contains(&card_id),
        "the frame must not resume it"
    );
    // The API card took the orderNo this form would use: the form is refused (never answered
    // with the API's card), and the refusal does not use up the session's one card.
    let clash = create(&server, &token, "a1a1a1a1a1", "Schmitt", "25", "").await;
    assert!(refusal(&clash).contains("already used"), "{}", clash.body);
    let own = create(&server, &token, "b1b1b1b1b1", "Schmitt", "25", "").await;
    assert!(created_id(&own).is_some(), "{}", own.body);
}

/// Expiry is judged by the server's clock, which a test moves: minted for two minutes, a session
/// works until the clock passes them, then the widget's calls and streams answer "expired".
async fn a_session_ends_when_the_servers_clock_passes_its_lifetime(db: &Database) {
    let hand = ManualClock::starting_now();
    let db = db.clone().with_clock(hand.clock());
    let server = TestServer::start_with(&db, false).await;
    let (_, key) = server.merchant(100_000).await;
    let minted = mint(
        &server,
        Some(&key),
        json!({"allowed_origins": [PARTNER], "expires_in": 120}),
    )
    .await;
    assert_eq!(minted.status, 201, "{}", minted.body);
    let token = minted.json()["session_token"].as_str().unwrap().to_owned();
    let created = create(&server, &token, "clock00001", "Early", "25", "").await;
    assert_eq!(created.status, 200, "{}", created.body);
    let card_id = created.json()["Created"]["card_id"]
        .as_str()
        .unwrap()
        .to_owned();

    hand.advance(std::time::Duration::from_secs(119));
    let still = create(&server, &token, "clock00002", "InTime", "25", "").await;
    assert_eq!(still.status, 200, "{}", still.body);
    // A framed page tells the partner the card it resumes and when the session runs out.
    let framed = format!("/widget/frame?session={token}&parent={}", encode(PARTNER));
    let page = http_client::get(server.addr, &framed).await;
    assert!(page.body.contains(r#""opened":"open""#), "{}", page.body);
    assert!(
        page.body.contains(r#""expires_in_ms":1000"#),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#""event":"resumed""#), "{}", page.body);

    hand.advance(std::time::Duration::from_secs(1));
    let late = create(&server, &token, "clock00003", "Late", "25", "").await;
    assert_eq!(late.status, 401, "{}", late.body);
    assert!(
        late.body.to_lowercase().contains("expired"),
        "{}",
        late.body
    );
    // Ended, the session makes no more cards, but for the reveal window its cards can still be
    // followed and revealed: the frame opens on the newest (telling the partner it expired), the
    // card reads, the stream runs.
    let page = http_client::get(server.addr, &framed).await;
    assert!(page.body.contains(r#""event":"resumed""#), "{}", page.body);
    assert!(page.body.contains(r#""expires_in_ms":0"#), "{}", page.body);
    assert!(page.body.contains(r#""cards_left":0"#), "{}", page.body);
    let card = read_card(&server, &token, &card_id).await;
    assert_eq!(card.status, 200, "{}", card.body);
    let events = format!("/api/widget/v1/cards/{card_id}/events?session={token}");
    let stream = tokio::time::timeout(
        std::time::Duration::from_millis(500),
        http_client::get(server.addr, &events),
    )
    .await;
    assert!(
        stream.is_err(),
        "the stream stays open for an unsettled card"
    );

    // After the window, nothing of the session is shown, and the cardholder is told who to ask.
    hand.advance(std::time::Duration::from_millis(
        app::ports::REVEAL_WINDOW_MS as u64,
    ));
    let card = read_card(&server, &token, &card_id).await;
    assert_eq!(card.status, 401, "{}", card.body);
    assert!(
        card.body.contains("Ask the site where you created it"),
        "{}",
        card.body
    );
    let page = http_client::get(server.addr, &framed).await;
    assert!(page.body.contains(r#""opened":"expired""#), "{}", page.body);
    let stream = http_client::get(server.addr, &events).await;
    assert_eq!(stream.status, 401, "{}", stream.body);
}

/// A partner whose session ran out mints a continuation of it: the new session shows the card the
/// old one made (the frame resumes it, the card reads, the stream runs), so does a continuation of
/// the continuation, and by default a continuation makes only what the old session had left.
async fn a_continuation_shows_the_cards_of_the_session_it_continues(db: &Database) {
    let hand = ManualClock::starting_now();
    let db = db.clone().with_clock(hand.clock());
    let server = TestServer::start_with(&db, false).await;
    let (_, key) = server.merchant(100_000).await;
    let first = mint_limited(
        &server,
        &key,
        json!({"expires_in": 60, "customer_email": "buyer@example.com"}),
    )
    .await;
    let first_token = first["session_token"].as_str().unwrap().to_owned();
    let first_id = first["session_id"].as_str().unwrap().to_owned();
    let created = create(&server, &first_token, "chain00001", "Early", "25", "").await;
    let card_id = created_id(&created).unwrap_or_else(|| panic!("{}", created.body));

    // Long past its reveal window, the old session shows nothing.
    hand.advance(std::time::Duration::from_millis(
        60_000 + app::ports::REVEAL_WINDOW_MS as u64,
    ));
    let old = read_card(&server, &first_token, &card_id).await;
    assert_eq!(old.status, 401, "{}", old.body);

    let minted = mint(&server, Some(&key), json!({"continues": first_id})).await;
    assert_eq!(minted.status, 201, "{}", minted.body);
    let second = minted.json();
    assert_eq!(second["continues"], json!(first_id), "{second}");
    assert_eq!(second["allowed_origins"], json!([PARTNER]), "{second}");
    assert_eq!(second["customer_email"], json!("buyer@example.com"));
    assert_eq!(second["max_cards"], json!(0), "its one card is made");
    let token = second["session_token"].as_str().unwrap().to_owned();
    let framed = |token: &str| format!("/widget/frame?session={token}&parent={}", encode(PARTNER));
    let page = http_client::get(server.addr, &framed(&token)).await;
    assert!(page.body.contains(r#""event":"resumed""#), "{}", page.body);
    assert!(page.body.contains(&card_id), "{}", page.body);
    assert!(page.body.contains(r#""cards_left":0"#), "{}", page.body);
    let card = read_card(&server, &token, &card_id).await;
    assert_eq!(card.status, 200, "{}", card.body);
    // Revealing is the session's to ask for; this card is simply not live yet (no worker here).
    let reveal = call(
        &server,
        "reveal",
        &[("session", &token), ("card_id", &card_id)],
    )
    .await;
    assert!(
        reveal.body.contains("not available for this card"),
        "{}",
        reveal.body
    );
    let events = format!("/api/widget/v1/cards/{card_id}/events?session={token}");
    let stream = tokio::time::timeout(
        std::time::Duration::from_millis(500),
        http_client::get(server.addr, &events),
    )
    .await;
    assert!(
        stream.is_err(),
        "the stream stays open for an unsettled card"
    );
    let more = create(&server, &token, "chain00002", "More", "25", "").await;
    assert!(
        refusal(&more).contains("only shows cards made earlier"),
        "{}",
        more.body
    );

    // A continuation of the continuation still shows the card, and makes one more when asked.
    let third = mint_limited(
        &server,
        &key,
        json!({"continues": second["session_id"], "max_cards": 1}),
    )
    .await;
    assert_eq!(third["continues"], second["session_id"]);
    let third_token = third["session_token"].as_str().unwrap().to_owned();
    let page = http_client::get(server.addr, &framed(&third_token)).await;
    assert!(page.body.contains(&card_id), "{}", page.body);
    let newer = create(&server, &third_token, "chain00003", "Newer", "25", "").await;
    let newer_id = created_id(&newer).unwrap_or_else(|| panic!("{}", newer.body));
    let page = http_client::get(server.addr, &framed(&third_token)).await;
    assert!(page.body.contains(&newer_id), "the newest card opens");
    let older = read_card(&server, &third_token, &card_id).await;
    assert_eq!(older.status, 200, "{}", older.body);
    // One chain, one set of cards: the earlier session sees the card its continuation made.
    let before = read_card(&server, &token, &newer_id).await;
    assert_eq!(
        before.status, 200,
        "one chain, one set of cards: {}",
        before.body
    );

    // Only the merchant's own sessions can be continued; an unknown id is a field error.
    let (_, other_key) = server.merchant(0).await;
    for (key, id) in [(&other_key, first_id.as_str()), (&key, "0123456789abcdef")] {
        let foreign = mint(&server, Some(key), json!({"continues": id})).await;
        assert_eq!(foreign.status, 422, "{}", foreign.body);
        assert!(
            foreign.body.contains(r#"["body","continues"]"#),
            "{}",
            foreign.body
        );
        assert!(
            foreign.body.contains("no widget session"),
            "{}",
            foreign.body
        );
    }
    // A session that made no card: continuing it to make none would show nothing.
    let empty = mint_limited(&server, &key, json!({"max_cards": 2})).await;
    let nothing = mint(
        &server,
        Some(&key),
        json!({"continues": empty["session_id"], "max_cards": 0}),
    )
    .await;
    assert_eq!(nothing.status, 422, "{}", nothing.body);
    assert!(
        nothing.body.contains("made no card to show"),
        "{}",
        nothing.body
    );
    let carried = mint(
        &server,
        Some(&key),
        json!({"continues": empty["session_id"]}),
    )
    .await;
    assert_eq!(carried.status, 201, "{}", carried.body);
    assert_eq!(carried.json()["max_cards"], json!(2), "what it had left");
    // Without `continues`, origins are still required and 0 cards is not a session.
    let bare = mint(&server, Some(&key), json!({"max_cards": 0})).await;
    assert_eq!(bare.status, 422, "{}", bare.body);
    assert!(
        bare.body.contains(r#"["body","allowed_origins"]"#),
        "{}",
        bare.body
    );
    assert!(
        bare.body.contains(r#"["body","max_cards"]"#),
        "{}",
        bare.body
    );
}

/// Sends an identity for review from the widget, as its identity step does.
async fn verify(
    server: &TestServer,
    token: &str,
    email: &str,
    last_name: &str,
    date_of_birth: &str,
) -> Value {
    let answer = call(
        server,
        "verify_identity",
        &[
            ("session", token),
            ("identity[email]", email),
            ("identity[customer_id]", "forged-id"),
            ("identity[first_name]", "Milton"),
            ("identity[last_name]", last_name),
            ("identity[date_of_birth]", date_of_birth),
            ("identity[country]", "us"),
        ],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json()
}

/// Above $1,000 a customer without an approved identity check is told so, and the widget can
/// send the identity for review itself: once the verifier approves it, the same form makes the
/// card. A check that is approved or under way is never sent again (a token must not be able to
/// undo a customer's approval), and a rejection comes back with the verifier's reason.
async fn a_deposit_that_needs_kyc_gets_the_identity_checked_in_the_widget(db: &Database) {
    let server = TestServer::start(db).await;
    let (_, key) = server.merchant(1_000_000).await;
    let token = mint_limited(&server, &key, json!({"max_cards": 3})).await["session_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let email = "verify-me@example.com";
    let needs = create(&server, &token, "kyc0000001", "Schmitt", "1500", email).await;
    let message = needs.json()["NeedsIdentity"]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", needs.body))
        .to_owned();
    assert!(message.contains("identity check (KYC)"), "{message}");

    // Every field to fix, in one sentence; nothing is sent.
    let refused = verify(&server, &token, email, "S", "1990-02-30").await;
    assert_eq!(refused["status"], Value::Null, "{refused}");
    let problems = refused["message"].as_str().unwrap();
    assert!(problems.contains("Last name:"), "{problems}");
    assert!(problems.contains("Date of birth:"), "{problems}");
    let still = create(&server, &token, "kyc0000002", "Schmitt", "1500", email).await;
    assert!(still.json()["NeedsIdentity"].is_object(), "{}", still.body);

    // Sent, and the answer waits for the verifier (no delay in these tests): an adult passes,
    // and the same form then makes the card.
    let approved = verify(&server, &token, email, "Schmitt", "1990-02-28").await;
    assert_eq!(approved["status"], "APPROVED", "{approved}");
    let created = create(&server, &token, "kyc0000003", "Schmitt", "1500", email).await;
    assert!(created_id(&created).is_some(), "{}", created.body);

    // Approved stays approved: a second submission (one that would be rejected) is not sent.
    let again = verify(&server, &token, email, "Rejected", "1990-02-28").await;
    assert_eq!(again["status"], "APPROVED", "{again}");
    let another = create(&server, &token, "kyc0000004", "Schmitt", "1500", email).await;
    assert!(created_id(&another).is_some(), "{}", another.body);

    // A rejection says why.
    let other = "reject-me@example.com";
    let rejected = verify(&server, &token, other, "Rejected", "1990-02-28").await;
    assert_eq!(rejected["status"], "REJECTED", "{rejected}");
    let reason = rejected["message"].as_str().unwrap();
    assert!(
        reason.contains("identity could not be verified"),
        "{reason}"
    );

    // Only with a valid token, from the frame or the session's origins.
    let fields = [
        ("session", "wst_forged"),
        ("identity[email]", email),
        ("identity[customer_id]", ""),
        ("identity[first_name]", "Milton"),
        ("identity[last_name]", "Schmitt"),
        ("identity[date_of_birth]", "1990-02-28"),
        ("identity[country]", "US"),
    ];
    let forged = call(&server, "verify_identity", &fields).await;
    assert_eq!(forged.status, 401, "{}", forged.body);
    let mut from_stranger = fields;
    from_stranger[0] = ("session", token.as_str());
    let stranger = call_from(
        &server,
        Some("http://stranger.example"),
        "verify_identity",
        &from_stranger,
    )
    .await;
    assert_eq!(stranger.status, 403, "{}", stranger.body);
}

/// The merchant names its fee plans for the cardholders of a session ("Basic" rather than the
/// processor's ONE); the names are checked like any text, and a continuation keeps them.
async fn a_session_names_the_fee_plans_for_cardholders(db: &Database) {
    let server = TestServer::start(db).await;
    let (_, key) = server.merchant(100_000).await;
    let named = mint_limited(
        &server,
        &key,
        json!({"plan_names": {"ONE": " Basic ", "THREE": "Premium"}}),
    )
    .await;
    assert_eq!(
        named["plan_names"],
        json!({"ONE": "Basic", "THREE": "Premium"}),
        "{named}"
    );
    let token = named["session_token"].as_str().unwrap();
    let page = http_client::get(server.addr, &format!("/widget/frame?session={token}")).await;
    for label in [">Basic<", ">Plan TWO<", ">Premium<"] {
        assert!(page.body.contains(label), "{label}: {}", page.body);
    }
    assert!(!page.body.contains(">Plan ONE<"), "{}", page.body);

    let continued = mint(
        &server,
        Some(&key),
        json!({"continues": named["session_id"], "max_cards": 1}),
    )
    .await;
    assert_eq!(continued.status, 201, "{}", continued.body);
    assert_eq!(
        continued.json()["plan_names"],
        json!({"ONE": "Basic", "THREE": "Premium"})
    );

    let refused = [
        (
            json!({"FOUR": "Gold"}),
            "FOUR",
            "the plans are ONE, TWO and THREE",
        ),
        (json!({"ONE": "  "}), "ONE", "1 to 24 characters"),
        (json!({"TWO": "x".repeat(25)}), "TWO", "1 to 24 characters"),
        (json!({"TWO": "Pl\u{202e}us"}), "TWO", "bidirectional"),
        (json!({"ONE": 5}), "ONE", "valid string"),
    ];
    for (names, plan, message) in refused {
        let answer = mint(
            &server,
            Some(&key),
            json!({"allowed_origins": [PARTNER], "plan_names": names}),
        )
        .await;
        assert_eq!(answer.status, 422, "{names}: {}", answer.body);
        let detail = &answer.json()["detail"][0];
        assert_eq!(
            detail["loc"],
            json!(["body", "plan_names", plan]),
            "{detail}"
        );
        assert!(
            detail["msg"].as_str().unwrap().contains(message),
            "{detail}"
        );
    }
    let not_an_object = mint(
        &server,
        Some(&key),
        json!({"allowed_origins": [PARTNER], "plan_names": ["Basic"]}),
    )
    .await;
    assert_eq!(not_an_object.status, 422, "{}", not_an_object.body);
    assert!(
        not_an_object.body.contains("valid dictionary"),
        "{}",
        not_an_object.body
    );
}

/// A deploy is not held up by open trackers: at shutdown each stream gets a reconnect hint and
/// ends, and the server stops well within its grace period (10 s here).
#[tokio::test]
async fn shutdown_ends_open_event_streams_with_a_reconnect_hint() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let db = support::TestDatabase::sqlite().await;
    // No worker: the card stays unsettled, so its stream would stay open.
    let mut server = TestServer::start_with(&db.database, false).await;
    let (_, key) = server.merchant(100_000).await;
    let token = session(&server, &key, None).await;
    let created = create(&server, &token, "s1s1s1s1s1", "Schmitt", "25", "")
        .await
        .json();
    let card_id = created["Created"]["card_id"].as_str().unwrap().to_owned();

    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let request = format!(
        "GET /api/widget/v1/cards/{card_id}/events?session={token} HTTP/1.1\r\nHost: x\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    while !String::from_utf8_lossy(&received).contains("data:") {
        let mut chunk = [0u8; 4096];
        let read = stream.read(&mut chunk).await.unwrap();
        assert!(read > 0, "the stream ended before its first event");
        received.extend_from_slice(&chunk[..read]);
    }

    let started = std::time::Instant::now();
    server.stop.take().unwrap().send(()).unwrap();
    tokio::time::timeout(
        std::time::Duration::from_secs(3),
        stream.read_to_end(&mut received),
    )
    .await
    .expect("the stream ends at shutdown")
    .unwrap();
    let received = String::from_utf8_lossy(&received);
    assert!(received.contains("\nretry:"), "{received}");
    tokio::time::timeout(
        std::time::Duration::from_secs(3),
        server.task.take().unwrap(),
    )
    .await
    .expect("the server stops without waiting for the stream")
    .unwrap()
    .unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
}
