//! The message a merchant's callback URL receives when a card's status changes, and what the
//! catch-up endpoints answer: one shape, built in one place. Only what a merchant may see goes in,
//! never a PAN or CVC.

use serde_json::{json, Value};

use super::{
    calendar,
    issuing::{CardEvent, CardView},
    CardStatus,
};

/// A card's status change as its callback tells it. `sequence` is the card's event number: it
/// grows strictly with every change of the card, so a receiver can put messages in order and ask
/// for what it missed (numbers of stage-only events, which send no callback, are skipped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusCallback<'a> {
    pub card_id: &'a str,
    pub order_no: &'a str,
    pub event: &'a CardEvent,
    /// Only on the change to CARD FAILED REFUND.
    pub failure_reason: Option<&'a str>,
}

impl StatusCallback<'_> {
    pub fn payload(&self) -> Value {
        let status = self.event.status;
        json!({
            "type": "card.status_changed",
            "sequence": self.event.seq,
            "timestamp": calendar::format_timestamp_ms(self.event.at_ms),
            "data": {
                "cardId": self.card_id,
                "orderNo": self.order_no,
                "status": status.code(),
                "statusText": status.text(),
                "stage": self.event.stage.label(),
                "failReason": self.failure_reason.filter(|_| status == CardStatus::CardFailedRefund),
            },
        })
    }
}

/// The events of a card that sent a callback (those that changed its status), after `after`.
pub fn callback_events(events: &[CardEvent], after: i64) -> Vec<&CardEvent> {
    let mut previous = None;
    events
        .iter()
        .filter(|event| {
            let changed = previous != Some(event.status);
            previous = Some(event.status);
            changed
        })
        .filter(|event| event.seq > after)
        .collect()
}

/// The callbacks a card sent after `sequence` `after`, as they were sent: what a receiver that
/// missed them fetches to catch up.
pub fn callbacks_after(card: &CardView, after: i64) -> Vec<Value> {
    callback_events(&card.events, after)
        .into_iter()
        .map(|event| {
            StatusCallback {
                card_id: card.card_id.as_str(),
                order_no: &card.order_no,
                event,
                failure_reason: card.failure_reason.as_deref(),
            }
            .payload()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::provisioning::ProvisioningStage;

    fn event(seq: i64, status: CardStatus, stage: ProvisioningStage) -> CardEvent {
        CardEvent {
            seq,
            status,
            stage,
            at_ms: 1_795_807_206_444 + seq,
        }
    }

    #[test]
    fn the_payload_carries_the_sequence_and_a_millisecond_timestamp() {
        let failed = event(
            3,
            CardStatus::CardFailedRefund,
            ProvisioningStage::OpeningCard,
        );
        let callback = StatusCallback {
            card_id: "c_1",
            order_no: "o-1",
            event: &failed,
            failure_reason: Some("declined"),
        };
        let payload = callback.payload();
        assert_eq!(payload["sequence"], 3);
        assert_eq!(payload["timestamp"], "2026-11-27T19:20:06.447Z");
        assert_eq!(payload["data"]["status"], "CARD FAILED REFUND");
        assert_eq!(payload["data"]["failReason"], "declined");
        let active = event(4, CardStatus::Active, ProvisioningStage::Activated);
        let callback = StatusCallback {
            event: &active,
            ..callback
        };
        assert_eq!(callback.payload()["data"]["failReason"], Value::Null);
    }

    #[test]
    fn only_status_changes_were_called_back() {
        use CardStatus::*;
        use ProvisioningStage::*;
        let events = [
            event(1, Init, OpeningCard),
            event(2, Init, CreatingCardholder),
            event(3, InitCreateCard, CreatingCardholder),
            event(4, Active, Activated),
        ];
        let seqs = |after| -> Vec<i64> {
            callback_events(&events, after)
                .iter()
                .map(|event| event.seq)
                .collect()
        };
        assert_eq!(seqs(0), [1, 3, 4]);
        assert_eq!(seqs(1), [3, 4]);
        assert_eq!(seqs(4), Vec::<i64>::new());
    }
}
