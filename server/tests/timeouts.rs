//! Timeouts over real HTTP: a client must send its headers in time, an idle keep-alive connection
//! is closed, and a request whose body dawdles answers 408 in the dialect's shape. Without them a
//! few slow clients hold every capped connection slot for as long as they like.

mod support;

use std::time::{Duration, Instant};

use server::{http::connection_server::ConnectionSettings, EdgeSettings};
use support::{http_client, TestDatabase, TestServer};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

const HEADER_TIMEOUT: Duration = Duration::from_secs(1);

async fn server(db: &TestDatabase, request_timeout: Duration) -> TestServer {
    let connections = ConnectionSettings {
        header_timeout: HEADER_TIMEOUT,
        ..ConnectionSettings::default()
    };
    let edge = EdgeSettings {
        request_timeout,
        ..EdgeSettings::default()
    };
    TestServer::start_serving(&db.database, connections, edge).await
}

/// Reads until the server closes the connection (or `limit` passes); answers what was read and
/// how long the server took to close.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, Option<Duration>) {
    let started = Instant::now();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let left = limit.saturating_sub(started.elapsed());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                return (
                    String::from_utf8_lossy(&received).into_owned(),
                    Some(started.elapsed()),
                )
            }
            Ok(Ok(read)) => received.extend_from_slice(&buffer[..read]),
            Err(_) => return (String::from_utf8_lossy(&received).into_owned(), None),
        }
    }
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let db = TestDatabase::sqlite().await;
    let server = server(&db, Duration::from_secs(30)).await;
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let (_, closed_after) = read_until_closed(&mut slow, Duration::from_secs(10)).await;
    let closed_after =
        closed_after.expect("the server must close a connection whose headers never end");
    assert!(closed_after >= HEADER_TIMEOUT / 2, "{closed_after:?}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let db = TestDatabase::sqlite().await;
    let server = server(&db, Duration::from_secs(30)).await;
    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (received, closed_after) = read_until_closed(&mut idle, Duration::from_secs(10)).await;
    assert!(received.starts_with("HTTP/1.1 200"), "{received}");
    assert!(
        closed_after.is_some(),
        "an idle keep-alive connection must not stay open for ever"
    );
}

#[tokio::test]
async fn a_body_that_dawdles_answers_408_in_the_dialects_shape() {
    let db = TestDatabase::sqlite().await;
    let server = server(&db, Duration::from_secs(1)).await;
    let (_, key) = server.merchant(0).await;
    for (path, expected) in [
        ("/api/vcc/v1/cards", "\"code\":4080"),
        ("/api/v1/cards/card/add", "\"type\":\"request_timeout\""),
    ] {
        let mut slow = TcpStream::connect(server.addr).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n\
             Content-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{{\"a\":"
        );
        slow.write_all(head.as_bytes()).await.unwrap();
        let (received, closed_after) = read_until_closed(&mut slow, Duration::from_secs(10)).await;
        assert!(closed_after.is_some(), "{path}: no answer");
        assert!(received.starts_with("HTTP/1.1 408"), "{path}: {received}");
        assert!(received.contains(expected), "{path}: {received}");
    }
    // A prompt request on the same server is unaffected.
    let healthy = http_client::get(server.addr, "/healthz").await;
    assert_eq!(healthy.status, 200);
}

/// A status stream is a response still being written, not a connection waiting for headers: it
/// stays open past the header timeout for as long as its card is not settled.
#[tokio::test]
async fn a_status_stream_outlives_the_header_timeout() {
    let db = TestDatabase::sqlite().await;
    let server = server(&db, Duration::from_secs(30)).await;
    let (_, key) = server.merchant(100_000).await;
    let session = r#"{"allowed_origins": ["https://shop.example"]}"#;
    let (_, minted) = server
        .call(&key, "POST", "/api/widget/v1/sessions", Some(session))
        .await;
    let token = minted["session_token"].as_str().unwrap();
    let form = format!(
        "session={token}&form[range_id]=vab_069af8a792ad&form[first_name]=Milton&\
         form[last_name]=Schmitt&form[deposit]=25&form[fee_type]=ONE&form[email]=&\
         idempotency_key=s1s1s1s1s1"
    );
    let created = http_client::post_form(server.addr, "/api/widget/create_card", &form).await;
    let card_id = created.json()["Created"]["card_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // No worker runs: the card stays INIT and its stream stays open.
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let request = format!(
        "GET /api/widget/v1/cards/{card_id}/events?session={token} HTTP/1.1\r\nHost: x\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let (received, closed_after) = read_until_closed(&mut stream, HEADER_TIMEOUT * 3).await;
    assert!(received.starts_with("HTTP/1.1 200"), "{received}");
    assert!(
        received.contains("event") || received.contains("data:"),
        "{received}"
    );
    assert_eq!(closed_after, None, "the stream was cut: {received}");
}
