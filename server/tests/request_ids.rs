//! Every answer carries an `x-request-id` (the one the request came with when it is a sane one,
//! otherwise a new one), so a merchant's support request and the server's log line meet.

mod support;

use std::collections::HashSet;

use support::{http_client, TestDatabase, TestServer};

#[tokio::test]
async fn every_answer_has_a_request_id_and_a_given_one_is_kept() {
    let db = TestDatabase::sqlite().await;
    let server = TestServer::start(&db.database).await;
    let (_, key) = server.merchant(100_000).await;

    let mut seen = HashSet::new();
    for (path, bearer) in [
        ("/", None),
        ("/healthz", None),
        ("/api/vcc/v1/card-ranges", Some(key.as_str())),
        ("/api/v1/cards/bins", Some(key.as_str())),
        ("/api/vcc/v1/nothing", Some(key.as_str())),
        ("/api/v1/cards/bins", None),
    ] {
        let answer = http_client::request(server.addr, "GET", path, bearer, None).await;
        let id = answer
            .header("x-request-id")
            .unwrap_or_else(|| panic!("{path}: no x-request-id ({})", answer.status))
            .to_owned();
        assert!(id.starts_with("req_"), "{path}: {id}");
        assert!(seen.insert(id), "{path}: a request id was reused");
    }

    let given = [("x-request-id", "checkout-42.attempt_1")];
    let answer = http_client::request_with_headers(
        server.addr,
        "GET",
        "/api/vcc/v1/card-ranges",
        Some(&key),
        None,
        &given,
    )
    .await;
    assert_eq!(answer.header("x-request-id"), Some("checkout-42.attempt_1"));

    // Anything else (too long, or characters a log line should not carry) is replaced.
    let long = "x".repeat(200);
    for odd in [long.as_str(), "a b", "<script>"] {
        let answer = http_client::request_with_headers(
            server.addr,
            "GET",
            "/healthz",
            None,
            None,
            &[("x-request-id", odd)],
        )
        .await;
        let id = answer.header("x-request-id").unwrap();
        assert!(id.starts_with("req_"), "{odd:?} kept as {id}");
    }
}
