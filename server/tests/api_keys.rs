//! API keys managed from the console, over real HTTP, on SQLite and PostgreSQL: a key is created
//! with its secret shown once; a read-only key reads both dialects and is refused every write in
//! the dialect's 403 shape; a roll makes a new key and the old one works until its grace period
//! ends, then stops; two rolls at once make one new key; a revoke stops a key at once; a key's
//! last use is written in batches, not by the request; only developers, admins and owners manage
//! keys, and only their own merchant's; every change is in the audit log.

mod support;

use std::time::Duration;

use app::domain::{audit::AuditQuery, console_role::Role, ids::MerchantId};
use serde_json::Value;
use server::{clock::ManualClock, store::Database};
use support::{
    console_client::{call, encode, member, signed_in, signed_in_owner, PASSWORD},
    http_client, TestServer,
};

on_every_backend!(
    a_key_is_created_rolled_with_grace_and_revoked,
    a_read_only_key_reads_and_is_refused_every_write,
    two_rolls_at_once_make_one_new_key,
    last_use_is_written_in_batches_not_per_request,
    only_integration_roles_manage_only_their_own_keys,
);

/// The status of `method path` signed with `key`, and its body as JSON.
async fn send(
    server: &TestServer,
    key: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> (u16, Value) {
    let response = http_client::request(server.addr, method, path, Some(key), body).await;
    let json = serde_json::from_str(&response.body).unwrap_or(Value::Null);
    (response.status, json)
}

/// Whether `key` is accepted: a read of both dialects answers 200.
async fn works(server: &TestServer, key: &str) -> bool {
    let (a, _) = send(server, key, "GET", "/api/vcc/v1/cards", None).await;
    let (b, _) = send(server, key, "GET", "/api/v1/cards/card/list", None).await;
    assert_eq!(a, b, "both dialects agree on the key");
    assert!(a == 200 || a == 401, "{a}");
    a == 200
}

async fn create(server: &TestServer, cookie: &str, label: &str, access: &str) -> Value {
    let made = call(
        server,
        cookie,
        "create_api_key",
        &format!("label={}&access={access}", encode(label)),
    )
    .await;
    assert_eq!(made.status, 200, "{}", made.body);
    made.json()
}

async fn roll(
    server: &TestServer,
    cookie: &str,
    key_id: &str,
    grace_secs: i64,
) -> http_client::Response {
    call(
        server,
        cookie,
        "roll_api_key",
        &format!("key={key_id}&grace_secs={grace_secs}"),
    )
    .await
}

async fn keys(server: &TestServer, cookie: &str) -> Vec<Value> {
    let listed = call(server, cookie, "api_keys", "").await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    listed.json()["keys"].as_array().unwrap().clone()
}

async fn audit_codes(db: &Database, merchant: &MerchantId) -> Vec<(String, String)> {
    db.audit_entries(merchant, &AuditQuery::default(), 100)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| (entry.action.code().to_owned(), entry.object_id))
        .collect()
}

async fn a_key_is_created_rolled_with_grace_and_revoked(db: &Database) {
    let hand = ManualClock::starting_now();
    let db = db.clone().with_clock(hand.clock());
    let server = TestServer::start_with(&db, false).await;
    let (merchant, onboarding_key) = server.merchant(0).await;
    let owner = signed_in_owner(&server, &merchant).await;
    hand.advance(Duration::from_secs(1));

    let made = create(&server, &owner, " Production server ", "full").await;
    let token = made["token"].as_str().unwrap().to_owned();
    let key_id = made["key"]["id"].as_str().unwrap().to_owned();
    assert!(token.starts_with(&format!("ck_{key_id}_")), "{token}");
    assert_eq!(made["key"]["label"], "Production server");
    assert_eq!(made["key"]["access"], "Full");
    assert!(works(&server, &token).await);

    // The list: newest first, no secret anywhere, who made each.
    let listed = keys(&server, &owner).await;
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["id"], key_id.as_str());
    assert_eq!(
        listed[0]["created_by"],
        format!("owner+{merchant}@shop.example")
    );
    assert_eq!(listed[1]["created_by"], Value::Null, "the onboarding key");
    let listing = serde_json::to_string(&listed).unwrap();
    assert!(!listing.contains(&token) && !listing.contains(&onboarding_key));

    // Rolled with an hour's grace: both keys work for the hour, then only the new one.
    let rolled = roll(&server, &owner, &key_id, 3600).await;
    assert_eq!(rolled.status, 200, "{}", rolled.body);
    let rolled = rolled.json();
    let new_token = rolled["token"].as_str().unwrap().to_owned();
    let new_id = rolled["key"]["id"].as_str().unwrap().to_owned();
    assert_eq!(rolled["key"]["label"], "Production server");
    assert!(works(&server, &token).await && works(&server, &new_token).await);
    hand.advance(Duration::from_secs(3599));
    assert!(works(&server, &token).await, "still within its grace");
    hand.advance(Duration::from_secs(1));
    assert!(!works(&server, &token).await, "the grace period is over");
    assert!(works(&server, &new_token).await);
    let listed = keys(&server, &owner).await;
    let old = listed
        .iter()
        .find(|key| key["id"] == key_id.as_str())
        .unwrap();
    assert_eq!(old["replaced_by"], new_id.as_str());
    assert_eq!(old["expires_at_ms"], hand.now_ms());

    // An old key is not rolled or revoked again.
    let again = roll(&server, &owner, &key_id, 0).await;
    assert_eq!(again.status, 409, "{}", again.body);
    let again = call(&server, &owner, "revoke_api_key", &format!("key={key_id}")).await;
    assert_eq!(again.status, 409, "{}", again.body);

    // Revoked: refused at once, though this instance had the key cached a moment ago.
    let revoked = call(&server, &owner, "revoke_api_key", &format!("key={new_id}")).await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    assert!(!works(&server, &new_token).await);
    let (status, body) = send(&server, &new_token, "GET", "/api/vcc/v1/cards", None).await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(2001)), "{body}");

    let audit = audit_codes(&db, &merchant).await;
    for (action, key) in [
        ("api_key.revoked", &new_id),
        ("api_key.rolled", &key_id),
        ("api_key.created", &key_id),
    ] {
        let object = format!("ck_{key}");
        assert!(
            audit.contains(&(action.to_owned(), object.clone())),
            "{action} {object}: {audit:?}"
        );
    }
}

async fn a_read_only_key_reads_and_is_refused_every_write(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, full) = server.merchant(10_000).await;
    let owner = signed_in_owner(&server, &merchant).await;
    let made = create(&server, &owner, "Reporting", "read_only").await;
    assert_eq!(made["key"]["access"], "ReadOnly");
    let reader = made["token"].as_str().unwrap().to_owned();

    for path in [
        "/api/vcc/v1/cards",
        "/api/vcc/v1/card-ranges",
        "/api/vcc/v1/kyc?userEmail=a%40b.example",
        "/api/v1/cards/card/list",
        "/api/v1/cards/bins",
    ] {
        let (status, body) = send(&server, &reader, "GET", path, None).await;
        assert_ne!(status, 401, "{path}: {body}");
        assert_ne!(status, 403, "{path}: {body}");
    }

    // Dialect A: its envelope, code 2003; dialect B and the widget's sessions: a 403 located at
    // the Authorization header. The full key passes the same door (and meets the route's own
    // answer), so the refusal is the key's access, not the route.
    let writes_a = [
        ("POST", "/api/vcc/v1/cards", "{}"),
        ("POST", "/api/vcc/v1/cards/c_nope/recharge", "{}"),
        ("POST", "/api/vcc/v1/cards/c_nope/freeze", "{}"),
        ("POST", "/api/vcc/v1/cards/c_nope/reveal", "{}"),
        ("DELETE", "/api/vcc/v1/cards/c_nope", ""),
        ("POST", "/api/vcc/v1/kyc/ach", "{}"),
    ];
    for (method, path, body) in writes_a {
        let (status, answer) = send(&server, &reader, method, path, Some(body)).await;
        assert_eq!(status, 403, "{method} {path}: {answer}");
        assert_eq!(answer["success"], false);
        assert_eq!(answer["code"], 2003, "{answer}");
        assert!(
            answer["msg"].as_str().unwrap().contains("read-only"),
            "{answer}"
        );
        let (status, answer) = send(&server, &full, method, path, Some(body)).await;
        assert_ne!(status, 403, "{method} {path} with the full key: {answer}");
    }
    let writes_b = [
        ("POST", "/api/v1/cards/card/add", "{}"),
        ("POST", "/api/v1/cards/card/c_nope/topup", "{}"),
        ("POST", "/api/v1/cards/card/c_nope/close", "{}"),
        ("PATCH", "/api/v1/cards/card/c_nope/settings", "{}"),
        ("POST", "/api/widget/v1/sessions", "{}"),
    ];
    for (method, path, body) in writes_b {
        let (status, answer) = send(&server, &reader, method, path, Some(body)).await;
        assert_eq!(status, 403, "{method} {path}: {answer}");
        assert_eq!(
            answer["detail"][0]["loc"],
            serde_json::json!(["header", "Authorization"])
        );
        assert_eq!(answer["detail"][0]["type"], "forbidden", "{answer}");
        let (status, answer) = send(&server, &full, method, path, Some(body)).await;
        assert_ne!(status, 403, "{method} {path} with the full key: {answer}");
    }
}

async fn two_rolls_at_once_make_one_new_key(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, _) = server.merchant(0).await;
    let owner = signed_in_owner(&server, &merchant).await;
    let made = create(&server, &owner, "Server", "full").await;
    let key_id = made["key"]["id"].as_str().unwrap();
    let (first, second) = tokio::join!(
        roll(&server, &owner, key_id, 3600),
        roll(&server, &owner, key_id, 3600)
    );
    let mut statuses = [first.status, second.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{} / {}", first.body, second.body);
    assert_eq!(
        keys(&server, &owner).await.len(),
        3,
        "onboarding key, the key, one new key"
    );
}

async fn last_use_is_written_in_batches_not_per_request(db: &Database) {
    let hand = ManualClock::starting_now();
    let db = db.clone().with_clock(hand.clock());
    let mut server = TestServer::start_with(&db, false).await;
    let (merchant, key) = server.merchant(0).await;
    let owner = signed_in_owner(&server, &merchant).await;
    hand.advance(Duration::from_secs(60));
    assert!(works(&server, &key).await);
    let used_at = hand.now_ms();
    hand.advance(Duration::from_secs(1));

    // Right after the request nothing is written yet: the use waits in memory for the flush.
    let listed = keys(&server, &owner).await;
    assert_eq!(listed[0]["last_used_at_ms"], Value::Null, "{listed:?}");

    // Stopping the server flushes what it noted.
    let _ = server.stop.take().unwrap().send(());
    server.task.take().unwrap().await.unwrap().unwrap();
    let stored = db.api_keys_of(&merchant).await.unwrap();
    assert_eq!(stored[0].last_used_at_ms, Some(used_at));

    // A flush that arrives late (another instance's older note) never moves the time back.
    let older = [(merchant.clone(), stored[0].id.clone(), used_at - 5000)];
    db.record_api_key_use(&older).await.unwrap();
    let stored = db.api_keys_of(&merchant).await.unwrap();
    assert_eq!(stored[0].last_used_at_ms, Some(used_at));
}

async fn only_integration_roles_manage_only_their_own_keys(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, _) = server.merchant(0).await;
    let (other, _) = server.merchant(0).await;
    let other_owner = signed_in_owner(&server, &other).await;
    let theirs = create(&server, &other_owner, "Theirs", "full").await;
    let their_id = theirs["key"]["id"].as_str().unwrap();

    let viewer = member(&server, &merchant, Role::Viewer).await;
    let viewer = signed_in(&server, &viewer, PASSWORD).await;
    let listed = call(&server, &viewer, "api_keys", "").await;
    assert_eq!(listed.status, 403, "{}", listed.body);
    let made = call(&server, &viewer, "create_api_key", "label=Mine&access=full").await;
    assert_eq!(made.status, 403, "{}", made.body);

    let developer = member(&server, &merchant, Role::Developer).await;
    let developer = signed_in(&server, &developer, PASSWORD).await;
    let made = create(&server, &developer, "Deploys", "full").await;
    assert!(works(&server, made["token"].as_str().unwrap()).await);
    assert_eq!(keys(&server, &developer).await.len(), 2);

    // Another merchant's key is no key of this one's: not listed, not rolled, not revoked.
    assert!(keys(&server, &developer)
        .await
        .iter()
        .all(|key| key["id"] != their_id));
    let rolled = roll(&server, &developer, their_id, 0).await;
    assert_eq!(rolled.status, 400, "{}", rolled.body);
    let revoked = call(
        &server,
        &developer,
        "revoke_api_key",
        &format!("key={their_id}"),
    )
    .await;
    assert_eq!(revoked.status, 400, "{}", revoked.body);
    assert!(works(&server, theirs["token"].as_str().unwrap()).await);

    // What the forms check: a label, an access, a grace of at most seven days.
    for (endpoint, form) in [
        ("create_api_key", "label=+++&access=full"),
        ("create_api_key", "label=Ok&access=admin"),
        ("roll_api_key", "key=key_x&grace_secs=604801"),
    ] {
        let refused = call(&server, &developer, endpoint, form).await;
        assert_eq!(refused.status, 400, "{endpoint} {form}: {}", refused.body);
    }
}
