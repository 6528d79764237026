//! The callback outbox: a message per card status change, written in the same transaction as the
//! change, then delivered (and retried) by the delivery worker. Every attempt is logged.

use app::domain::ids::{CardId, MerchantId};
use app::domain::{
    console_card::{CallbackAttempt, CallbackDelivery, DeliveryState},
    issuing::CardEvent,
    provisioning::ProvisioningStage,
    CardStatus,
};

use super::{sql::Conn, Database, StoreError};
use crate::secrets::random;

/// What a status callback is about: the card's status change, as its card event recorded it.
pub struct StatusChange<'a> {
    pub card_id: &'a CardId,
    pub status: CardStatus,
    pub stage: ProvisioningStage,
    pub at_ms: i64,
}

/// Queues the callback for a status change when there is a callback URL, right after the change's
/// card event was appended in the same transaction: the event's number is the message's
/// `sequence`. Only what a merchant may see goes in: never PAN or CVC.
pub async fn insert_status_callback(
    conn: &mut Conn<'_>,
    change: &StatusChange<'_>,
    merchant_id: &MerchantId,
    order_no: &str,
    url: &str,
    failure_reason: Option<&str>,
) -> Result<bool, StoreError> {
    if url.is_empty() {
        return Ok(false);
    }
    let sequence: i64 = conn
        .scalar(
            "SELECT COALESCE(MAX(seq), 0) FROM card_events WHERE card_id = $1",
            &[change.card_id.into()],
        )
        .await?;
    let event = CardEvent {
        seq: sequence,
        status: change.status,
        stage: change.stage,
        at_ms: change.at_ms,
    };
    let payload = status_callback_payload(change.card_id, order_no, failure_reason, &event);
    conn.execute(
        "INSERT INTO webhook_outbox (message_id, merchant_id, card_id, url, payload, created_at_ms, \
         next_attempt_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $6)",
        &[
            (&random::id("msg_")).into(),
            merchant_id.into(),
            change.card_id.into(),
            url.into(),
            (&payload).into(),
            change.at_ms.into(),
        ],
    )
    .await?;
    Ok(true)
}

/// The callback body for a status change, as text.
pub fn status_callback_payload(
    card_id: &CardId,
    order_no: &str,
    failure_reason: Option<&str>,
    event: &app::domain::issuing::CardEvent,
) -> String {
    app::domain::status_callback::StatusCallback {
        card_id: card_id.as_str(),
        order_no,
        event,
        failure_reason,
    }
    .payload()
    .to_string()
}

/// The same for a stored card: its merchant, order and callback URL are read from it. Whether
/// a message was queued (the card has a callback URL).
pub async fn enqueue_status_callback(
    conn: &mut Conn<'_>,
    change: &StatusChange<'_>,
) -> Result<bool, StoreError> {
    let card: Option<(String, String, String, Option<String>)> = conn
        .fetch_optional(
            "SELECT merchant_id, order_no, callback_url, failure_reason FROM cards WHERE id = $1",
            &[change.card_id.into()],
        )
        .await?;
    if let Some((merchant_id, order_no, url, failure_reason)) = card {
        insert_status_callback(
            conn,
            change,
            &MerchantId::new(merchant_id),
            &order_no,
            &url,
            failure_reason.as_deref(),
        )
        .await
    } else {
        Ok(false)
    }
}

/// A queued callback with what is needed to sign and send it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingCallback {
    pub id: i64,
    pub message_id: String,
    #[sqlx(try_from = "String")]
    pub card_id: CardId,
    pub url: String,
    pub payload: String,
    pub attempts: i64,
    /// Attempts since the message was last resent: where its retry schedule stands.
    pub attempts_since_resend: i64,
    pub webhook_secret: String,
    /// The secret a rotation replaced, while it still signs beside the new one.
    pub previous_webhook_secret: Option<String>,
}

impl PendingCallback {
    /// Every secret the message is signed with: the current one, then the previous one while
    /// it overlaps.
    pub fn signing_secrets(&self) -> Vec<&str> {
        std::iter::once(self.webhook_secret.as_str())
            .chain(self.previous_webhook_secret.as_deref())
            .collect()
    }
}

/// What an attempt met, as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord<'a> {
    pub at_ms: i64,
    pub status_code: Option<u16>,
    pub error: Option<&'a str>,
    pub duration_ms: i64,
    /// The first 1 KB of the answer, as plain text.
    pub response_body: Option<&'a str>,
}

/// What one delivery attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    Delivered,
    RetryAt(i64),
    Abandoned,
}

/// One row of the delivery log.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliveryAttempt {
    pub attempt: i64,
    pub at_ms: i64,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
    pub response_body: Option<String>,
}

/// The columns of [`DeliveryAttempt`].
pub(super) const ATTEMPT_COLUMNS: &str =
    "attempt, at_ms, status_code, error, duration_ms, response_body";

impl From<DeliveryAttempt> for CallbackAttempt {
    fn from(attempt: DeliveryAttempt) -> Self {
        CallbackAttempt {
            at_ms: attempt.at_ms,
            status_code: attempt.status_code,
            error: attempt.error,
            duration_ms: attempt.duration_ms,
            response_body: attempt.response_body,
        }
    }
}

impl Database {
    /// Leases up to `limit` due callbacks (see [`super::Queue`]).
    pub async fn claim_due_callbacks(
        &self,
        owner: &str,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<i64>, StoreError> {
        self.claim_due(super::Queue::Callbacks, owner, lease_ms, limit)
            .await
    }

    pub async fn pending_callback(&self, id: i64) -> Result<Option<PendingCallback>, StoreError> {
        let sql = "SELECT o.id, o.message_id, o.card_id, o.url, o.payload, o.attempts, \
                   o.attempts - o.resent_after_attempts AS attempts_since_resend, m.webhook_secret, \
                   CASE WHEN m.previous_webhook_secret_until_ms > $2 THEN m.previous_webhook_secret END \
                   AS previous_webhook_secret \
                   FROM webhook_outbox o JOIN merchants m ON m.id = o.merchant_id WHERE o.id = $1";
        self.fetch_optional(sql, &[id.into(), self.now_ms().into()])
            .await
    }

    /// Logs an attempt and moves the message on: delivered, due again later, or abandoned.
    /// Only the lease holder may record; returns false otherwise.
    pub async fn record_delivery_attempt(
        &self,
        id: i64,
        owner: &str,
        record: &AttemptRecord<'_>,
        outcome: &AttemptOutcome,
    ) -> Result<bool, StoreError> {
        let at_ms = record.at_ms;
        let (next_attempt, delivered, abandoned) = match outcome {
            AttemptOutcome::Delivered => (None, Some(at_ms), None),
            AttemptOutcome::RetryAt(when) => (Some(*when), None, None),
            AttemptOutcome::Abandoned => (None, None, Some(at_ms)),
        };
        let mut tx = self.begin().await?;
        let mut conn = tx.conn();
        let attempt: Option<i64> = conn
            .scalar_optional(
                "UPDATE webhook_outbox SET attempts = attempts + 1, next_attempt_at_ms = $1, delivered_at_ms = $2, \
                 abandoned_at_ms = $3, lease_owner = NULL, lease_expires_at_ms = NULL \
                 WHERE id = $4 AND lease_owner = $5 RETURNING attempts",
                &[next_attempt.into(), delivered.into(), abandoned.into(), id.into(), owner.into()],
            )
            .await?;
        let Some(attempt) = attempt else {
            return Ok(false);
        };
        conn.execute(
            "INSERT INTO webhook_attempts (outbox_id, attempt, at_ms, status_code, error, duration_ms, \
             response_body) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                id.into(),
                attempt.into(),
                at_ms.into(),
                record.status_code.map(i64::from).into(),
                record.error.into(),
                record.duration_ms.into(),
                record.response_body.into(),
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The delivery log of a card's callbacks: (message id, status, attempts in order).
    pub async fn callback_log(
        &self,
        card_id: &CardId,
    ) -> Result<Vec<(String, String, Vec<DeliveryAttempt>)>, StoreError> {
        let messages: Vec<(i64, String, String)> = self
            .fetch_all(
                "SELECT id, message_id, payload FROM webhook_outbox WHERE card_id = $1 ORDER BY id",
                &[card_id.into()],
            )
            .await?;
        let mut log = Vec::with_capacity(messages.len());
        for (id, message_id, payload) in messages {
            let attempts: Vec<DeliveryAttempt> = self
                .fetch_all(
                    &format!(
                        "SELECT {ATTEMPT_COLUMNS} FROM webhook_attempts WHERE outbox_id = $1 \
                         ORDER BY attempt"
                    ),
                    &[id.into()],
                )
                .await?;
            log.push((message_id, reported_status(&payload), attempts));
        }
        Ok(log)
    }

    /// The callback messages of a merchant's card with their attempts, oldest first, for the
    /// console's card page.
    pub async fn card_callbacks(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<Vec<CallbackDelivery>, StoreError> {
        type Message = (
            i64,
            String,
            String,
            String,
            i64,
            Option<i64>,
            Option<i64>,
            Option<i64>,
        );
        let mut tx = self.begin_read().await?;
        let mut conn = tx.conn();
        let messages: Vec<Message> = conn
            .fetch_all(
                "SELECT id, message_id, url, payload, created_at_ms, next_attempt_at_ms, \
                 delivered_at_ms, abandoned_at_ms FROM webhook_outbox \
                 WHERE merchant_id = $1 AND card_id = $2 ORDER BY id",
                &[merchant_id.into(), card_id.into()],
            )
            .await?;
        let mut deliveries = Vec::with_capacity(messages.len());
        for (id, message_id, url, payload, created_at_ms, _next, delivered, abandoned) in messages {
            let attempts: Vec<DeliveryAttempt> = conn
                .fetch_all(
                    &format!(
                        "SELECT {ATTEMPT_COLUMNS} FROM webhook_attempts WHERE outbox_id = $1 \
                         ORDER BY attempt"
                    ),
                    &[id.into()],
                )
                .await?;
            let state = delivery_state(delivered, abandoned, attempts.len());
            deliveries.push(CallbackDelivery {
                message_id,
                reported_status: reported_status(&payload),
                url,
                state,
                created_at_ms,
                attempts: attempts.into_iter().map(CallbackAttempt::from).collect(),
            });
        }
        tx.commit().await?;
        Ok(deliveries)
    }
}

/// Where a message stands, from its outbox row.
pub(super) fn delivery_state(
    delivered_at_ms: Option<i64>,
    abandoned_at_ms: Option<i64>,
    attempts: usize,
) -> DeliveryState {
    match (delivered_at_ms, abandoned_at_ms, attempts) {
        (Some(_), _, _) => DeliveryState::Delivered,
        (None, Some(_), _) => DeliveryState::Abandoned,
        (None, None, 0) => DeliveryState::Pending,
        (None, None, _) => DeliveryState::Retrying,
    }
}

/// The card status a callback message reports (its `data.status`).
pub(super) fn reported_status(payload: &str) -> String {
    serde_json::from_str::<serde_json::Value>(payload)
        .ok()
        .and_then(|payload| payload["data"]["status"].as_str().map(str::to_owned))
        .unwrap_or_default()
}
