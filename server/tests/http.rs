//! The server over real HTTP on a loopback port: probes, server-rendered page, server function,
//! and graceful shutdown.

mod support;

use std::time::Duration;

use server::store::Database;
use support::{http_client, TestDatabase, TestServer};
use tokio::{io::AsyncWriteExt, net::TcpStream};

async fn start(database: Database) -> TestServer {
    TestServer::start_with(&database, false).await
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|error| panic!("not JSON ({error}): {body}"))
}

#[tokio::test]
async fn healthz_answers_ok() {
    let db = TestDatabase::sqlite().await;
    let server = start(db.database.clone()).await;
    let response = http_client::get(server.addr, "/healthz").await;
    assert_eq!(response.status, 200);
    assert_eq!(json(&response.body), serde_json::json!({ "status": "ok" }));
}

#[tokio::test]
async fn readyz_follows_the_database() {
    for db in [TestDatabase::sqlite().await, TestDatabase::postgres().await] {
        let backend = db.database.backend().name();
        let server = start(db.database.clone()).await;
        let ready = http_client::get(server.addr, "/readyz").await;
        assert_eq!(ready.status, 200, "{backend}");
        assert_eq!(
            json(&ready.body),
            serde_json::json!({ "status": "ready", "database": backend })
        );

        db.database.close().await;
        let unready = http_client::get(server.addr, "/readyz").await;
        assert_eq!(unready.status, 503, "{backend}");
        assert_eq!(
            json(&unready.body),
            serde_json::json!({ "status": "unavailable", "database": backend })
        );
        // And liveness is unaffected: the process itself is fine.
        assert_eq!(http_client::get(server.addr, "/healthz").await.status, 200);
    }
}

#[tokio::test]
async fn home_page_is_rendered_on_the_server_with_its_hydration_script() {
    let db = TestDatabase::sqlite().await;
    let server = start(db.database.clone()).await;
    let response = http_client::get(server.addr, "/").await;
    assert_eq!(response.status, 200);
    assert!(
        response.body.contains(r#"data-testid="check-system""#),
        "{}",
        response.body
    );
    assert!(response.body.contains("Not checked yet."));
    assert!(response.body.contains("/pkg/cardkit.js"));
    assert!(response.body.contains("/pkg/cardkit.css"));
}

/// The home page is public: its check proves the server reaches its database, and tells an
/// anonymous visitor nothing an attacker could use (database kind, schema or server version).
#[tokio::test]
async fn check_system_answers_reachability_without_revealing_the_deployment() {
    for db in [TestDatabase::sqlite().await, TestDatabase::postgres().await] {
        let server = start(db.database.clone()).await;
        let response = http_client::post_form(server.addr, "/api/check_system", "").await;
        assert_eq!(response.status, 200, "{}", response.body);
        let status = json(&response.body);
        assert_eq!(status["database_reachable"], true, "{status}");
        assert!(status["round_trip_micros"].is_u64(), "{status}");
        let fields: Vec<&String> = status.as_object().unwrap().keys().collect();
        assert_eq!(
            fields,
            ["database_reachable", "round_trip_micros"],
            "{status}"
        );
        for detail in [
            db.database.backend().name().to_owned(),
            env!("CARGO_PKG_VERSION").to_owned(),
        ] {
            assert!(
                !response.body.contains(&detail),
                "{detail} leaked: {status}"
            );
        }
    }
}

#[tokio::test]
async fn check_system_reports_an_unreachable_database_as_an_error_without_details() {
    let db = TestDatabase::sqlite().await;
    let server = start(db.database.clone()).await;
    db.database.close().await;
    let response = http_client::post_form(server.addr, "/api/check_system", "").await;
    assert_eq!(response.status, 500);
    assert!(
        response.body.contains("the database is not reachable"),
        "{}",
        response.body
    );
    assert!(
        !response.body.contains(&db.url),
        "the database location must not leak"
    );
}

#[tokio::test]
async fn unknown_paths_are_404() {
    let db = TestDatabase::sqlite().await;
    let server = start(db.database.clone()).await;
    assert_eq!(
        http_client::get(server.addr, "/no/such/page").await.status,
        404
    );
}

#[tokio::test]
async fn shutdown_lets_an_in_flight_request_finish_and_refuses_new_ones() {
    let db = TestDatabase::sqlite().await;
    let mut server = start(db.database.clone()).await;

    // A request whose body is only half sent is in flight until the rest arrives.
    let mut in_flight = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST /api/check_system HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\n\
         Content-Length: 4\r\n\r\nab",
        server.addr
    );
    in_flight.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    server.stop.take().unwrap().send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !server.task.as_ref().unwrap().is_finished(),
        "the server must wait for the in-flight request"
    );
    assert!(
        TcpStream::connect(server.addr).await.is_err(),
        "no new connections during shutdown"
    );

    in_flight.write_all(b"=1").await.unwrap();
    let response = http_client::read_response(in_flight).await;
    assert_eq!(response.status, 200, "{}", response.body);

    let finished = tokio::time::timeout(Duration::from_secs(5), server.task.take().unwrap()).await;
    finished
        .expect("server stops after the last request")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn the_favicon_is_an_icon_not_an_html_404() {
    let db = TestDatabase::sqlite().await;
    let server = start(db.database.clone()).await;
    let response = http_client::get(server.addr, "/favicon.ico").await;
    assert_eq!(response.status, 200, "{}", response.head);
    assert!(
        response
            .head
            .to_ascii_lowercase()
            .contains("content-type: image/svg+xml"),
        "{}",
        response.head
    );
    assert!(response.body.starts_with("<svg"), "{}", response.body);
}

/// Cleartext HTTP/2 (prior knowledge) is still served beside HTTP/1, also when the preface
/// arrives in pieces: the server answers the preface with its own SETTINGS frame.
#[tokio::test]
async fn http2_with_prior_knowledge_is_served() {
    use tokio::io::AsyncReadExt;
    let db = TestDatabase::sqlite().await;
    let server = start(db.database.clone()).await;
    let preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    // An empty SETTINGS frame: length 0, type 4, no flags, stream 0.
    let settings = [0_u8, 0, 0, 4, 0, 0, 0, 0, 0];
    for split in [preface.len(), 2] {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        stream.write_all(&preface[..split]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        stream.write_all(&preface[split..]).await.unwrap();
        stream.write_all(&settings).await.unwrap();
        let mut frame = [0_u8; 9];
        tokio::time::timeout(Duration::from_secs(5), stream.read_exact(&mut frame))
            .await
            .expect("the server answers the preface")
            .unwrap();
        assert_eq!(
            frame[3], 4,
            "the server's first frame is SETTINGS: {frame:?}"
        );
    }
}
