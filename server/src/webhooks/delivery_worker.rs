//! Delivers queued callbacks: signed per Standard Webhooks, at least once, retried on a schedule
//! that spans more than a day, every attempt logged. The destination is checked again at delivery
//! against what its name resolves to (the client's [`CheckedResolver`]), and the connection goes
//! to the checked address. One HTTP client serves every delivery, so connections to a receiver
//! are reused instead of a TLS handshake per message.

use std::{sync::Arc, time::Duration};

use tokio::sync::watch;

use super::{checked_resolver::CheckedResolver, signature, CallbackPolicy};
use crate::{
    change_feed::Topic,
    secrets::random,
    store::{AttemptOutcome, Database, PendingCallback, StoreError},
};

/// Wait before each retry: after the first failure 5 s, then 5 min, 30 min, 2 h, 5 h, 10 h, 10 h
/// (about 27.6 h in all), after which the message is abandoned. Hand-written on purpose: the
/// schedule lives in the database (next attempt time per message), so it survives restarts and is
/// shared by every instance, which an in-process retry crate cannot do.
pub const RETRY_SCHEDULE: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
];

pub struct DeliverySettings {
    pub owner: String,
    pub lease: Duration,
    pub poll_interval: Duration,
    pub timeout: Duration,
    pub retry_schedule: Vec<Duration>,
    pub policy: CallbackPolicy,
}

impl DeliverySettings {
    pub fn for_this_process(policy: CallbackPolicy) -> Self {
        Self {
            owner: random::id(&format!("delivery-{}-", std::process::id())),
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
            retry_schedule: RETRY_SCHEDULE.to_vec(),
            policy,
        }
    }
}

pub struct DeliveryWorker {
    database: Database,
    settings: DeliverySettings,
    client: reqwest::Client,
}

impl DeliveryWorker {
    pub fn new(database: Database, settings: DeliverySettings) -> Self {
        let resolver = CheckedResolver {
            allow_private: settings.policy.allow_private,
        };
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .dns_resolver(Arc::new(resolver))
            .user_agent(concat!("Cardkit-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            // Building fails only when the TLS backend cannot start: nothing could be delivered.
            .expect("the callback HTTP client starts");
        Self {
            database,
            settings,
            client,
        }
    }

    pub async fn run(&self, mut stop: watch::Receiver<bool>) {
        tracing::info!(owner = %self.settings.owner, "callback delivery worker started");
        // Woken when any instance queues a message (see `change_feed`); the poll interval stays
        // for retries that come due.
        let mut queued = self.database.change_feed().subscribe(Topic::CallbackDue);
        while !*stop.borrow() {
            if let Err(error) = self.run_once().await {
                tracing::warn!(%error, "callback delivery round failed");
            }
            tokio::select! {
                _ = queued.changed(self.settings.poll_interval) => {}
                _ = stop.changed() => {}
            }
        }
        tracing::info!("callback delivery worker stopped");
    }

    /// Delivers every due callback once (concurrently). Returns how many were attempted.
    pub async fn run_once(&self) -> Result<usize, StoreError> {
        let lease_ms = i64::try_from(self.settings.lease.as_millis()).unwrap_or(i64::MAX);
        let due = self
            .database
            .claim_due_callbacks(&self.settings.owner, lease_ms, 64)
            .await?;
        let results = futures::future::join_all(due.iter().map(|id| self.deliver(*id))).await;
        for result in results {
            if let Err(error) = result {
                tracing::warn!(%error, "could not record a callback attempt");
            }
        }
        Ok(due.len())
    }

    async fn deliver(&self, id: i64) -> Result<(), StoreError> {
        let Some(callback) = self.database.pending_callback(id).await? else {
            return Ok(());
        };
        let started = std::time::Instant::now();
        let at_ms = self.database.now_ms();
        let result = self.send(&callback).await;
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let (status_code, error) = match &result {
            Ok(status) => (
                Some(*status),
                (!(200..300).contains(status)).then(|| format!("HTTP {status}")),
            ),
            Err(error) => (None, Some(error.clone())),
        };
        let outcome = if error.is_none() {
            AttemptOutcome::Delivered
        } else {
            match self
                .settings
                .retry_schedule
                .get(usize::try_from(callback.attempts).unwrap_or(usize::MAX))
            {
                Some(wait) => AttemptOutcome::RetryAt(
                    at_ms + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX),
                ),
                None => AttemptOutcome::Abandoned,
            }
        };
        tracing::info!(
            message_id = %callback.message_id,
            card_id = %callback.card_id,
            attempt = callback.attempts + 1,
            status = ?status_code,
            error = error.as_deref().unwrap_or(""),
            outcome = ?outcome,
            "callback attempt"
        );
        let counted = match outcome {
            AttemptOutcome::Delivered => "delivered",
            AttemptOutcome::RetryAt(_) => "retrying",
            AttemptOutcome::Abandoned => "abandoned",
        };
        metrics::counter!("cardkit_callback_attempts_total", "outcome" => counted).increment(1);
        let owner = &self.settings.owner;
        self.database
            .record_delivery_attempt(
                id,
                owner,
                at_ms,
                status_code,
                error.as_deref(),
                duration_ms,
                &outcome,
            )
            .await?;
        Ok(())
    }

    /// One signed POST; the HTTP status, or why none was received.
    async fn send(&self, callback: &PendingCallback) -> Result<u16, String> {
        let url = self
            .settings
            .policy
            .check(&callback.url)
            .map_err(|error| format!("callback URL {error}"))?;
        let timestamp = self.database.now_ms() / 1000;
        let signature = signature::sign(
            &callback.webhook_secret,
            &callback.message_id,
            timestamp,
            &callback.payload,
        )
        .map_err(|error| error.to_string())?;
        let response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &callback.message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(callback.payload.clone())
            .send()
            .await
            .map_err(|error| format!("request failed: {}", with_causes(&error)))?;
        Ok(response.status().as_u16())
    }
}

/// An error with the chain of its causes ("error sending request: … : x resolves to a private
/// address"): reqwest's own message names only the outermost.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}
