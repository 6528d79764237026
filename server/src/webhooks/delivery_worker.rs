//! Delivers queued callbacks: signed per Standard Webhooks, at least once, retried on a schedule
//! that spans more than a day, every attempt logged with the start of the receiver's answer. The
//! sending (and the destination's checks) is [`CallbackSender`]'s. One HTTP client serves every
//! delivery, so connections to a receiver are reused instead of a TLS handshake per message.

use std::time::Duration;

use tokio::sync::watch;

use super::{
    callback_sender::{CallbackSender, OutgoingMessage},
    CallbackPolicy,
};
use crate::{
    change_feed::Topic,
    secrets::random,
    store::{AttemptOutcome, AttemptRecord, Database, StoreError},
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
    sender: CallbackSender,
}

impl DeliveryWorker {
    pub fn new(database: Database, settings: DeliverySettings) -> Self {
        let sender = CallbackSender::new(settings.policy, settings.timeout);
        Self {
            database,
            settings,
            sender,
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
        let secrets = callback.signing_secrets();
        let message = OutgoingMessage {
            url: &callback.url,
            message_id: &callback.message_id,
            timestamp_secs: at_ms / 1000,
            payload: &callback.payload,
            secrets: &secrets,
        };
        let result = self.sender.send(&message).await;
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let (status_code, error, response_body) = match &result {
            Ok(answer) => (
                Some(answer.status),
                (!(200..300).contains(&answer.status)).then(|| format!("HTTP {}", answer.status)),
                Some(answer.body.as_str()),
            ),
            Err(error) => (None, Some(error.clone()), None),
        };
        // The schedule counts from the last resend, so a resent message gets every retry again.
        let outcome = if error.is_none() {
            AttemptOutcome::Delivered
        } else {
            match self
                .settings
                .retry_schedule
                .get(usize::try_from(callback.attempts_since_resend).unwrap_or(usize::MAX))
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
        let record = AttemptRecord {
            at_ms,
            status_code,
            error: error.as_deref(),
            duration_ms,
            response_body,
        };
        self.database
            .record_delivery_attempt(id, &self.settings.owner, &record, &outcome)
            .await?;
        Ok(())
    }
}
