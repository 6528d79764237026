//! Several `cardkit` processes on one PostgreSQL, as a deployment behind a load balancer runs
//! them: both start at once (their migrations do not collide), cards are created through both, a
//! widget tracker on instance B follows a card created and provisioned by instance A (the change
//! crosses through `LISTEN/NOTIFY`), and when instance A is killed (`SIGKILL`, no shutdown)
//! mid-provisioning, B finishes every card: no stage completed twice, no fee charged twice,
//! every status callback delivered at least once with one `webhook-id` per message, and the
//! ledger's invariants hold.

mod support;

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use app::domain::{
    ids::CardId,
    ledger::{Account, EntryKind},
    Cents,
};
use axum::{extract::State, http::HeaderMap, routing::post, Router};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::Value;
use server::{onboarding::onboard_merchant, store::Database};
use support::{
    cardkit_process::{
        create_card, start_instance, wait_until_active, wait_until_ready, widget_card,
    },
    http_client,
    money_invariants::check_money_invariants,
    TestDatabase,
};

/// Every callback the receiver got: (webhook-id, body).
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<(String, Value)>>>);

async fn hook(State(received): State<Received>, headers: HeaderMap, body: String) {
    let id = headers
        .get("webhook-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = serde_json::from_str(&body).unwrap_or(Value::Null);
    received.0.lock().unwrap().push((id, body));
}

async fn start_receiver() -> (String, Received) {
    let received = Received::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = Router::new()
        .route("/hook", post(hook))
        .with_state(received.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

/// Two instances on one PostgreSQL, one of them killed mid-provisioning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_instances_share_the_work_and_survive_one_being_killed() {
    let test_db = TestDatabase::postgres().await;
    let db = &test_db.database;
    let card_key = STANDARD.encode([42_u8; 32]);
    // Started together on the just-created (empty) database: the migrations race.
    let instance_a = start_instance(&test_db.url, &card_key);
    let instance_b = start_instance(&test_db.url, &card_key);
    wait_until_ready(&instance_a).await;
    wait_until_ready(&instance_b).await;
    let onboarded = onboard_merchant(db, "Two instances", Cents(10_000_000))
        .await
        .unwrap();
    let (merchant, api_key) = (onboarded.merchant.id, onboarded.api_key);
    let (hook_url, received) = start_receiver().await;

    // A tracker on B follows a card created (and so far provisioned) by A.
    let (session, tracked) = widget_card(&instance_a, &api_key, "acrossinstances").await;
    let events_path = format!("/api/widget/v1/cards/{tracked}/events?session={session}");
    let tracker = tokio::spawn({
        let addr = instance_b.addr;
        async move { http_client::get(addr, &events_path).await }
    });

    let mut cards = Vec::new();
    for n in 0..8 {
        let instance = if n % 2 == 0 { &instance_a } else { &instance_b };
        cards.push(create_card(instance, &api_key, &format!("two-{n}"), &hook_url).await);
    }
    // Mid-provisioning (stages take 300 ms): A dies without handing anything back, holding
    // leases on cards that B must take over.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let held_by_a = cards_leased_by(db, instance_a.child.id()).await;
    drop(instance_a);
    assert!(
        held_by_a > 0,
        "A was killed holding no card: nothing to take over"
    );

    let after = "after instance A was killed";
    wait_until_active(db, &merchant, &cards, Duration::from_secs(60), after).await;

    // The tracker on B saw the card to ACTIVE, though its stages were committed by A and B.
    let stream = tokio::time::timeout(Duration::from_secs(30), tracker)
        .await
        .expect("the tracker on B ends once the card is ACTIVE")
        .unwrap();
    assert_eq!(stream.status, 200);
    assert!(
        stream.body.contains(r#""status":"ACTIVE""#),
        "{}",
        stream.body
    );

    for card in &cards {
        let view = db.card(&merchant, card).await.unwrap().unwrap();
        let stages: Vec<_> = view.events.iter().map(|event| event.stage).collect();
        let distinct: BTreeSet<_> = stages.iter().map(|stage| stage.code()).collect();
        assert_eq!(
            (stages.len(), distinct.len()),
            (5, 5),
            "card {card}: each stage completed once: {stages:?}"
        );
        let seqs: Vec<i64> = view.events.iter().map(|event| event.seq).collect();
        assert_eq!(seqs, [1, 2, 3, 4, 5], "card {card}");
    }
    fees_were_charged_once(db, &cards).await;
    check_money_invariants(db).await.unwrap();
    every_callback_arrived_with_a_stable_id(&received, &cards).await;
    drop(instance_b);
}

/// How many cards the provisioning worker of process `pid` holds a lease on (its lease owner is
/// `worker-<pid>-…`).
async fn cards_leased_by(db: &Database, pid: u32) -> i64 {
    let server::store::Pool::Postgres(pool) = db.pool() else {
        unreachable!("a PostgreSQL test database")
    };
    sqlx::query_scalar("SELECT COUNT(*) FROM cards WHERE lease_owner LIKE $1")
        .bind(format!("worker-{pid}-%"))
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn fees_were_charged_once(db: &Database, cards: &[CardId]) {
    let journal = db.journal().await.unwrap();
    for card in cards {
        let account = Account::Card(card.clone());
        let fees = journal
            .iter()
            .filter(|entry| entry.kind == EntryKind::CardFee)
            .filter(|entry| {
                entry
                    .postings
                    .iter()
                    .any(|posting| posting.account == account)
            })
            .count();
        assert_eq!(fees, 1, "card {card}: the first month's fee, once");
    }
}

/// Each card's four status changes (INIT … ACTIVE) reached the receiver; a message delivered
/// twice (its sender killed after sending) carries the same `webhook-id` both times.
async fn every_callback_arrived_with_a_stable_id(received: &Received, cards: &[CardId]) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let got = received.0.lock().unwrap().clone();
        let mut statuses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut ids: BTreeMap<(String, i64), BTreeSet<String>> = BTreeMap::new();
        for (id, body) in &got {
            let card = body["data"]["cardId"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let status = body["data"]["status"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let sequence = body["sequence"].as_i64().unwrap_or_default();
            statuses.entry(card.clone()).or_default().insert(status);
            ids.entry((card, sequence)).or_default().insert(id.clone());
        }
        for ((card, sequence), ids) in &ids {
            assert_eq!(ids.len(), 1, "card {card} message {sequence}: ids {ids:?}");
        }
        let complete = cards.iter().all(|card| {
            statuses
                .get(card.as_str())
                .is_some_and(|seen| seen.len() == 4 && seen.contains("ACTIVE"))
        });
        if complete {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "callbacks missing after 60 s: {statuses:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
