//! The developers' area's callback log: every callback message a merchant's cards produced, with
//! each delivery attempt, what can be asked of it (by card, by state, by time), and the answers
//! of the actions on it (a test event, a rotated signing secret).

use serde::{Deserialize, Serialize};

use super::{
    calendar::days_from_civil,
    console_card::{CallbackAttempt, DeliveryState},
    ids::CardId,
    issuing::CardEvent,
};

/// The first this many bytes of a receiver's answer are kept with each attempt.
pub const RESPONSE_BODY_LIMIT: usize = 1024;
/// Messages a page of the log holds.
pub const CALLBACKS_PER_PAGE: i64 = 50;
/// How long a rotated-out secret still signs beside the new one.
pub const PREVIOUS_SECRET_OVERLAP_MS: i64 = 24 * 3600 * 1000;

/// One callback message with its attempts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackMessage {
    /// The log's own row number: newest first, and the page cursor.
    pub id: i64,
    /// Its `webhook-id`: the same on every attempt and every resend, so receivers deduplicate.
    pub message_id: String,
    pub card_id: CardId,
    /// `card.status_changed`, as in the message's `type`.
    pub event_type: String,
    /// The card's event number the message reports (its `sequence`).
    pub sequence: i64,
    /// The card status the message reports.
    pub reported_status: String,
    pub url: String,
    pub state: DeliveryState,
    pub created_at_ms: i64,
    /// When the next attempt is due, while one is.
    pub next_attempt_at_ms: Option<i64>,
    pub attempts: Vec<CallbackAttempt>,
}

/// What the log is asked for. Times are epoch ms; `before_id` pages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackQuery {
    pub card_id: Option<CardId>,
    pub state: Option<DeliveryState>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub before_id: Option<i64>,
}

impl CallbackQuery {
    /// From the page's query string; what cannot be read is left out, not an error. `from` and
    /// `to` are UTC days (`2026-11-29`), `to` taking in the whole day.
    pub fn from_params(
        card: Option<&str>,
        state: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        before: Option<&str>,
    ) -> Self {
        CallbackQuery {
            card_id: card
                .map(str::trim)
                .filter(|card| !card.is_empty())
                .map(CardId::new),
            state: state.and_then(DeliveryState::parse),
            from_ms: from.and_then(day_start_ms),
            to_ms: to
                .and_then(day_start_ms)
                .map(|start| start + 86_400_000 - 1),
            before_id: before.and_then(|before| before.parse().ok()),
        }
    }
}

/// Midnight UTC of a `YYYY-MM-DD` day, in epoch ms.
pub fn day_start_ms(day: &str) -> Option<i64> {
    let mut parts = day.trim().splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let date: u32 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&date) || !(1970..=9999).contains(&year) {
        return None;
    }
    Some(days_from_civil(year, i64::from(month), i64::from(date)) * 86_400_000)
}

/// One of a card's events beside the callback message it produced, or why it produced none.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardEventLine {
    pub event: CardEvent,
    /// The message with this event's `sequence`, and where it stands.
    pub message: Option<(String, DeliveryState)>,
    /// Why there is no message, when there is none.
    pub no_message: Option<String>,
}

/// A card's events in sequence order, each with its message: what a receiver got, in what order,
/// and what it has not got yet. A callback is sent for a change of status only, so an event that
/// keeps the status (a stage within it) has none by design.
pub fn event_lines(events: &[CardEvent], messages: &[CallbackMessage]) -> Vec<CardEventLine> {
    let mut previous = None;
    let mut ordered: Vec<&CardEvent> = events.iter().collect();
    ordered.sort_by_key(|event| event.seq);
    ordered
        .into_iter()
        .map(|event| {
            let changed = previous != Some(event.status);
            previous = Some(event.status);
            let message = messages
                .iter()
                .find(|message| message.sequence == event.seq)
                .map(|message| (message.message_id.clone(), message.state));
            let no_message = match (&message, changed, messages.is_empty()) {
                (Some(_), _, _) => None,
                (None, false, _) => Some("Same status as before: no callback".to_owned()),
                (None, true, true) => Some("The card has no callback URL".to_owned()),
                (None, true, false) => Some("No message was queued for this change".to_owned()),
            };
            CardEventLine {
                event: event.clone(),
                message,
                no_message,
            }
        })
        .collect()
}

/// A page of the log, with what the page needs to draw its signing-secret panel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackLogView {
    /// With a card filter: that card's events and their messages.
    pub card_events: Option<Vec<CardEventLine>>,
    pub messages: Vec<CallbackMessage>,
    /// The cursor of the next (older) page, when there is one.
    pub older: Option<i64>,
    /// Until when the rotated-out secret still signs, while it does.
    pub previous_secret_until_ms: Option<i64>,
    pub now_ms: i64,
}

/// What a receiver answered a test event, or why it did not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestEventAnswer {
    pub status_code: Option<i64>,
    /// The first [`RESPONSE_BODY_LIMIT`] bytes of its answer.
    pub response_body: Option<String>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// A new signing secret, and until when the old one still signs beside it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotatedSecret {
    pub secret: String,
    pub previous_until_ms: i64,
}

/// The first [`RESPONSE_BODY_LIMIT`] bytes of a receiver's answer as plain text: cut on a
/// character boundary, invalid UTF-8 replaced, control characters other than line breaks and
/// tabs dropped (PostgreSQL stores no NUL in text, and a log should not carry terminal escapes).
pub fn response_excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(RESPONSE_BODY_LIMIT)]);
    text.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_reads_days_and_ignores_what_it_cannot_read() {
        let query = CallbackQuery::from_params(
            Some(" c_1 "),
            Some("abandoned"),
            Some("2026-11-29"),
            Some("2026-11-29"),
            Some("40"),
        );
        assert_eq!(query.card_id.as_ref().map(CardId::as_str), Some("c_1"));
        assert_eq!(query.state, Some(DeliveryState::Abandoned));
        assert_eq!(query.from_ms, Some(1_795_910_400_000));
        assert_eq!(query.to_ms, Some(1_795_910_400_000 + 86_400_000 - 1));
        assert_eq!(query.before_id, Some(40));
        let nothing = CallbackQuery::from_params(
            Some(""),
            Some("lost"),
            Some("29/11"),
            Some("2026-13-01"),
            None,
        );
        assert_eq!(nothing, CallbackQuery::default());
    }

    #[test]
    fn each_event_meets_its_message_or_says_why_there_is_none() {
        use crate::domain::{provisioning::ProvisioningStage, CardStatus};
        let event = |seq, status| CardEvent {
            seq,
            status,
            stage: ProvisioningStage::OpeningCard,
            at_ms: seq,
        };
        let events = [
            event(3, CardStatus::InitCreateCard),
            event(1, CardStatus::Init),
            event(2, CardStatus::Init),
        ];
        let message = CallbackMessage {
            id: 1,
            message_id: "msg_1".to_owned(),
            card_id: CardId::new("c_1"),
            event_type: "card.status_changed".to_owned(),
            sequence: 1,
            reported_status: "INIT".to_owned(),
            url: "https://shop.example/hook".to_owned(),
            state: DeliveryState::Delivered,
            created_at_ms: 1,
            next_attempt_at_ms: None,
            attempts: Vec::new(),
        };
        let lines = event_lines(&events, std::slice::from_ref(&message));
        let seqs: Vec<i64> = lines.iter().map(|line| line.event.seq).collect();
        assert_eq!(seqs, [1, 2, 3], "in sequence order");
        assert_eq!(
            lines[0].message,
            Some(("msg_1".to_owned(), DeliveryState::Delivered))
        );
        assert_eq!(
            lines[1].no_message.as_deref(),
            Some("Same status as before: no callback")
        );
        assert_eq!(
            lines[2].no_message.as_deref(),
            Some("No message was queued for this change")
        );
        let without = event_lines(&events, &[]);
        assert_eq!(
            without[0].no_message.as_deref(),
            Some("The card has no callback URL")
        );
    }

    #[test]
    fn an_excerpt_is_short_plain_text() {
        assert_eq!(response_excerpt(b"ok\n\x00\x1b[31mred"), "ok\n[31mred");
        let long = "é".repeat(RESPONSE_BODY_LIMIT);
        let excerpt = response_excerpt(long.as_bytes());
        assert!(
            excerpt.len() <= RESPONSE_BODY_LIMIT + 3,
            "{}",
            excerpt.len()
        );
        assert!(excerpt.starts_with("éé"));
        assert_eq!(response_excerpt(&[0xff, b'a']), "\u{fffd}a");
    }
}
