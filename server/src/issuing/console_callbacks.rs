//! The developers' area's callbacks ([`ConsoleCallbacks`]) over the outbox: the log, resending
//! (audited), test events sent by the same [`CallbackSender`] as real deliveries (so under the
//! same SSRF rules, signed with the same secrets), and the signing secret's rotation with a day's
//! overlap (audited; the secret itself is never written to the audit log).

use std::time::Duration;

use app::{
    domain::{
        audit::AuditAction,
        calendar::{format_datetime, format_timestamp_ms},
        callback_log::{
            event_lines, CallbackLogView, CallbackMessage, CallbackQuery, CardEventLine,
            RotatedSecret, TestEventAnswer, PREVIOUS_SECRET_OVERLAP_MS,
        },
        console_user::ConsoleUser,
        ids::CardId,
    },
    ports::{ConsoleCallbacks, ConsoleDenied},
};

use super::developers_area::integration_only;
use crate::{
    secrets::random,
    store::{new_webhook_secret, Database, ResendError},
    webhooks::{
        callback_sender::{CallbackSender, OutgoingMessage},
        CallbackPolicy,
    },
};

/// How long a test event may take, as a real delivery.
const TEST_EVENT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct ConsoleCallbackService {
    database: Database,
    sender: CallbackSender,
}

fn unavailable(error: impl std::fmt::Display) -> ConsoleDenied {
    tracing::warn!(%error, "console callbacks store failed");
    ConsoleDenied::Unavailable
}

fn may_manage(user: &ConsoleUser) -> Result<(), ConsoleDenied> {
    integration_only(user, "callbacks are for developers, admins and owners")
}

impl ConsoleCallbackService {
    pub fn new(database: Database, policy: CallbackPolicy) -> Self {
        Self {
            database,
            sender: CallbackSender::new(policy, TEST_EVENT_TIMEOUT),
        }
    }

    async fn audit(
        &self,
        user: &ConsoleUser,
        action: AuditAction,
        object_id: &str,
        detail: &str,
    ) -> Result<(), ConsoleDenied> {
        self.database
            .record_user_audit(user, action, object_id, detail, None)
            .await
            .map_err(unavailable)
    }

    /// One of the merchant's cards' events beside every message the card produced (whatever
    /// the log's other filters); `None` for a card that is not the merchant's. `read` is the
    /// card's messages when the page already holds them all, so they are not read twice.
    async fn card_event_lines(
        &self,
        user: &ConsoleUser,
        card_id: &CardId,
        read: Option<&[CallbackMessage]>,
    ) -> Result<Option<Vec<CardEventLine>>, ConsoleDenied> {
        let Some(card) = self
            .database
            .card(&user.merchant_id, card_id)
            .await
            .map_err(unavailable)?
        else {
            return Ok(None);
        };
        if let Some(messages) = read {
            return Ok(Some(event_lines(&card.events, messages)));
        }
        let (messages, _) = self
            .database
            .callback_messages(&user.merchant_id, &every_message_of(card_id))
            .await
            .map_err(unavailable)?;
        Ok(Some(event_lines(&card.events, &messages)))
    }

    async fn current_secrets(&self, user: &ConsoleUser) -> Result<Vec<String>, ConsoleDenied> {
        let merchant = self
            .database
            .merchant(&user.merchant_id)
            .await
            .map_err(unavailable)?
            .ok_or(ConsoleDenied::Unavailable)?;
        let mut secrets = vec![merchant.webhook_secret];
        if let Some(previous) = self
            .database
            .previous_secret(&user.merchant_id)
            .await
            .map_err(unavailable)?
        {
            secrets.push(previous);
        }
        Ok(secrets)
    }
}

/// The log's query for a card's messages, newest first, nothing else filtered.
fn every_message_of(card_id: &CardId) -> CallbackQuery {
    CallbackQuery {
        card_id: Some(card_id.clone()),
        ..CallbackQuery::default()
    }
}

#[async_trait::async_trait]
impl ConsoleCallbacks for ConsoleCallbackService {
    async fn log(
        &self,
        user: &ConsoleUser,
        query: &CallbackQuery,
    ) -> Result<CallbackLogView, ConsoleDenied> {
        may_manage(user)?;
        let (messages, more) = self
            .database
            .callback_messages(&user.merchant_id, query)
            .await
            .map_err(unavailable)?;
        let older = more
            .then(|| messages.last().map(|message| message.id))
            .flatten();
        let card_events = match &query.card_id {
            Some(card_id) => {
                // Filtered by the card alone, this page is the card's messages (the newest
                // page's worth, as the events' own read would get).
                let read = (*query == every_message_of(card_id)).then_some(messages.as_slice());
                self.card_event_lines(user, card_id, read).await?
            }
            None => None,
        };
        let previous_secret_until_ms = self
            .database
            .previous_secret_until(&user.merchant_id)
            .await
            .map_err(unavailable)?;
        Ok(CallbackLogView {
            card_events,
            messages,
            older,
            previous_secret_until_ms,
            now_ms: self.database.now_ms(),
        })
    }

    #[tracing::instrument(skip_all, fields(user_id = %user.id))]
    async fn resend(&self, user: &ConsoleUser, message_id: &str) -> Result<(), ConsoleDenied> {
        may_manage(user)?;
        self.database
            .resend_callback(&user.merchant_id, message_id)
            .await
            .map_err(|error| match error {
                ResendError::Unknown => {
                    ConsoleDenied::Invalid("There is no such callback message.".to_owned())
                }
                ResendError::InFlight => ConsoleDenied::Refused(
                    "This message is being delivered right now. Try again in a moment.".to_owned(),
                ),
                ResendError::Store(error) => unavailable(error),
            })?;
        self.audit(
            user,
            AuditAction::CallbacksResent,
            message_id,
            "one message",
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(user_id = %user.id))]
    async fn resend_abandoned(
        &self,
        user: &ConsoleUser,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<u64, ConsoleDenied> {
        may_manage(user)?;
        if from_ms > to_ms {
            return Err(ConsoleDenied::Invalid(
                "The range ends before it starts.".to_owned(),
            ));
        }
        let resent = self
            .database
            .resend_abandoned_callbacks(&user.merchant_id, from_ms, to_ms)
            .await
            .map_err(unavailable)?;
        let detail = format!(
            "{resent} abandoned message(s) created {} to {} UTC",
            format_datetime(from_ms),
            format_datetime(to_ms)
        );
        self.audit(user, AuditAction::CallbacksResent, "abandoned", &detail)
            .await?;
        Ok(resent)
    }

    #[tracing::instrument(skip_all, fields(user_id = %user.id))]
    async fn send_test_event(
        &self,
        user: &ConsoleUser,
        url: &str,
    ) -> Result<TestEventAnswer, ConsoleDenied> {
        may_manage(user)?;
        let url = url.trim();
        if url.is_empty() {
            return Err(ConsoleDenied::Invalid(
                "Enter the URL to send the test event to.".to_owned(),
            ));
        }
        let secrets = self.current_secrets(user).await?;
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let now = self.database.now_ms();
        let message_id = random::id("msg_test_");
        let payload = serde_json::json!({
            "type": "test",
            "timestamp": format_timestamp_ms(now),
            "data": { "merchantId": user.merchant_id.as_str(), "sentBy": user.email },
        })
        .to_string();
        let message = OutgoingMessage {
            url,
            message_id: &message_id,
            timestamp_secs: now / 1000,
            payload: &payload,
            secrets: &secrets,
        };
        let started = std::time::Instant::now();
        let answer = self.sender.send(&message).await;
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        Ok(match answer {
            Ok(answer) => TestEventAnswer {
                status_code: Some(i64::from(answer.status)),
                response_body: Some(answer.body),
                error: None,
                duration_ms,
            },
            Err(error) => TestEventAnswer {
                status_code: None,
                response_body: None,
                error: Some(error),
                duration_ms,
            },
        })
    }

    async fn signing_secret(&self, user: &ConsoleUser) -> Result<String, ConsoleDenied> {
        may_manage(user)?;
        let mut secrets = self.current_secrets(user).await?;
        Ok(secrets.swap_remove(0))
    }

    #[tracing::instrument(skip_all, fields(user_id = %user.id))]
    async fn rotate_secret(&self, user: &ConsoleUser) -> Result<RotatedSecret, ConsoleDenied> {
        may_manage(user)?;
        let secret = new_webhook_secret();
        let previous_until_ms = self.database.now_ms() + PREVIOUS_SECRET_OVERLAP_MS;
        self.database
            .rotate_webhook_secret(&user.merchant_id, &secret, previous_until_ms)
            .await
            .map_err(unavailable)?;
        let detail = format!(
            "the previous secret signs too until {} UTC",
            format_datetime(previous_until_ms)
        );
        self.audit(
            user,
            AuditAction::WebhookSecretRotated,
            user.merchant_id.as_str(),
            &detail,
        )
        .await?;
        Ok(RotatedSecret {
            secret,
            previous_until_ms,
        })
    }
}
