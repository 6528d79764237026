//! A loopback receiver of status callbacks, and a delivery worker that may post to it: every
//! request's Standard Webhooks headers and body are recorded; the first `failures` requests (or
//! every request while told to fail) get 500 "receiver down", the others 200 "thanks".

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{extract::State, http::HeaderMap, http::StatusCode, routing::post, Router};
use server::{
    store::Database,
    webhooks::{
        delivery_worker::{DeliverySettings, DeliveryWorker},
        CallbackPolicy,
    },
};

#[derive(Clone, Debug)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: String,
}

#[derive(Clone, Default)]
pub struct Receiver {
    pub received: Arc<Mutex<Vec<Received>>>,
    /// How many requests to answer with 500 before answering 200.
    failures_left: Arc<Mutex<usize>>,
}

impl Receiver {
    /// Answers 200 from now on.
    pub fn recover(&self) {
        *self.failures_left.lock().unwrap() = 0;
    }
}

/// Answers every request with 500 until [`Receiver::recover`].
pub const FAILING: usize = usize::MAX;

async fn hook(
    State(receiver): State<Receiver>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, &'static str) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    receiver.received.lock().unwrap().push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body,
    });
    let mut failures = receiver.failures_left.lock().unwrap();
    match *failures {
        0 => return (StatusCode::OK, "thanks"),
        FAILING => {}
        _ => *failures -= 1,
    }
    (StatusCode::INTERNAL_SERVER_ERROR, "receiver down")
}

/// A receiver on a loopback port that fails its first `failures` requests ([`FAILING`]: all of
/// them until it recovers); answers its URL.
pub async fn start_receiver(failures: usize) -> (String, Receiver) {
    let receiver = Receiver {
        failures_left: Arc::new(Mutex::new(failures)),
        ..Receiver::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = Router::new()
        .route("/hook", post(hook))
        .with_state(receiver.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, receiver)
}

/// A delivery worker named `owner` that retries after each of `retries_ms` and may post to
/// loopback receivers.
pub fn delivery_worker(db: &Database, owner: &str, retries_ms: &[u64]) -> DeliveryWorker {
    let settings = DeliverySettings {
        owner: owner.to_owned(),
        lease: Duration::from_secs(30),
        poll_interval: Duration::from_millis(20),
        timeout: Duration::from_secs(5),
        retry_schedule: retries_ms
            .iter()
            .map(|ms| Duration::from_millis(*ms))
            .collect(),
        policy: CallbackPolicy {
            allow_private: true,
        },
    };
    DeliveryWorker::new(db.clone(), settings)
}
