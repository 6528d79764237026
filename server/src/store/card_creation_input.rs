//! A card to create, and what its creation makes up: the input both creation paths share (the
//! card-by-card one in `card_creation`, PostgreSQL's batch statement in `card_creation_postgres`).

use app::domain::ids::{CardId, CustomerId, MerchantId};
use app::domain::{
    issuing::{CardEvent, NewCard},
    ledger::{Account, EntryKind, JournalEntry},
    provisioning::ProvisioningStage,
    CardStatus,
};

use super::{webhook_outbox::status_callback_payload, StoreError};
use crate::secrets::random;

/// One card to create, owned so that it can wait in a batch.
#[derive(Debug, Clone)]
pub struct CardCreation {
    pub merchant_id: MerchantId,
    pub request: NewCard,
    /// Identifies the request's content: a repeated orderNo with another hash is a conflict.
    pub request_hash: String,
    pub customer_id: Option<CustomerId>,
}

impl CardCreation {
    /// The user the card belongs to: the customer of its email, or else the user of its own
    /// that creation made up for it.
    pub fn user_id(&self, card: &CreatedCard) -> String {
        match &self.customer_id {
            Some(customer) => customer.to_string(),
            None => card.own_user_id.clone(),
        }
    }

    /// The holder's own address as stored (JSON), `None` for the range's billing address.
    pub(super) fn holder_address_json(&self) -> Option<String> {
        let address = self.request.holder_address.as_ref()?;
        Some(serde_json::to_string(address).expect("an address serializes"))
    }

    pub(super) fn tags_json(&self) -> String {
        serde_json::to_string(&self.request.tags).expect("labels serialize")
    }
}

/// What creation wrote that the request did not say, so the caller can answer without reading back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedCard {
    pub id: CardId,
    pub holder_id: String,
    pub seq_no: String,
    pub created_at_ms: i64,
    /// The user id a card made without an email belongs to (see [`CardCreation::user_id`]).
    pub own_user_id: String,
}

pub(super) fn new_identity(created_at_ms: i64) -> CreatedCard {
    CreatedCard {
        id: CardId::new(random::id("c_")),
        holder_id: random::id("ch_"),
        seq_no: random::id("C").to_uppercase(),
        created_at_ms,
        own_user_id: random::id("u_"),
    }
}

pub(super) fn deposit_entry(
    creation: &CardCreation,
    card_id: &CardId,
) -> Result<JournalEntry, StoreError> {
    JournalEntry::transfer(
        EntryKind::CardDeposit,
        Account::MerchantWallet(creation.merchant_id.clone()),
        Account::Card(card_id.to_owned()),
        creation.request.deposit.amount(),
    )
    .map_err(|error| StoreError::Invalid(error.to_string()))
}

/// The body of the INIT callback, when the card has a callback URL.
pub(super) fn first_callback_payload(
    creation: &CardCreation,
    card: &CreatedCard,
) -> Option<String> {
    let request = &creation.request;
    let callback_url = request.callback_url.as_deref().unwrap_or("");
    // The card's first event, number 1.
    let event = CardEvent {
        seq: 1,
        status: CardStatus::Init,
        stage: ProvisioningStage::OpeningCard,
        at_ms: card.created_at_ms,
    };
    (!callback_url.is_empty())
        .then(|| status_callback_payload(&card.id, request.order_no.as_str(), None, &event))
}
