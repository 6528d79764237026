//! Rate limits over real HTTP, on SQLite and PostgreSQL: per API key, per client address for
//! requests without a valid credential (wrong keys and unknown widget sessions included), and per
//! widget session for creations, reveals and open status streams. Over a limit the answer is 429
//! in the caller's own shape, with `Retry-After`, and nothing is done.

mod support;

use serde_json::{json, Value};
use server::{rate_limits::RateLimitSettings, store::Database, EdgeSettings};
use support::{http_client, TestServer};

on_every_backend!(
    an_api_key_over_its_rate_gets_429_with_retry_after_in_each_dialect,
    requests_without_a_valid_key_are_limited_per_address,
    a_widget_session_is_limited_in_creations_reveals_and_streams,
    unknown_widget_sessions_are_limited_per_address,
);

/// Every limit off but the ones a test sets.
fn edge(limits: RateLimitSettings) -> EdgeSettings {
    EdgeSettings {
        rate_limits: limits,
        ..EdgeSettings::default()
    }
}

const OFF: RateLimitSettings = RateLimitSettings {
    per_key_per_second: 0,
    per_address_per_second: 0,
    widget_creations_per_minute: 0,
    widget_reveals_per_minute: 0,
    widget_streams_per_session: 0,
};

fn retry_after(response: &http_client::Response) -> u64 {
    response
        .header("retry-after")
        .unwrap_or_else(|| panic!("no Retry-After: {}", response.head))
        .parse()
        .unwrap()
}

async fn an_api_key_over_its_rate_gets_429_with_retry_after_in_each_dialect(db: &Database) {
    let limits = RateLimitSettings {
        per_key_per_second: 1,
        ..OFF
    };
    let server = TestServer::start_with_edge(db, false, edge(limits)).await;
    let (_, key) = server.merchant(0).await;
    let (_, other_key) = server.merchant(0).await;

    // A burst of two, then the key waits.
    for _ in 0..2 {
        let (status, body) = server.call(&key, "GET", "/api/vcc/v1/cards", None).await;
        assert_eq!(status, 200, "{body}");
    }
    let response =
        http_client::request(server.addr, "GET", "/api/vcc/v1/cards", Some(&key), None).await;
    assert_eq!(response.status, 429, "{}", response.body);
    let body = response.json();
    assert_eq!(
        (body["success"].clone(), body["code"].clone()),
        (json!(false), json!(4290))
    );
    assert!(
        body["msg"].as_str().unwrap().contains("try again in"),
        "{body}"
    );
    assert!((1..=2).contains(&retry_after(&response)));

    let response = http_client::request(
        server.addr,
        "GET",
        "/api/v1/cards/card/list",
        Some(&key),
        None,
    )
    .await;
    assert_eq!(response.status, 429, "{}", response.body);
    let detail = &response.json()["detail"][0];
    assert_eq!(detail["type"], "too_many_requests", "{detail}");
    assert_eq!(detail["loc"], json!(["header", "Authorization"]));
    assert!(retry_after(&response) >= 1);

    // Another merchant's key has its own allowance.
    let (status, body) = server
        .call(&other_key, "GET", "/api/v1/cards/card/list", None)
        .await;
    assert_eq!(status, 200, "{body}");
}

async fn requests_without_a_valid_key_are_limited_per_address(db: &Database) {
    let limits = RateLimitSettings {
        per_address_per_second: 1,
        ..OFF
    };
    let server = TestServer::start_with_edge(db, false, edge(limits)).await;
    let (_, key) = server.merchant(0).await;

    let mut statuses = Vec::new();
    for _ in 0..4 {
        let (status, _) = server
            .call("ck_wrong_key", "GET", "/api/vcc/v1/cards", None)
            .await;
        statuses.push(status);
    }
    assert_eq!(statuses, [401, 401, 429, 429]);
    let anonymous =
        http_client::request(server.addr, "GET", "/api/v1/cards/card/list", None, None).await;
    assert_eq!(anonymous.status, 429, "no key at all counts the same");
    assert!(retry_after(&anonymous) >= 1);

    // A valid key from the same address is counted by its key, not the address.
    let (status, body) = server.call(&key, "GET", "/api/vcc/v1/cards", None).await;
    assert_eq!(status, 200, "{body}");
}

const SESSIONS: &str = "/api/widget/v1/sessions";

async fn mint(server: &TestServer, key: &str, max_cards: i64) -> Value {
    let body = json!({"allowed_origins": ["http://partner.example"], "max_cards": max_cards});
    let (status, minted) = server
        .call(key, "POST", SESSIONS, Some(&body.to_string()))
        .await;
    assert_eq!(status, 201, "{minted}");
    minted
}

fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(name, value)| {
            let value: String = value
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                        (b as char).to_string()
                    }
                    other => format!("%{other:02X}"),
                })
                .collect();
            format!("{name}={value}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn create(server: &TestServer, token: &str, form_key: &str) -> http_client::Response {
    let body = form(&[
        ("session", token),
        ("form[range_id]", "vab_069af8a792ad"),
        ("form[first_name]", "Milton"),
        ("form[last_name]", "Schmitt"),
        ("form[deposit]", "10"),
        ("form[fee_type]", "ONE"),
        ("form[email]", ""),
        ("idempotency_key", form_key),
    ]);
    http_client::post_form(server.addr, "/api/widget/create_card", &body).await
}

/// Opens a status stream and reads its status line; the stream stays open while the returned
/// connection lives.
async fn open_stream(
    server: &TestServer,
    path: &str,
) -> (String, tokio::io::BufReader<tokio::net::TcpStream>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut reader = tokio::io::BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).await.unwrap();
    (status_line, reader)
}

async fn a_widget_session_is_limited_in_creations_reveals_and_streams(db: &Database) {
    let limits = RateLimitSettings {
        widget_creations_per_minute: 2,
        widget_reveals_per_minute: 1,
        widget_streams_per_session: 1,
        ..OFF
    };
    let server = TestServer::start_with_edge(db, false, edge(limits)).await;
    let (merchant, key) = server.merchant(100_000).await;
    let minted = mint(&server, &key, 10).await;
    let token = minted["session_token"].as_str().unwrap().to_owned();

    let first = create(&server, &token, "q1q1q1q1q1").await;
    assert_eq!(first.status, 200, "{}", first.body);
    let card_id = first.json()["Created"]["card_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(create(&server, &token, "q2q2q2q2q2").await.status, 200);
    let third = create(&server, &token, "q3q3q3q3q3").await;
    assert_eq!(third.status, 429, "{}", third.body);
    assert!(third.body.contains("Too many attempts"), "{}", third.body);
    assert!(retry_after(&third) >= 1);
    let (cards, _) = db
        .cards(&merchant, &Default::default(), 1, 100)
        .await
        .unwrap();
    assert_eq!(cards.len(), 2, "the refused form made nothing");

    // Reveals: the card is not active yet, so each answers "not available", but each counts.
    let reveal = form(&[("session", &token), ("card_id", &card_id)]);
    let answer = http_client::post_form(server.addr, "/api/widget/reveal", &reveal).await;
    assert!(answer.body.contains("not available"), "{}", answer.body);
    let answer = http_client::post_form(server.addr, "/api/widget/reveal", &reveal).await;
    assert_eq!(answer.status, 429, "{}", answer.body);
    assert!(retry_after(&answer) > 1, "a per-minute limit waits longer");

    // One status stream at a time: a second connection is refused while the first is open.
    let path = format!("/api/widget/v1/cards/{card_id}/events?session={token}");
    let (status_line, _first_stream) = open_stream(&server, &path).await;
    assert!(status_line.contains(" 200 "), "{status_line}");
    let second = http_client::get(server.addr, &path).await;
    assert_eq!(second.status, 429, "{}", second.body);
    assert!(
        second.body.contains("too many live status"),
        "{}",
        second.body
    );
    assert!(retry_after(&second) >= 1);
    // Another session's stream is not affected.
    let other = mint(&server, &key, 1).await;
    let other_token = other["session_token"].as_str().unwrap().to_owned();
    let other_card = create(&server, &other_token, "o1o1o1o1o1").await.json()["Created"]["card_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other_path = format!("/api/widget/v1/cards/{other_card}/events?session={other_token}");
    let (other_status, _other_stream) = open_stream(&server, &other_path).await;
    assert!(other_status.contains(" 200 "), "{other_status}");
}

async fn unknown_widget_sessions_are_limited_per_address(db: &Database) {
    let limits = RateLimitSettings {
        per_address_per_second: 1,
        ..OFF
    };
    let server = TestServer::start_with_edge(db, false, edge(limits)).await;
    let guess = form(&[("session", "wst_guess"), ("card_id", "c_1")]);
    let mut answers = Vec::new();
    for _ in 0..4 {
        let answer = http_client::post_form(server.addr, "/api/widget/card", &guess).await;
        answers.push((answer.status, answer.body.contains("not valid")));
    }
    // Two tries within the burst say "not valid"; the third uses up the bucket; from then on
    // the address is refused before its token is even looked up.
    assert!(
        answers[..3].iter().all(|(_, not_valid)| *not_valid),
        "{answers:?}"
    );
    assert_eq!(answers[3].0, 429, "{answers:?}");
    assert!(!answers[3].1, "a refused guess learns nothing");
}
