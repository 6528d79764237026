//! Card status callbacks, on SQLite and PostgreSQL: signed per Standard Webhooks (checked by an
//! independent implementation, Python's hmac module), retried after receiver errors, logged, and
//! delivered by whichever worker runs next.

mod support;

use app::domain::ids::CardId;
use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use server::{store::Database, webhooks::delivery_worker::DeliveryWorker};
use support::{
    callback_receiver::{delivery_worker, start_receiver, Received},
    http_client, TestServer,
};

/// Standard Webhooks verification written independently of the server's signing code.
fn python_verifies(secret: &str, received: &Received) -> bool {
    let script = r#"
import base64, hashlib, hmac, sys
secret, msg_id, timestamp, header = sys.argv[1:5]
body = sys.stdin.buffer.read()
key = base64.b64decode(secret[len("whsec_"):])
expected = base64.b64encode(hmac.new(key, msg_id.encode() + b"." + timestamp.encode() + b"." + body, hashlib.sha256).digest()).decode()
sys.exit(0 if any(sig == "v1," + expected for sig in header.split(" ")) else 1)
"#;
    let mut child = Command::new("python3")
        .args([
            "-c",
            script,
            secret,
            &received.id,
            &received.timestamp,
            &received.signature,
        ])
        .stdin(Stdio::piped())
        .spawn()
        .expect("python3 is needed to verify signatures independently");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(received.body.as_bytes())
        .unwrap();
    child.wait().unwrap().success()
}

on_every_backend!(
    every_status_change_is_called_back_signed_and_retried,
    a_failing_receiver_is_retried_then_abandoned,
    a_cards_callbacks_arrive_in_order_and_a_receiver_can_catch_up,
    a_card_whose_receiver_fails_does_not_hold_up_other_cards,
);

async fn every_status_change_is_called_back_signed_and_retried(db: &Database) {
    let server = TestServer::start(db).await;
    let (_, key) = server.merchant(10_000).await;
    let secret = http_client::request(
        server.addr,
        "GET",
        "/api/vcc/v1/webhooks/secret",
        Some(&key),
        None,
    )
    .await
    .json()["model"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let (url, receiver) = start_receiver(1).await;
    let card_id = server.card_with_callbacks(&key, "cb-1", &url).await;

    // The first delivery worker dies after one round (it gets the 500); a second one carries on.
    let first = delivery_worker(db, "delivery-a", &[100, 100, 100]);
    let deadline = Instant::now() + Duration::from_secs(5);
    while first.run_once().await.unwrap() == 0 {
        assert!(Instant::now() < deadline, "nothing to deliver");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let second = delivery_worker(db, "delivery-b", &[100, 100, 100]);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        second.run_once().await.unwrap();
        let log = db
            .callback_log(&CardId::new(card_id.to_owned()))
            .await
            .unwrap();
        let all_delivered = log.len() == 4
            && log
                .iter()
                .all(|(_, _, attempts)| attempts.last().and_then(|a| a.status_code) == Some(200));
        if all_delivered {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "callbacks not delivered: {log:?}"
        );
        tokio::time::sleep(Duration::from_millis(30)).await;
    }

    let log = db
        .callback_log(&CardId::new(card_id.to_owned()))
        .await
        .unwrap();
    let statuses: Vec<&str> = log.iter().map(|(_, status, _)| status.as_str()).collect();
    assert_eq!(
        statuses,
        ["INIT", "INIT CREATE CARD", "ACTIVE CARD", "ACTIVE"]
    );
    let (failed_id, _, retried) = &log[0];
    assert_eq!(retried.len(), 2, "{retried:?}");
    assert_eq!(
        (retried[0].status_code, retried[0].error.as_deref()),
        (Some(500), Some("HTTP 500"))
    );
    assert_eq!(retried[1].status_code, Some(200));
    assert!(
        retried[1].at_ms - retried[0].at_ms >= 100,
        "waited before retrying"
    );

    let received = receiver.received.lock().unwrap().clone();
    assert_eq!(received.len(), 5, "four messages, one of them twice");
    assert_eq!(
        received.iter().filter(|r| &r.id == failed_id).count(),
        2,
        "a retry keeps its webhook-id"
    );
    for message in &received {
        assert!(
            python_verifies(&secret, message),
            "signature does not verify: {message:?}"
        );
        let mut tampered = message.clone();
        tampered.body = tampered.body.replace("cb-1", "cb-2");
        assert!(
            !python_verifies(&secret, &tampered),
            "a changed body must not verify"
        );
        let payload: Value = serde_json::from_str(&message.body).unwrap();
        assert_eq!(payload["type"], "card.status_changed");
        assert_eq!(payload["data"]["cardId"], card_id.as_str());
        assert_eq!(payload["data"]["orderNo"], "cb-1");
    }

    let path = format!("/api/vcc/v1/cards/{card_id}/reveal");
    let pan = http_client::request(server.addr, "POST", &path, Some(&key), None)
        .await
        .json()["model"]["number"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        received.iter().all(|message| !message.body.contains(&pan)),
        "callbacks never carry the PAN"
    );
}

async fn a_failing_receiver_is_retried_then_abandoned(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (_, key) = server.merchant(10_000).await;
    let (url, receiver) = start_receiver(usize::MAX).await;
    let card_id = server.card_with_callbacks(&key, "cb-dead", &url).await;

    let worker = delivery_worker(db, "delivery", &[10, 10]);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        worker.run_once().await.unwrap();
        let log = db
            .callback_log(&CardId::new(card_id.to_owned()))
            .await
            .unwrap();
        if log[0].2.len() == 3 {
            break;
        }
        assert!(Instant::now() < deadline, "retries did not happen: {log:?}");
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        worker.run_once().await.unwrap(),
        0,
        "abandoned after the schedule ran out"
    );
    assert_eq!(receiver.received.lock().unwrap().len(), 3);
}

/// Runs `worker` in the background until the returned sender is dropped.
fn keep_delivering(worker: DeliveryWorker) -> tokio::sync::watch::Sender<bool> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move { worker.run(stopped).await });
    stop
}

/// Each message once, in the order it first arrived, as JSON.
fn distinct_in_arrival_order(received: &[Received]) -> Vec<Value> {
    let mut seen = std::collections::HashSet::new();
    received
        .iter()
        .filter(|message| seen.insert(message.id.clone()))
        .map(|message| serde_json::from_str(&message.body).unwrap())
        .collect()
}

async fn delivered_count(db: &Database, card_id: &str) -> usize {
    db.callback_log(&CardId::new(card_id.to_owned()))
        .await
        .unwrap()
        .iter()
        .filter(|(_, _, attempts)| attempts.last().and_then(|a| a.status_code) == Some(200))
        .count()
}

async fn wait_for_delivered(db: &Database, card_id: &str, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while delivered_count(db, card_id).await < count {
        let log = db
            .callback_log(&CardId::new(card_id.to_owned()))
            .await
            .unwrap();
        assert!(Instant::now() < deadline, "not delivered: {log:?}");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

/// A receiver sees one card's messages in the order the card changed, even when an early one
/// had to be retried; each carries a per-card `sequence` and a millisecond timestamp; and what it
/// missed it can fetch in either dialect, as the same payloads.
async fn a_cards_callbacks_arrive_in_order_and_a_receiver_can_catch_up(db: &Database) {
    let server = TestServer::start(db).await;
    let (_, key) = server.merchant(10_000).await;
    // The first two attempts fail: the INIT message is retried while the card moves on.
    let (url, receiver) = start_receiver(2).await;
    let _delivering = keep_delivering(delivery_worker(db, "delivery", &[150, 150, 150]));
    let card_id = server.card_with_callbacks(&key, "cb-order", &url).await;
    wait_for_delivered(db, &card_id, 4).await;
    for (method, path) in [
        ("POST", format!("/api/vcc/v1/cards/{card_id}/freeze")),
        ("POST", format!("/api/vcc/v1/cards/{card_id}/unfreeze")),
        ("DELETE", format!("/api/vcc/v1/cards/{card_id}")),
    ] {
        let (status, body) = server.call(&key, method, &path, None).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    wait_for_delivered(db, &card_id, 8).await;

    let received = receiver.received.lock().unwrap().clone();
    let messages = distinct_in_arrival_order(&received);
    let statuses: Vec<&str> = messages
        .iter()
        .map(|message| message["data"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "INIT",
            "INIT CREATE CARD",
            "ACTIVE CARD",
            "ACTIVE",
            "FREEZE",
            "ACTIVE",
            "CANCELLING",
            "DELETED"
        ]
    );
    let sequences: Vec<i64> = messages
        .iter()
        .map(|message| message["sequence"].as_i64().expect("a sequence"))
        .collect();
    assert!(
        sequences.windows(2).all(|pair| pair[0] < pair[1]),
        "{sequences:?}"
    );
    // Retries included, nothing ever arrived before a message with a lower sequence.
    let arrival: Vec<i64> = received
        .iter()
        .map(|message| {
            serde_json::from_str::<Value>(&message.body).unwrap()["sequence"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert!(
        arrival.windows(2).all(|pair| pair[0] <= pair[1]),
        "{arrival:?}"
    );
    for message in &messages {
        let timestamp = message["timestamp"].as_str().unwrap();
        let millis = timestamp.strip_suffix('Z').and_then(|t| t.rsplit_once('.'));
        assert!(
            millis.is_some_and(|(_, ms)| ms.len() == 3 && ms.bytes().all(|b| b.is_ascii_digit())),
            "{timestamp}"
        );
    }

    // Catching up after the second message: the same payloads, in order.
    let after = sequences[1];
    let (status, caught_up) = server
        .call(
            &key,
            "GET",
            &format!("/api/vcc/v1/cards/{card_id}/events?after={after}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{caught_up}");
    assert_eq!(caught_up["model"]["cardId"], card_id.as_str());
    assert_eq!(
        caught_up["model"]["events"],
        json!(messages[2..]),
        "{caught_up}"
    );
    let (status, caught_up) = server
        .call(
            &key,
            "GET",
            &format!("/api/v1/cards/card/{card_id}/events?after=0"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{caught_up}");
    assert_eq!(caught_up["card_id"], card_id.as_str());
    assert_eq!(caught_up["events"], json!(messages), "{caught_up}");
    let (status, refused) = server
        .call(
            &key,
            "GET",
            &format!("/api/v1/cards/card/{card_id}/events?after=-1"),
            None,
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["detail"][0]["loc"], json!(["query", "after"]));
}

/// Ordering is per card: one receiver that keeps failing delays only its own card.
async fn a_card_whose_receiver_fails_does_not_hold_up_other_cards(db: &Database) {
    let server = TestServer::start(db).await;
    let (_, key) = server.merchant(10_000).await;
    let (dead_url, _) = start_receiver(usize::MAX).await;
    let (url, _) = start_receiver(0).await;
    let _delivering = keep_delivering(delivery_worker(db, "delivery", &[100; 50]));
    let stuck = server
        .card_with_callbacks(&key, "cb-stuck", &dead_url)
        .await;
    let card_id = server.card_with_callbacks(&key, "cb-flowing", &url).await;
    wait_for_delivered(db, &card_id, 4).await;
    let log = db
        .callback_log(&CardId::new(stuck.to_owned()))
        .await
        .unwrap();
    assert!(
        !log[0].2.is_empty(),
        "the stuck card's first message was tried: {log:?}"
    );
    assert!(
        log[1..].iter().all(|(_, _, attempts)| attempts.is_empty()),
        "its later messages wait for the first: {log:?}"
    );
}
