//! Security headers on pages and API answers: no content sniffing, a referrer policy, pages that
//! cannot be framed (the widget's frame keeps the policy of its session), and no API answer stored
//! by a browser — the widget's reveal, which carries a PAN and CVC, included.

mod support;

use support::{http_client, TestDatabase, TestServer};

#[tokio::test]
async fn pages_and_api_answers_carry_the_security_headers() {
    let db = TestDatabase::sqlite().await;
    let server = TestServer::start(&db.database).await;
    let (_, key) = server.merchant(100_000).await;

    let home = http_client::get(server.addr, "/").await;
    assert_eq!(home.status, 200);
    assert_eq!(home.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        home.header("referrer-policy"),
        Some("strict-origin-when-cross-origin")
    );
    let policy = home
        .header("content-security-policy")
        .expect("a CSP on the console page");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert_eq!(home.header("x-frame-options"), Some("DENY"));

    for path in [
        "/api/vcc/v1/card-ranges",
        "/api/v1/cards/bins",
        "/api/vcc/v1/nothing",
    ] {
        let answer = http_client::request(server.addr, "GET", path, Some(&key), None).await;
        assert_eq!(
            answer.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(answer.header("cache-control"), Some("no-store"), "{path}");
    }

    // The widget's reveal is a server function: refused here (no session), but the route's
    // answers are never stored, whatever they carry.
    let reveal =
        http_client::post_form(server.addr, "/api/widget/reveal", "session=x&card_id=c_1").await;
    assert_eq!(
        reveal.header("cache-control"),
        Some("no-store"),
        "{}",
        reveal.head
    );
    assert_eq!(reveal.header("x-content-type-options"), Some("nosniff"));

    // The widget's frame keeps the framing policy of its session.
    let frame = http_client::get(server.addr, "/widget/frame?session=unknown").await;
    let policy = frame
        .header("content-security-policy")
        .unwrap_or_default()
        .to_owned();
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(
        frame.header("x-frame-options").is_none(),
        "the frame's CSP decides: {}",
        frame.head
    );
}
