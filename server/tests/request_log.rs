//! The API request log over real HTTP, on SQLite and PostgreSQL: every request a live key signs
//! is logged once answered (written in batches, not by the request), found by its `x-request-id`
//! or dialect A `traceId`, with an error's answer kept and anything like a card number masked;
//! requests without a valid key are not logged; the log keeps 7 days and a bounded number of rows
//! per merchant; only integration roles read it.

mod support;

use std::time::{Duration, Instant};

use app::domain::{
    console_role::Role,
    ids::MerchantId,
    request_log::{RequestLogQuery, REQUEST_LOG_RETENTION_MS},
};
use serde_json::Value;
use server::store::{Database, LoggedRequest};
use support::{
    console_client::{call, member, signed_in, signed_in_owner, PASSWORD},
    http_client, TestServer,
};

on_every_backend!(
    signed_requests_are_logged_and_found_by_their_ids,
    the_log_keeps_seven_days_and_a_bounded_count_per_merchant,
);

/// The log page's entries, polled until `count` are there (the log is written a second after).
async fn logged(server: &TestServer, cookie: &str, form: &str, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answer = call(server, cookie, "requests", form).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let entries = answer.json()["requests"].as_array().unwrap().clone();
        if entries.len() >= count || Instant::now() > deadline {
            return entries;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn signed_requests_are_logged_and_found_by_their_ids(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, key) = server.merchant(10_000).await;
    let owner = signed_in_owner(&server, &merchant).await;

    let read = http_client::request_with_headers(
        server.addr,
        "GET",
        "/api/vcc/v1/cards?page=1",
        Some(&key),
        None,
        &[("x-request-id", "itest-read-1")],
    )
    .await;
    assert_eq!(read.status, 200, "{}", read.body);
    // A card number sent where it does not belong: the error echoes the value it refused.
    let pan = "4111111111111111";
    let refused = http_client::request(
        server.addr,
        "POST",
        "/api/v1/cards/card/add",
        Some(&key),
        Some(&format!(r#"{{"email": "{pan}", "limit_all_time": "x"}}"#)),
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let failed_a = http_client::request(
        server.addr,
        "POST",
        "/api/vcc/v1/cards",
        Some(&key),
        Some("{}"),
    )
    .await;
    assert_eq!(failed_a.status, 400, "{}", failed_a.body);
    let trace_id = failed_a.json()["traceId"].as_i64().unwrap();
    // Without a valid key: no merchant's log.
    let stranger = http_client::request(
        server.addr,
        "GET",
        "/api/vcc/v1/cards",
        Some("ck_nope"),
        None,
    )
    .await;
    assert_eq!(stranger.status, 401);

    let entries = logged(&server, &owner, "", 3).await;
    assert_eq!(entries.len(), 3, "{entries:?}");
    let (newest, middle, oldest) = (&entries[0], &entries[1], &entries[2]);
    assert_eq!(oldest["method"], "GET");
    assert_eq!(oldest["path"], "/api/vcc/v1/cards?page=1");
    assert_eq!(oldest["status"], 200);
    assert_eq!(oldest["request_id"], "itest-read-1");
    assert!(
        oldest["trace_id"].is_i64(),
        "dialect A answers carry one: {oldest}"
    );
    assert_eq!(oldest["error_body"], Value::Null, "a success keeps no body");
    assert!(oldest["key_prefix"]
        .as_str()
        .unwrap()
        .starts_with("ck_key_"));
    assert!(key.starts_with(oldest["key_prefix"].as_str().unwrap()));
    assert_eq!(middle["status"], 422);
    let error = middle["error_body"].as_str().unwrap();
    assert!(error.contains("detail") && !error.contains(pan), "{error}");
    assert_eq!(newest["trace_id"], trace_id);
    let x_request_id = failed_a.header("x-request-id").unwrap().to_owned();
    assert_eq!(newest["request_id"], x_request_id.as_str());

    // Found by either id; errors only.
    let by_request = logged(&server, &owner, "find=itest-read-1", 1).await;
    assert_eq!(by_request.len(), 1);
    let by_trace = logged(&server, &owner, &format!("find={trace_id}"), 1).await;
    assert_eq!(by_trace[0]["request_id"], x_request_id.as_str());
    let errors = logged(&server, &owner, "errors=1", 2).await;
    assert_eq!(errors.len(), 2);
    assert!(errors
        .iter()
        .all(|entry| entry["status"].as_i64().unwrap() >= 400));

    let viewer = member(&server, &merchant, Role::Viewer).await;
    let viewer = signed_in(&server, &viewer, PASSWORD).await;
    let refused = call(&server, &viewer, "requests", "").await;
    assert_eq!(refused.status, 403, "{}", refused.body);
}

fn request(merchant: &MerchantId, at_ms: i64, n: usize) -> LoggedRequest {
    LoggedRequest {
        merchant_id: merchant.clone(),
        at_ms,
        method: "GET".to_owned(),
        path: format!("/api/v1/cards/card/list?page={n}"),
        status: 200,
        duration_ms: 1,
        key_prefix: "ck_key_test".to_owned(),
        request_id: format!("req_{n}"),
        trace_id: None,
        error_body: None,
    }
}

async fn the_log_keeps_seven_days_and_a_bounded_count_per_merchant(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (busy, _) = server.merchant(0).await;
    let (quiet, _) = server.merchant(0).await;
    let now = db.now_ms();
    let old = now - REQUEST_LOG_RETENTION_MS - 1;
    let mut batch: Vec<LoggedRequest> = (0..6).map(|n| request(&busy, now, n)).collect();
    batch.push(request(&quiet, old, 100));
    batch.push(request(&quiet, now, 101));
    db.log_api_requests(&batch).await.unwrap();

    let pruned = db
        .prune_api_requests(
            now - REQUEST_LOG_RETENTION_MS,
            std::slice::from_ref(&busy),
            4,
        )
        .await
        .unwrap();
    assert_eq!(
        pruned, 3,
        "one past its week, two past the busy merchant's cap"
    );
    let kept = db
        .api_requests(&busy, &RequestLogQuery::default())
        .await
        .unwrap();
    let ids: Vec<&str> = kept.iter().map(|entry| entry.request_id.as_str()).collect();
    assert_eq!(ids, ["req_5", "req_4", "req_3", "req_2"], "the newest stay");
    let quiet_kept = db
        .api_requests(&quiet, &RequestLogQuery::default())
        .await
        .unwrap();
    assert_eq!(quiet_kept.len(), 1);
    assert_eq!(quiet_kept[0].request_id, "req_101");
}
