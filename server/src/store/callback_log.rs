//! The developers' area's view of the callback outbox: a merchant's messages with their attempts,
//! filtered and paged; resending one message or every abandoned one of a time range (the same
//! `webhook-id`, a fresh retry schedule); and rotating the signing secret with an overlap.

use app::domain::{
    callback_log::{CallbackMessage, CallbackQuery, CALLBACKS_PER_PAGE},
    console_card::{CallbackAttempt, DeliveryState},
    ids::{CardId, MerchantId},
};

use super::{
    sql::placeholders,
    webhook_outbox::{delivery_state, reported_status, DeliveryAttempt, ATTEMPT_COLUMNS},
    Database, StoreError,
};
use crate::change_feed::Change;

/// The SQL condition for a state, on `webhook_outbox` (no parameters: the four are fixed).
fn state_condition(state: DeliveryState) -> &'static str {
    match state {
        DeliveryState::Delivered => " AND delivered_at_ms IS NOT NULL",
        DeliveryState::Abandoned => " AND delivered_at_ms IS NULL AND abandoned_at_ms IS NOT NULL",
        DeliveryState::Retrying => {
            " AND delivered_at_ms IS NULL AND abandoned_at_ms IS NULL AND attempts > 0"
        }
        DeliveryState::Pending => {
            " AND delivered_at_ms IS NULL AND abandoned_at_ms IS NULL AND attempts = 0"
        }
    }
}

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: i64,
    message_id: String,
    card_id: String,
    url: String,
    payload: String,
    created_at_ms: i64,
    next_attempt_at_ms: Option<i64>,
    delivered_at_ms: Option<i64>,
    abandoned_at_ms: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct AttemptRow {
    outbox_id: i64,
    #[sqlx(flatten)]
    attempt: DeliveryAttempt,
}

/// Why a message was not resent.
#[derive(Debug, thiserror::Error)]
pub enum ResendError {
    #[error("there is no such message")]
    Unknown,
    #[error("the message is being delivered right now")]
    InFlight,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Database {
    /// A page of the merchant's messages matching `query`, newest first, with their attempts;
    /// and whether an older page exists.
    pub async fn callback_messages(
        &self,
        merchant_id: &MerchantId,
        query: &CallbackQuery,
    ) -> Result<(Vec<CallbackMessage>, bool), StoreError> {
        let state = query.state.map_or("", state_condition);
        let sql = format!(
            "SELECT id, message_id, card_id, url, payload, created_at_ms, next_attempt_at_ms, \
             delivered_at_ms, abandoned_at_ms FROM webhook_outbox WHERE merchant_id = $1 \
             AND ($2 IS NULL OR card_id = $2) AND ($3 IS NULL OR created_at_ms >= $3) \
             AND ($4 IS NULL OR created_at_ms <= $4) AND ($5 IS NULL OR id < $5){state} \
             ORDER BY id DESC LIMIT $6"
        );
        let mut tx = self.begin_read().await?;
        let mut conn = tx.conn();
        let mut rows: Vec<MessageRow> = conn
            .fetch_all(
                &sql,
                &[
                    merchant_id.into(),
                    query.card_id.as_ref().into(),
                    query.from_ms.into(),
                    query.to_ms.into(),
                    query.before_id.into(),
                    (CALLBACKS_PER_PAGE + 1).into(),
                ],
            )
            .await?;
        let more = rows.len() > usize::try_from(CALLBACKS_PER_PAGE).unwrap_or(usize::MAX);
        rows.truncate(usize::try_from(CALLBACKS_PER_PAGE).unwrap_or(usize::MAX));
        // Every attempt of the page in one statement, not one per message.
        let mut attempts: Vec<AttemptRow> = Vec::new();
        if !rows.is_empty() {
            let sql = format!(
                "SELECT outbox_id, {ATTEMPT_COLUMNS} FROM webhook_attempts WHERE outbox_id IN ({}) \
                 ORDER BY outbox_id, attempt",
                placeholders(1, rows.len())
            );
            let ids: Vec<super::sql::Param<'_>> = rows.iter().map(|row| row.id.into()).collect();
            attempts = conn.fetch_all(&sql, &ids).await?;
        }
        tx.commit().await?;
        let messages = rows
            .into_iter()
            .map(|row| {
                let attempts: Vec<CallbackAttempt> = attempts
                    .iter()
                    .filter(|attempt| attempt.outbox_id == row.id)
                    .map(|attempt| CallbackAttempt::from(attempt.attempt.clone()))
                    .collect();
                let payload: serde_json::Value =
                    serde_json::from_str(&row.payload).unwrap_or_default();
                CallbackMessage {
                    id: row.id,
                    message_id: row.message_id,
                    card_id: CardId::new(row.card_id),
                    event_type: payload["type"].as_str().unwrap_or_default().to_owned(),
                    sequence: payload["sequence"].as_i64().unwrap_or_default(),
                    reported_status: reported_status(&row.payload),
                    url: row.url,
                    state: delivery_state(row.delivered_at_ms, row.abandoned_at_ms, attempts.len()),
                    created_at_ms: row.created_at_ms,
                    next_attempt_at_ms: row.next_attempt_at_ms,
                    attempts,
                }
            })
            .collect();
        Ok((messages, more))
    }

    /// Makes a message due now, whatever it came to, with a fresh retry schedule. The same
    /// message goes out again: same `webhook-id`, same body, signed anew.
    pub async fn resend_callback(
        &self,
        merchant_id: &MerchantId,
        message_id: &str,
    ) -> Result<(), ResendError> {
        let now = self.now_ms();
        let sql = "UPDATE webhook_outbox SET next_attempt_at_ms = $1, delivered_at_ms = NULL, \
                   abandoned_at_ms = NULL, resent_after_attempts = attempts \
                   WHERE merchant_id = $2 AND message_id = $3 \
                   AND (lease_owner IS NULL OR lease_expires_at_ms < $1)";
        let mut tx = self.begin().await?;
        let changed = tx
            .conn()
            .execute(sql, &[now.into(), merchant_id.into(), message_id.into()])
            .await
            .map_err(StoreError::from)?;
        if changed == 0 {
            let known: Option<i64> = tx
                .conn()
                .scalar_optional(
                    "SELECT id FROM webhook_outbox WHERE merchant_id = $1 AND message_id = $2",
                    &[merchant_id.into(), message_id.into()],
                )
                .await
                .map_err(StoreError::from)?;
            return Err(match known {
                Some(_) => ResendError::InFlight,
                None => ResendError::Unknown,
            });
        }
        tx.announce(Change::CallbackDue);
        tx.commit().await?;
        Ok(())
    }

    /// Resends every abandoned message of the merchant created within `[from_ms, to_ms]`;
    /// answers how many.
    pub async fn resend_abandoned_callbacks(
        &self,
        merchant_id: &MerchantId,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<u64, StoreError> {
        let now = self.now_ms();
        let sql = "UPDATE webhook_outbox SET next_attempt_at_ms = $1, abandoned_at_ms = NULL, \
                   resent_after_attempts = attempts \
                   WHERE merchant_id = $2 AND abandoned_at_ms IS NOT NULL AND delivered_at_ms IS NULL \
                   AND created_at_ms >= $3 AND created_at_ms <= $4 \
                   AND (lease_owner IS NULL OR lease_expires_at_ms < $1)";
        let mut tx = self.begin().await?;
        let resent = tx
            .conn()
            .execute(
                sql,
                &[now.into(), merchant_id.into(), from_ms.into(), to_ms.into()],
            )
            .await
            .map_err(StoreError::from)?;
        if resent > 0 {
            tx.announce(Change::CallbackDue);
        }
        tx.commit().await?;
        Ok(resent)
    }

    /// Until when the merchant's rotated-out secret still signs, if it still does.
    pub async fn previous_secret_until(
        &self,
        merchant_id: &MerchantId,
    ) -> Result<Option<i64>, StoreError> {
        let until: Option<Option<i64>> = self
            .scalar_optional(
                "SELECT previous_webhook_secret_until_ms FROM merchants WHERE id = $1",
                &[merchant_id.into()],
            )
            .await?;
        Ok(until.flatten().filter(|until| *until > self.now_ms()))
    }

    /// The merchant's rotated-out secret, while it still signs.
    pub async fn previous_secret(
        &self,
        merchant_id: &MerchantId,
    ) -> Result<Option<String>, StoreError> {
        let previous: Option<Option<String>> = self
            .scalar_optional(
                "SELECT previous_webhook_secret FROM merchants WHERE id = $1 \
                 AND previous_webhook_secret_until_ms > $2",
                &[merchant_id.into(), self.now_ms().into()],
            )
            .await?;
        Ok(previous.flatten())
    }

    /// Makes `new_secret` the signing secret; the one it replaces signs beside it until
    /// `previous_until_ms`. A second rotation within the overlap drops the oldest secret.
    pub async fn rotate_webhook_secret(
        &self,
        merchant_id: &MerchantId,
        new_secret: &str,
        previous_until_ms: i64,
    ) -> Result<(), StoreError> {
        let sql = "UPDATE merchants SET previous_webhook_secret = webhook_secret, \
                   previous_webhook_secret_until_ms = $1, webhook_secret = $2 WHERE id = $3";
        self.execute(
            sql,
            &[
                previous_until_ms.into(),
                new_secret.into(),
                merchant_id.into(),
            ],
        )
        .await?;
        Ok(())
    }
}
