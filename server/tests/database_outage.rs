//! The database goes down under a running `cardkit` and comes back. While it is down, requests
//! fail fast (after the first finds it down) with each dialect's 503 shape and a `Retry-After`,
//! `/readyz` says unavailable and `/healthz` stays up; when it is back, the same process serves
//! again without a restart: readiness returns, cards are created, the card that was being
//! provisioned reaches ACTIVE, and a tracker opened before the outage sees it there.

mod support;

use std::time::{Duration, Instant};

use app::domain::Cents;
use base64::{engine::general_purpose::STANDARD, Engine};
use dev_postgres::RestartableCluster;
use serde_json::json;
use server::{onboarding::onboard_merchant, store::Database};
use support::{
    cardkit_process::{
        create_card, request_card, start_instance, wait_until_active, wait_until_ready,
        widget_card, Instance,
    },
    http_client,
    money_invariants::check_money_invariants,
};

/// Once the database is known to be down, an answer must not wait for it. Generous for a loaded
/// CI machine; waiting out the pool (3 s) would exceed it.
const FAST: Duration = Duration::from_millis(1500);
/// A callback URL nobody listens on: this test is not about callbacks.
const NO_RECEIVER: &str = "http://127.0.0.1:9/hook";

/// A dialect B card creation, as answered.
async fn request_card_b(instance: &Instance, api_key: &str) -> http_client::Response {
    let body = json!({ "email": "ada@example.com", "limit_all_time": 25 });
    http_client::request(
        instance.addr,
        "POST",
        "/api/v1/cards/card/add",
        Some(api_key),
        Some(&body.to_string()),
    )
    .await
}

async fn timed<T>(work: impl std::future::Future<Output = T>) -> (T, Duration) {
    let started = Instant::now();
    let answer = work.await;
    (answer, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_answers_503_fast_and_everything_resumes_without_a_restart() {
    let cluster = RestartableCluster::start().expect("a restartable PostgreSQL");
    let url = cluster.url();
    let instance = start_instance(&url, &STANDARD.encode([7_u8; 32]));
    wait_until_ready(&instance).await;
    let db = Database::connect(&url).await.unwrap();
    let onboarded = onboard_merchant(&db, "Outage", Cents(10_000_000))
        .await
        .unwrap();
    let (merchant, api_key) = (onboarded.merchant.id, onboarded.api_key);

    // A card being provisioned (300 ms stages), and its tracker open, when the database stops.
    let (session, card_id) = widget_card(&instance, &api_key, "beforetheoutage").await;
    let events = format!("/api/widget/v1/cards/{card_id}/events?session={session}");
    let tracker = tokio::spawn({
        let addr = instance.addr;
        async move { http_client::get(addr, &events).await }
    });
    tokio::time::sleep(Duration::from_millis(400)).await;
    cluster.stop().unwrap();

    // The first request finds the database down (it may wait out the pool's acquire timeout).
    let (first, took) = timed(request_card(&instance, &api_key, "during-0", NO_RECEIVER)).await;
    assert_eq!(first.status, 503, "{}", first.body);
    assert!(
        took < Duration::from_secs(8),
        "the first refusal took {took:?}"
    );

    // From then on every answer is immediate, in the dialect's shape, with Retry-After.
    for n in 1..4 {
        let (refused, took) = timed(request_card(
            &instance,
            &api_key,
            &format!("during-{n}"),
            NO_RECEIVER,
        ))
        .await;
        assert_eq!(refused.status, 503, "{}", refused.body);
        assert!(took < FAST, "dialect A refusal {n} took {took:?}");
        assert_eq!(refused.header("retry-after"), Some("1"));
        let envelope = refused.json();
        assert_eq!(envelope["success"], false);
        assert_eq!(envelope["code"], 5030, "{envelope}");
        assert!(
            envelope["msg"].as_str().unwrap().contains("try again"),
            "{envelope}"
        );
    }
    let (refused, took) = timed(request_card_b(&instance, &api_key)).await;
    assert_eq!(refused.status, 503, "{}", refused.body);
    assert!(took < FAST, "dialect B refusal took {took:?}");
    assert_eq!(refused.header("retry-after"), Some("1"));
    assert_eq!(
        refused.json()["detail"][0]["type"],
        "service_unavailable",
        "{}",
        refused.body
    );
    let path = format!("/api/vcc/v1/cards/{card_id}");
    let (read, took) = timed(http_client::request(
        instance.addr,
        "GET",
        &path,
        Some(&api_key),
        None,
    ))
    .await;
    assert_eq!(read.status, 503, "{}", read.body);
    assert!(took < FAST, "a read took {took:?}");

    let (ready, took) = timed(http_client::get(instance.addr, "/readyz")).await;
    assert_eq!(ready.status, 503, "{}", ready.body);
    assert!(took < FAST, "readiness took {took:?}");
    assert_eq!(
        http_client::get(instance.addr, "/healthz").await.status,
        200
    );

    // Back: the same process serves again by itself.
    cluster.resume().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while http_client::get(instance.addr, "/readyz").await.status != 200 {
        assert!(Instant::now() < deadline, "never ready again");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answer = request_card_b(&instance, &api_key).await;
        if answer.status == 201 || answer.status == 200 {
            break;
        }
        assert_eq!(answer.status, 503, "{}", answer.body);
        assert!(Instant::now() < deadline, "still refused: {}", answer.body);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let after = create_card(&instance, &api_key, "after-the-outage", NO_RECEIVER).await;

    // The card caught mid-provisioning, and the one created after, both reach ACTIVE.
    let interrupted = app::domain::ids::CardId::new(card_id.clone());
    let cards = [interrupted, after];
    wait_until_active(
        &db,
        &merchant,
        &cards,
        Duration::from_secs(60),
        "after the outage",
    )
    .await;
    // The tracker opened before the outage carried on and saw the card become ACTIVE.
    let stream = tokio::time::timeout(Duration::from_secs(30), tracker)
        .await
        .expect("the tracker ends once the card is ACTIVE")
        .unwrap();
    assert_eq!(stream.status, 200);
    assert!(
        stream.body.contains(r#""status":"ACTIVE""#),
        "{}",
        stream.body
    );
    // Nothing refused during the outage was half-done: no card under those order numbers.
    for n in 0..4 {
        let order = format!("during-{n}");
        assert!(db
            .card_by_order_no(&merchant, &order)
            .await
            .unwrap()
            .is_none());
    }
    check_money_invariants(&db).await.unwrap();
    drop(instance);
}
