//! A card as the console's card page shows it, and what a console user may do to it.

use serde::{Deserialize, Serialize};

use super::{
    card_activity::{AuthorizationView, CardTransactionView},
    console_user::ConsoleUser,
    issuing::CardView,
    spend_controls::SpendControls,
    Cents,
};

/// Everything the card page shows, read for one user (whose role decides the buttons).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleCardDetail {
    pub user: ConsoleUser,
    pub card: CardView,
    /// Held by pending authorizations: on the card, but not free to spend or withdraw.
    pub holds: Cents,
    pub controls: Option<SpendControls>,
    /// The card's ledger entries, oldest first.
    pub statement: Vec<CardTransactionView>,
    pub authorizations: Vec<AuthorizationView>,
    pub callbacks: Vec<CallbackDelivery>,
    /// Whether revealing the card will ask for the password again (the last proof is old).
    pub reveal_needs_password: bool,
    /// … and the code of the person's authenticator, when they have one in use.
    pub reveal_needs_code: bool,
    /// A fresh reference for the page's money forms: a form sent twice carries the same one, and
    /// the core moves the money once.
    pub next_reference: String,
}

impl ConsoleCardDetail {
    /// What the card has free: its balance less what pending authorizations hold.
    pub fn available(&self) -> Cents {
        self.card.balance.saturating_sub(self.holds)
    }
}

/// Where a callback message stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeliveryState {
    Delivered,
    /// Failed so far; another attempt is scheduled.
    Retrying,
    /// Not yet tried.
    Pending,
    /// Every attempt failed; no more will be made.
    Abandoned,
}

impl DeliveryState {
    pub const ALL: [DeliveryState; 4] = [
        DeliveryState::Pending,
        DeliveryState::Retrying,
        DeliveryState::Delivered,
        DeliveryState::Abandoned,
    ];

    /// Stable text form for filters and links.
    pub fn code(self) -> &'static str {
        match self {
            DeliveryState::Delivered => "delivered",
            DeliveryState::Retrying => "retrying",
            DeliveryState::Pending => "pending",
            DeliveryState::Abandoned => "abandoned",
        }
    }

    pub fn parse(code: &str) -> Option<DeliveryState> {
        DeliveryState::ALL
            .into_iter()
            .find(|state| state.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            DeliveryState::Delivered => "Delivered",
            DeliveryState::Retrying => "Retrying",
            DeliveryState::Pending => "Pending",
            DeliveryState::Abandoned => "Abandoned",
        }
    }
}

/// One callback message sent (or to be sent) for a card, with its attempts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackDelivery {
    pub message_id: String,
    /// The card status the message reports.
    pub reported_status: String,
    pub url: String,
    pub state: DeliveryState,
    pub created_at_ms: i64,
    pub attempts: Vec<CallbackAttempt>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackAttempt {
    pub at_ms: i64,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<i64>,
    /// Why no answer came (connection refused, timeout), when none did.
    pub error: Option<String>,
    pub duration_ms: i64,
    /// The first 1 KB of the receiver's answer, as plain text.
    pub response_body: Option<String>,
}

/// What a console user asks to do to a card. Money movements carry the reference the page made
/// when it was drawn, so a form sent twice moves the money once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CardAction {
    TopUp {
        amount: Cents,
        reference: String,
    },
    Withdraw {
        amount: Cents,
        reference: String,
    },
    Freeze,
    Unfreeze,
    Delete,
    /// New spend controls (the card's nick name stays).
    SetControls(SpendControls),
}
