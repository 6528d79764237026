//! Card numbers, CVCs and widget session tokens never reach the logs: every log line of a card's
//! whole life, at TRACE level and including the SQL driver's, is captured and searched for them.

mod support;

use std::{
    io::Write,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::json;
use support::{http_client, TestDatabase, TestServer};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_card_life_at_trace_level_never_logs_its_pan_or_cvc() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_env_filter("trace")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    for db in [TestDatabase::sqlite().await, TestDatabase::postgres().await] {
        let server = TestServer::start(&db.database).await;
        let (merchant, key) = server.merchant(100_000).await;
        let body = json!({
            "cardHolder": { "firstName": "Milton", "lastName": "Schmitt" }, "deposit": "1000",
            "vid": "vab_069af8a792ad", "orderNo": "logged", "callbackUrl": "https://example.com/h"
        });
        let created = http_client::request(
            server.addr,
            "POST",
            "/api/vcc/v1/cards",
            Some(&key),
            Some(&body.to_string()),
        )
        .await
        .json();
        let card_id = created["model"]["card"]["cardId"]
            .as_str()
            .unwrap()
            .to_owned();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let card = http_client::request(
                server.addr,
                "GET",
                &format!("/api/vcc/v1/cards/{card_id}"),
                Some(&key),
                None,
            )
            .await
            .json();
            if card["model"]["card"]["status"] == "ACTIVE" {
                break;
            }
            assert!(Instant::now() < deadline);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let path = format!("/api/vcc/v1/cards/{card_id}/reveal");
        let secrets = http_client::request(server.addr, "POST", &path, Some(&key), None)
            .await
            .json();
        let pan = secrets["model"]["number"].as_str().unwrap().to_owned();
        let cvc = secrets["model"]["cvc"].as_str().unwrap().to_owned();
        http_client::request(
            server.addr,
            "DELETE",
            &format!("/api/vcc/v1/cards/{card_id}"),
            Some(&key),
            None,
        )
        .await;

        // A widget session token travels in query strings (frame, event stream): never logged.
        let minted = http_client::request(
            server.addr,
            "POST",
            "/api/widget/v1/sessions",
            Some(&key),
            Some(&json!({"allowed_origins": ["https://partner.example"]}).to_string()),
        )
        .await
        .json();
        let token = minted["session_token"].as_str().unwrap().to_owned();
        http_client::get(server.addr, &format!("/widget/frame?session={token}")).await;
        http_client::get(
            server.addr,
            &format!("/api/widget/v1/cards/{card_id}/events?session={token}"),
        )
        .await;

        let logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
        assert!(!logs.contains(&token), "a widget session token was logged");
        assert!(
            logs.contains("session=[redacted]"),
            "the frame's request was logged, redacted"
        );
        assert!(
            logs.contains(&card_id) && logs.contains("card details revealed"),
            "logging was captured"
        );
        // The reveal ran in the service's span and the store's, named by ids, nothing else.
        let service_span = format!("reveal{{merchant_id={merchant} card_id={card_id}}}");
        let store_span = format!("card_secrets{{merchant_id={merchant} card_id={card_id}}}");
        assert!(logs.contains(&service_span), "no span {service_span}");
        assert!(logs.contains(&store_span), "no span {store_span}");
        assert!(!logs.contains(&pan), "the PAN was logged");
        assert!(!logs.contains(&pan[6..]), "most of the PAN was logged");
        assert!(
            !logs.contains(&format!("cvc={cvc}")) && !logs.contains(&format!("\"{cvc}\"")),
            "the CVC was logged"
        );
    }
}
