//! `GET /metrics` (Prometheus text) on its own listener: what the server counted while a card
//! was created, provisioned and followed, and what a scrape reads from the database. Its own
//! test binary: the metrics recorder is one per process.

mod support;

use std::time::Duration;

use app::domain::CardStatus;
use clap::Parser;
use serde_json::json;
use server::{
    config::Config,
    observability,
    store::Database,
    webhooks::{
        delivery_worker::{DeliverySettings, DeliveryWorker},
        CallbackPolicy,
    },
    StartupError,
};
use support::{http_client, TestServer};

on_every_backend!(a_scrape_shows_requests_creations_stages_and_queues);

/// The value of the first sample line that starts with `series` (name and labels as rendered).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|line| line.starts_with(series))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

/// The recorder is shared by the process: the two backends' tests take turns, so neither reads
/// the gauges the other's scrape set.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn a_scrape_shows_requests_creations_stages_and_queues(db: &Database) {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = TestServer::start(db).await;
    let (merchant, key) = server.merchant(100_000).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let metrics_addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let serving = tokio::spawn(observability::serve(listener, db.clone(), stopped));

    // A receiver on loopback that takes every callback.
    let receiver = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", receiver.local_addr().unwrap());
    let app = axum::Router::new().route("/hook", axum::routing::post(|| async { "ok" }));
    tokio::spawn(async move { axum::serve(receiver, app).await });
    let body = json!({
        "cardHolder": { "firstName": "Milton", "lastName": "Schmitt" }, "deposit": "1000",
        "vid": "vab_069af8a792ad", "orderNo": "metrics-1", "callbackUrl": hook
    });
    let created = http_client::request(
        server.addr,
        "POST",
        "/api/vcc/v1/cards",
        Some(&key),
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let card_id = created.json()["model"]["card"]["cardId"]
        .as_str()
        .unwrap()
        .to_owned();
    let card_id = app::domain::ids::CardId::new(card_id);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while db.card(&merchant, &card_id).await.unwrap().unwrap().status != CardStatus::Active {
        assert!(
            std::time::Instant::now() < deadline,
            "the card never became ACTIVE"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let missing = http_client::get(server.addr, "/api/vcc/v1/cards/c_nope").await;
    assert_ne!(missing.status, 200);

    // The test server runs no delivery worker: the card's four status callbacks wait.
    let scraped = http_client::get(metrics_addr, "/metrics").await;
    assert_eq!(
        sample(&scraped.body, "cardkit_callbacks_undelivered"),
        Some(4.0),
        "{}",
        scraped.body
    );
    assert!(
        sample(
            &scraped.body,
            "cardkit_callbacks_oldest_undelivered_seconds"
        )
        .unwrap_or(-1.0)
            >= 0.0,
        "{}",
        scraped.body
    );
    let delivery = DeliveryWorker::new(
        db.clone(),
        DeliverySettings::for_this_process(CallbackPolicy {
            allow_private: true,
        }),
    );
    // One message per card at a time, in order.
    while delivery.run_once().await.unwrap() > 0 {}
    let scraped = http_client::get(metrics_addr, "/metrics").await;
    assert_eq!(scraped.status, 200);
    assert!(scraped
        .header("content-type")
        .unwrap()
        .starts_with("text/plain"));
    let text = &scraped.body;
    let created =
        r#"cardkit_http_requests_total{route="/api/vcc/v1/cards",method="POST",status="200"}"#;
    assert!(sample(text, created).unwrap_or(0.0) >= 1.0, "{text}");
    // The route is the template, not the path with its id.
    assert!(!text.contains("c_nope"), "{text}");
    assert!(
        text.contains(r#"cardkit_http_request_duration_seconds_bucket{route="/api/vcc/v1/cards",method="POST",le="0.005"}"#),
        "{text}"
    );
    assert!(
        sample(text, "cardkit_cards_created_total").unwrap_or(0.0) >= 1.0,
        "{text}"
    );
    assert!(
        sample(
            text,
            r#"cardkit_provisioning_stage_duration_seconds_count{stage="opening_card"}"#
        )
        .unwrap_or(0.0)
            >= 1.0,
        "{text}"
    );
    // Read from the database at the scrape: nothing waits any more.
    assert_eq!(
        sample(text, r#"cardkit_cards_waiting{stage="opening_card"}"#),
        Some(0.0),
        "{text}"
    );
    assert_eq!(
        sample(text, "cardkit_callbacks_undelivered"),
        Some(0.0),
        "{text}"
    );
    assert!(
        sample(
            text,
            r#"cardkit_callback_attempts_total{outcome="delivered"}"#
        )
        .unwrap_or(0.0)
            >= 4.0,
        "{text}"
    );
    assert!(
        sample(text, "cardkit_db_pool_max_connections").unwrap_or(0.0) >= 1.0,
        "{text}"
    );

    let _ = stop.send(true);
    serving.await.unwrap();
}

/// Metrics are not served beyond loopback unless asked for explicitly.
#[tokio::test]
async fn metrics_on_a_public_address_need_an_explicit_flag() {
    let data = tempfile::tempdir().unwrap();
    let config = Config::try_parse_from([
        "cardkit",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        &data.path().display().to_string(),
        "--metrics-listen",
        "0.0.0.0:0",
        "--no-sandbox",
    ])
    .unwrap();
    let Err(StartupError::Invalid(message)) = server::run(config).await else {
        panic!("a public metrics address was accepted without --metrics-public");
    };
    assert!(message.contains("--metrics-public"), "{message}");
}
