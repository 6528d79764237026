//! What happened on a card, as the API dialects and the console show it: its ledger entries and
//! its purchase authorizations.

use serde::{Deserialize, Serialize};

use super::{
    ids::{AuthorizationId, CardId},
    ledger::EntryKind,
    spend_controls::AuthorizationStatus,
    Cents,
};

/// One line of a card's statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardTransactionView {
    pub id: i64,
    pub kind: EntryKind,
    pub reference: String,
    /// Positive: onto the card; negative: off it.
    pub amount: Cents,
    pub at_ms: i64,
}

/// A purchase the card network asked about, and what became of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationView {
    pub id: AuthorizationId,
    pub card_id: CardId,
    pub amount: Cents,
    pub currency: String,
    pub merchant_name: String,
    pub category: String,
    pub status: AuthorizationStatus,
    pub decline_reason: Option<String>,
    pub created_at_ms: i64,
    pub settled_at_ms: Option<i64>,
}
