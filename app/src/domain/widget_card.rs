//! A card as the embedded widget shows it: never the PAN or CVC (those come only from an explicit
//! reveal), the five provisioning steps with their times, and the events the partner page hears.

use serde::{Deserialize, Serialize};

use super::{
    card_number::mask,
    issuing::{CardEvent, CardView},
    provisioning::ProvisioningStage,
    CardStatus, Cents,
};

/// What a cardholder reads when the merchant has closed the session: on the framed page, in the
/// form's refusal, and in the tracker (the stream's `closed` event).
pub const SESSION_CLOSED: &str =
    "The site closed this card form. Ask it for a new one to create a card or to see this card again.";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetCard {
    pub card_id: String,
    pub status: CardStatus,
    pub stage: ProvisioningStage,
    pub failure_reason: Option<String>,
    /// `472593******1234` once activated.
    pub masked_number: Option<String>,
    /// `MM/YY` once activated.
    pub expiry: Option<String>,
    pub brand: String,
    /// The name on the card, as the cardholder gave it.
    pub holder: String,
    pub balance: Cents,
    pub deposit: Cents,
    /// What went back to the merchant's wallet (the whole deposit when provisioning failed).
    pub refunded: Cents,
    pub events: Vec<CardEvent>,
}

impl WidgetCard {
    pub fn from_view(card: &CardView) -> WidgetCard {
        let masked_number = match (&card.card_bin, &card.last4) {
            (Some(bin), Some(last4)) => Some(mask(bin, last4, card.pan_length as usize)),
            _ => None,
        };
        let expiry = match (card.exp_month, card.exp_year) {
            (Some(month), Some(year)) => Some(format!("{month:02}/{:02}", year.rem_euclid(100))),
            _ => None,
        };
        WidgetCard {
            card_id: card.card_id.to_string(),
            status: card.status,
            stage: card.stage,
            failure_reason: card.failure_reason.clone(),
            masked_number,
            expiry,
            brand: card.brand.clone(),
            holder: format!("{} {}", card.first_name, card.last_name),
            balance: card.balance,
            deposit: card.deposit,
            refunded: card.returned,
            events: card.events.clone(),
        }
    }

    /// The number of the newest event: the Server-Sent Events id, so a reconnecting tracker says
    /// how far it got.
    pub fn last_seq(&self) -> i64 {
        self.events.last().map_or(0, |event| event.seq)
    }

    /// Provisioning has ended, one way or the other: nothing more to track.
    pub fn is_settled(&self) -> bool {
        !self.status.is_provisioning()
    }

    /// The five steps of the tracker, in order.
    pub fn steps(&self) -> Vec<Step> {
        ProvisioningStage::ALL
            .into_iter()
            .map(|stage| Step {
                stage,
                state: self.step_state(stage),
            })
            .collect()
    }

    fn step_state(&self, stage: ProvisioningStage) -> StepState {
        // An event records the stage the card moved INTO: a stage starts at its own event and is
        // done at the next stage's. Activated is done the moment it is reached.
        let reached = |stage: ProvisioningStage| -> Option<&CardEvent> {
            self.events
                .iter()
                .find(|event| event.stage == stage && event.status != CardStatus::CardFailedRefund)
        };
        if self.status == CardStatus::CardFailedRefund && self.stage == stage {
            let at_ms = self.events.last().map_or(0, |event| event.at_ms);
            return StepState::Failed { at_ms };
        }
        let done_at = match stage.next() {
            Some(next) => reached(next).map(|event| event.at_ms),
            None => reached(stage).map(|event| event.at_ms),
        };
        if let Some(at_ms) = done_at {
            return StepState::Done { at_ms };
        }
        match reached(stage) {
            Some(event) if self.status.is_provisioning() => StepState::Current {
                since_ms: event.at_ms,
            },
            _ => StepState::Waiting,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepState {
    Done { at_ms: i64 },
    Current { since_ms: i64 },
    Failed { at_ms: i64 },
    Waiting,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub stage: ProvisioningStage,
    pub state: StepState,
}

/// What the partner page is told about a card, through `postMessage`: enough for a checkout to
/// go on (which card, how far, its last four digits, brand, expiry and amount), never the card
/// number, CVC or names; the merchant's backend reads the rest with its API key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WidgetEventKind {
    Created,
    StatusChanged,
    Activated,
    Failed,
    /// The widget opened on a card its session already made (a reload, back/forward).
    Resumed,
}

impl WidgetEventKind {
    pub const ALL: [WidgetEventKind; 5] = [
        WidgetEventKind::Created,
        WidgetEventKind::StatusChanged,
        WidgetEventKind::Activated,
        WidgetEventKind::Failed,
        WidgetEventKind::Resumed,
    ];

    /// The event's name on the partner page (`cardkit:<name>`), as serde writes it too.
    pub fn name(self) -> &'static str {
        match self {
            WidgetEventKind::Created => "created",
            WidgetEventKind::StatusChanged => "status_changed",
            WidgetEventKind::Activated => "activated",
            WidgetEventKind::Failed => "failed",
            WidgetEventKind::Resumed => "resumed",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetMessage {
    /// Always `cardkit`: lets the partner tell our messages from others' at a glance.
    pub source: String,
    pub event: WidgetEventKind,
    pub card_id: String,
    /// The seed's status code, e.g. `ACTIVE CARD`.
    pub status: String,
    pub stage: String,
    /// Once the card has a number.
    pub last4: Option<String>,
    pub brand: String,
    /// Once the card has a number: 1–12 and four digits.
    pub exp_month: Option<u8>,
    pub exp_year: Option<u16>,
    /// The deposit, in cents of `currency`.
    pub amount: Cents,
    pub currency: String,
    /// Why provisioning failed, for `failed`.
    pub fail_reason: Option<String>,
}

impl WidgetMessage {
    pub fn about(card: &WidgetCard, event: WidgetEventKind) -> WidgetMessage {
        let last4 = card.masked_number.as_deref().and_then(|number| {
            let start = number.len().checked_sub(4)?;
            number.get(start..).map(str::to_owned)
        });
        // `MM/YY`, as the widget shows it.
        let (exp_month, exp_year) = match card.expiry.as_deref().and_then(|e| e.split_once('/')) {
            Some((month, year)) => (month.parse().ok(), year.parse().ok().map(|y: u16| 2000 + y)),
            None => (None, None),
        };
        WidgetMessage {
            source: "cardkit".to_owned(),
            event,
            card_id: card.card_id.clone(),
            status: card.status.code().to_owned(),
            stage: card.stage.code().to_owned(),
            last4,
            brand: card.brand.clone(),
            exp_month,
            exp_year,
            amount: card.deposit,
            currency: "USD".to_owned(),
            fail_reason: card.failure_reason.clone(),
        }
    }
}

/// The partner events a move from `previous` (what the widget last showed, if anything) to
/// `current` gives, in the order they happened.
pub fn events_between(previous: Option<&WidgetCard>, current: &WidgetCard) -> Vec<WidgetMessage> {
    let mut kinds = Vec::new();
    match previous {
        None => kinds.push(WidgetEventKind::Created),
        Some(previous) if previous.status == current.status => return Vec::new(),
        Some(_) => {}
    }
    if previous.is_some() || current.status != CardStatus::Init {
        kinds.push(WidgetEventKind::StatusChanged);
    }
    match current.status {
        CardStatus::Active => kinds.push(WidgetEventKind::Activated),
        CardStatus::CardFailedRefund => kinds.push(WidgetEventKind::Failed),
        _ => {}
    }
    kinds
        .into_iter()
        .map(|event| WidgetMessage::about(current, event))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProvisioningStage::*;

    fn event(seq: i64, status: CardStatus, stage: ProvisioningStage) -> CardEvent {
        CardEvent {
            seq,
            status,
            stage,
            at_ms: seq * 1000,
        }
    }

    fn card(status: CardStatus, stage: ProvisioningStage, events: Vec<CardEvent>) -> WidgetCard {
        WidgetCard {
            card_id: "c1".into(),
            status,
            stage,
            failure_reason: None,
            masked_number: None,
            expiry: None,
            brand: "VISA".into(),
            holder: "Milton Schmitt".into(),
            balance: Cents(2500),
            deposit: Cents(2500),
            refunded: Cents::ZERO,
            events,
        }
    }

    #[test]
    fn a_card_mid_provisioning_shows_done_current_and_waiting_steps() {
        let card = card(
            CardStatus::InitCreateCard,
            CreatingVirtualCard,
            vec![
                event(1, CardStatus::Init, OpeningCard),
                event(2, CardStatus::Init, CreatingCardholder),
                event(3, CardStatus::InitCreateCard, CreatingVirtualCard),
            ],
        );
        let states: Vec<StepState> = card.steps().into_iter().map(|step| step.state).collect();
        assert_eq!(
            states,
            [
                StepState::Done { at_ms: 2000 },
                StepState::Done { at_ms: 3000 },
                StepState::Current { since_ms: 3000 },
                StepState::Waiting,
                StepState::Waiting,
            ]
        );
        assert_eq!(card.last_seq(), 3);
        assert!(!card.is_settled());
    }

    #[test]
    fn an_activated_card_has_every_step_done() {
        let card = card(
            CardStatus::Active,
            Activated,
            (1..=5)
                .map(|seq| {
                    let stage = ProvisioningStage::ALL[seq as usize - 1];
                    event(seq, stage.status(), stage)
                })
                .collect(),
        );
        assert!(card
            .steps()
            .iter()
            .all(|step| matches!(step.state, StepState::Done { .. })));
        assert!(card.is_settled());
    }

    #[test]
    fn a_failed_card_marks_the_step_that_failed() {
        let card = card(
            CardStatus::CardFailedRefund,
            OpeningCard,
            vec![
                event(1, CardStatus::Init, OpeningCard),
                event(2, CardStatus::CardFailedRefund, OpeningCard),
            ],
        );
        let states: Vec<StepState> = card.steps().into_iter().map(|step| step.state).collect();
        assert_eq!(states[0], StepState::Failed { at_ms: 2000 });
        assert!(states[1..].iter().all(|state| *state == StepState::Waiting));
    }

    #[test]
    fn event_names_are_the_serialised_names() {
        for kind in WidgetEventKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.name());
        }
    }

    #[test]
    fn a_partner_message_carries_what_a_checkout_needs_and_no_card_number() {
        let mut active = card(CardStatus::Active, Activated, vec![]);
        active.masked_number = Some("472593******1234".into());
        active.expiry = Some("03/29".into());
        let message = WidgetMessage::about(&active, WidgetEventKind::Activated);
        assert_eq!(message.last4.as_deref(), Some("1234"));
        assert_eq!((message.exp_month, message.exp_year), (Some(3), Some(2029)));
        assert_eq!(
            (message.amount, message.currency.as_str()),
            (Cents(2500), "USD")
        );
        assert_eq!(message.brand, "VISA");
        let json = serde_json::to_string(&message).unwrap();
        assert!(!json.contains("472593"), "{json}");

        let mut failed = card(CardStatus::CardFailedRefund, OpeningCard, vec![]);
        failed.failure_reason = Some("Declined by the processor".into());
        let message = WidgetMessage::about(&failed, WidgetEventKind::Failed);
        assert_eq!(
            message.fail_reason.as_deref(),
            Some("Declined by the processor")
        );
        assert_eq!((message.last4, message.exp_month), (None, None));
    }

    #[test]
    fn partner_events_follow_status_changes_only() {
        let opening = card(CardStatus::Init, OpeningCard, vec![]);
        let kinds = |messages: Vec<WidgetMessage>| -> Vec<WidgetEventKind> {
            messages.into_iter().map(|message| message.event).collect()
        };
        assert_eq!(
            kinds(events_between(None, &opening)),
            [WidgetEventKind::Created]
        );
        let holder = card(CardStatus::Init, CreatingCardholder, vec![]);
        assert!(events_between(Some(&opening), &holder).is_empty());
        let active = card(CardStatus::Active, Activated, vec![]);
        assert_eq!(
            kinds(events_between(Some(&holder), &active)),
            [WidgetEventKind::StatusChanged, WidgetEventKind::Activated]
        );
        let failed = card(CardStatus::CardFailedRefund, OpeningCard, vec![]);
        let messages = events_between(Some(&opening), &failed);
        assert_eq!(
            kinds(messages.clone()),
            [WidgetEventKind::StatusChanged, WidgetEventKind::Failed]
        );
        assert_eq!(messages[1].status, "CARD FAILED REFUND");
        // A widget that resumes a card already active reports it once, from the start.
        assert_eq!(
            kinds(events_between(None, &active)),
            [
                WidgetEventKind::Created,
                WidgetEventKind::StatusChanged,
                WidgetEventKind::Activated
            ]
        );
    }
}
