//! The developers' area's callbacks over real HTTP, on SQLite and PostgreSQL: the log shows each
//! message with every attempt (status, latency, the start of the receiver's answer) and filters
//! by card, state and day; a resend sends the same message again (same `webhook-id`) with a fresh
//! retry schedule, one message or every abandoned one of a range of days; a test event reaches a
//! receiver and its answer is shown; a rotated signing secret signs beside the old one for a day;
//! only integration roles see any of it; resends and rotations are audited.

mod support;

use std::time::Duration;

use app::domain::{audit::AuditQuery, console_role::Role};
use serde_json::Value;
use server::{clock::ManualClock, store::Database, webhooks::signature};
use support::{
    callback_receiver::{delivery_worker, start_receiver, Received, FAILING},
    console_client::{call, encode, member, signed_in, signed_in_owner, PASSWORD},
    TestServer,
};

on_every_backend!(
    a_failed_message_is_logged_then_resent_and_delivered_with_its_id,
    abandoned_messages_of_a_range_are_resent_with_a_fresh_schedule,
    a_rotated_secret_signs_beside_the_old_one_for_a_day,
    a_test_event_reaches_the_receiver_and_its_answer_is_shown,
    only_integration_roles_see_callbacks,
);

/// The log as JSON, with the query string's parameters as the page would send them.
async fn log(server: &TestServer, cookie: &str, form: &str) -> Value {
    let answer = call(server, cookie, "callbacks", form).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json()
}

fn messages(log: &Value) -> Vec<Value> {
    log["messages"].as_array().unwrap().clone()
}

/// Every `v1,` signature of a delivery that verifies with `secret`.
fn signed_with(secret: &str, received: &Received) -> bool {
    let timestamp: i64 = received.timestamp.parse().unwrap();
    let expected = signature::sign(secret, &received.id, timestamp, &received.body).unwrap();
    received.signature.split(' ').any(|one| one == expected)
}

/// Today, as the server (on the system clock) files a message created now: `YYYY-MM-DD` in UTC.
fn today() -> String {
    app::domain::calendar::format_datetime(system_now_ms())[..10].to_owned()
}

fn system_now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

async fn a_failed_message_is_logged_then_resent_and_delivered_with_its_id(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, key) = server.merchant(10_000).await;
    let owner = signed_in_owner(&server, &merchant).await;
    let (url, receiver) = start_receiver(FAILING).await;
    let card = server.card_with_callbacks(&key, "cb-log-1", &url).await;
    let worker = delivery_worker(db, "console-callbacks-test", &[60_000]);
    assert_eq!(worker.run_once().await.unwrap(), 1);

    let listed = messages(&log(&server, &owner, "").await);
    assert_eq!(listed.len(), 1, "{listed:?}");
    let message = &listed[0];
    assert_eq!(message["card_id"], card.as_str());
    assert_eq!(message["event_type"], "card.status_changed");
    assert_eq!(message["state"], "Retrying");
    let attempt = &message["attempts"][0];
    assert_eq!(attempt["status_code"], 500);
    assert_eq!(attempt["response_body"], "receiver down");
    let message_id = message["message_id"].as_str().unwrap().to_owned();

    // By card: the card's events beside the messages they produced.
    let by_card = log(&server, &owner, &format!("card={card}")).await;
    let lines = by_card["card_events"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{by_card}");
    assert_eq!(lines[0]["event"]["seq"], 1);
    assert_eq!(lines[0]["message"][0], message_id.as_str());
    assert_eq!(lines[0]["message"][1], "Retrying");
    assert!(log(&server, &owner, "").await["card_events"].is_null());
    assert!(log(&server, &owner, "card=c_not_theirs").await["card_events"].is_null());

    // Filters: by state, by card, by day.
    for (form, expected) in [
        ("state=retrying".to_owned(), 1),
        ("state=delivered".to_owned(), 0),
        (format!("card={card}"), 1),
        ("card=c_other".to_owned(), 0),
        (format!("from={0}&to={0}", today()), 1),
        ("to=2000-01-01".to_owned(), 0),
    ] {
        assert_eq!(
            messages(&log(&server, &owner, &form).await).len(),
            expected,
            "{form}"
        );
    }

    // The receiver is fixed; a resend goes out at once (before its retry was due), same id.
    receiver.recover();
    let resent = call(
        &server,
        &owner,
        "resend_callback",
        &format!("message_id={message_id}"),
    )
    .await;
    assert_eq!(resent.status, 200, "{}", resent.body);
    assert_eq!(worker.run_once().await.unwrap(), 1);
    let listed = messages(&log(&server, &owner, "state=delivered").await);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["attempts"].as_array().unwrap().len(), 2);
    assert_eq!(listed[0]["attempts"][1]["response_body"], "thanks");
    let received = receiver.received.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    assert!(received.iter().all(|r| r.id == message_id), "{received:?}");
    assert_eq!(received[0].body, received[1].body);

    // A delivered message can be sent again too (a receiver that lost it); an unknown one cannot.
    let again = call(
        &server,
        &owner,
        "resend_callback",
        &format!("message_id={message_id}"),
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(worker.run_once().await.unwrap(), 1);
    assert_eq!(receiver.received.lock().unwrap().len(), 3);
    let unknown = call(&server, &owner, "resend_callback", "message_id=msg_nope").await;
    assert_eq!(unknown.status, 400, "{}", unknown.body);

    let audit = db
        .audit_entries(&merchant, &AuditQuery::default(), 10)
        .await
        .unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|entry| entry.action.code() == "webhook.resent" && entry.object_id == message_id)
            .count(),
        2
    );
}

async fn abandoned_messages_of_a_range_are_resent_with_a_fresh_schedule(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, key) = server.merchant(10_000).await;
    let owner = signed_in_owner(&server, &merchant).await;
    let (url, receiver) = start_receiver(FAILING).await;
    server.card_with_callbacks(&key, "cb-abandon-1", &url).await;
    // One retry, due at once: the second failure abandons the message.
    let worker = delivery_worker(db, "console-callbacks-test", &[0]);
    worker.run_once().await.unwrap();
    worker.run_once().await.unwrap();
    assert_eq!(
        messages(&log(&server, &owner, "state=abandoned").await).len(),
        1
    );

    // Days that do not hold it resend nothing; today's does, and the message gets its retry
    // again (a fresh schedule), so it is retrying after one more failure, not abandoned.
    let none = call(
        &server,
        &owner,
        "resend_abandoned",
        "from=2001-01-01&to=2001-01-02",
    )
    .await;
    assert_eq!((none.status, none.body.trim()), (200, "0"), "{}", none.body);
    let form = format!("from={0}&to={0}", today());
    let resent = call(&server, &owner, "resend_abandoned", &form).await;
    assert_eq!(
        (resent.status, resent.body.trim()),
        (200, "1"),
        "{}",
        resent.body
    );
    worker.run_once().await.unwrap();
    let listed = messages(&log(&server, &owner, "").await);
    assert_eq!(listed[0]["state"], "Retrying", "{listed:?}");
    assert_eq!(listed[0]["attempts"].as_array().unwrap().len(), 3);
    receiver.recover();
    worker.run_once().await.unwrap();
    assert_eq!(
        messages(&log(&server, &owner, "state=delivered").await).len(),
        1
    );

    let backwards = call(
        &server,
        &owner,
        "resend_abandoned",
        "from=2026-02-02&to=2026-02-01",
    )
    .await;
    assert_eq!(backwards.status, 400, "{}", backwards.body);
    let unreadable = call(
        &server,
        &owner,
        "resend_abandoned",
        "from=yesterday&to=today",
    )
    .await;
    assert_eq!(unreadable.status, 400, "{}", unreadable.body);
}

async fn a_rotated_secret_signs_beside_the_old_one_for_a_day(db: &Database) {
    let hand = ManualClock::starting_now();
    let db = db.clone().with_clock(hand.clock());
    let server = TestServer::start_with(&db, false).await;
    let (merchant, key) = server.merchant(10_000).await;
    let owner = signed_in_owner(&server, &merchant).await;
    let old = call(&server, &owner, "signing_secret", "").await;
    assert_eq!(old.status, 200, "{}", old.body);
    let old: String = serde_json::from_str(&old.body).unwrap();
    let rotated = call(&server, &owner, "rotate_signing_secret", "").await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let new = rotated.json()["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert_eq!(
        rotated.json()["previous_until_ms"],
        hand.now_ms() + 86_400_000
    );
    // Dialect A hands out the new one.
    let (_, answer) = server
        .call(&key, "GET", "/api/vcc/v1/webhooks/secret", None)
        .await;
    assert_eq!(answer["model"]["secret"], new.as_str(), "{answer}");

    let (url, receiver) = start_receiver(0).await;
    server.card_with_callbacks(&key, "cb-rotate-1", &url).await;
    let worker = delivery_worker(&db, "console-callbacks-test", &[]);
    worker.run_once().await.unwrap();
    let first = receiver.received.lock().unwrap()[0].clone();
    assert_eq!(first.signature.split(' ').count(), 2, "{}", first.signature);
    assert!(signed_with(&new, &first) && signed_with(&old, &first));
    let overlap = log(&server, &owner, "").await;
    assert!(overlap["previous_secret_until_ms"].is_i64(), "{overlap}");

    // A day later only the new secret signs.
    hand.advance(Duration::from_secs(24 * 3600));
    server.card_with_callbacks(&key, "cb-rotate-2", &url).await;
    worker.run_once().await.unwrap();
    let second = receiver.received.lock().unwrap()[1].clone();
    assert_eq!(
        second.signature.split(' ').count(),
        1,
        "{}",
        second.signature
    );
    assert!(signed_with(&new, &second) && !signed_with(&old, &second));
    // (The day ended the owner's session too.)
    let owner = signed_in(&server, &format!("owner+{merchant}@shop.example"), PASSWORD).await;
    assert!(log(&server, &owner, "").await["previous_secret_until_ms"].is_null());

    let audit = db
        .audit_entries(&merchant, &AuditQuery::default(), 10)
        .await
        .unwrap();
    let rotation = audit
        .iter()
        .find(|entry| entry.action.code() == "webhook.secret_rotated")
        .expect("the rotation is audited");
    assert!(!rotation.detail.contains(&new) && !rotation.detail.contains(&old));
}

async fn a_test_event_reaches_the_receiver_and_its_answer_is_shown(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, _) = server.merchant(0).await;
    let owner = signed_in_owner(&server, &merchant).await;
    let secret: String =
        serde_json::from_str(&call(&server, &owner, "signing_secret", "").await.body).unwrap();
    let (url, receiver) = start_receiver(FAILING).await;
    let sent = call(
        &server,
        &owner,
        "send_test_event",
        &format!("url={}", encode(&url)),
    )
    .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let answer = sent.json();
    assert_eq!(answer["status_code"], 500);
    assert_eq!(answer["response_body"], "receiver down");
    let received = receiver.received.lock().unwrap()[0].clone();
    assert!(received.id.starts_with("msg_test_"));
    assert!(signed_with(&secret, &received));
    assert_eq!(
        serde_json::from_str::<Value>(&received.body).unwrap()["type"],
        "test"
    );

    // Nothing listens: the answer says why, as a 200 with the error (the call itself worked).
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        format!("http://{addr}/hook")
    };
    let sent = call(
        &server,
        &owner,
        "send_test_event",
        &format!("url={}", encode(&closed)),
    )
    .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(
        sent.json()["error"]
            .as_str()
            .unwrap()
            .contains("request failed"),
        "{}",
        sent.body
    );
    let bad = call(
        &server,
        &owner,
        "send_test_event",
        "url=ftp%3A%2F%2Fexample.com",
    )
    .await;
    assert_eq!(bad.status, 200, "{}", bad.body);
    assert!(
        bad.json()["error"]
            .as_str()
            .unwrap()
            .starts_with("callback URL"),
        "{}",
        bad.body
    );
    let empty = call(&server, &owner, "send_test_event", "url=").await;
    assert_eq!(empty.status, 400, "{}", empty.body);
}

async fn only_integration_roles_see_callbacks(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, _) = server.merchant(0).await;
    let viewer = member(&server, &merchant, Role::Viewer).await;
    let viewer = signed_in(&server, &viewer, PASSWORD).await;
    for (endpoint, form) in [
        ("callbacks", ""),
        ("resend_callback", "message_id=msg_x"),
        ("resend_abandoned", "from=2026-01-01&to=2026-01-02"),
        ("send_test_event", "url=http%3A%2F%2F127.0.0.1%3A9%2F"),
        ("signing_secret", ""),
        ("rotate_signing_secret", ""),
    ] {
        let refused = call(&server, &viewer, endpoint, form).await;
        assert_eq!(refused.status, 403, "{endpoint}: {}", refused.body);
    }
    let developer = member(&server, &merchant, Role::Developer).await;
    let developer = signed_in(&server, &developer, PASSWORD).await;
    assert!(messages(&log(&server, &developer, "").await).is_empty());
}
