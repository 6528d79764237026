//! What every front door hands to the issuing core, what it gets back, and how it can fail.

use serde::{Deserialize, Serialize};

use super::ids::{CardId, CustomerId};

use super::{
    cardholder_name::CardholderName, email::Email, fee_type::FeeType,
    holder_address::HolderAddress, money::Cents, order_no::OrderNo,
    provisioning::ProvisioningStage, recharge::Recharge, CardStatus,
};

/// A validated request for a new card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCard {
    pub range_id: String,
    pub first_name: CardholderName,
    pub last_name: CardholderName,
    pub deposit: Recharge,
    pub order_no: OrderNo,
    pub callback_url: Option<String>,
    pub fee_type: FeeType,
    /// The merchant's customer the card is for; needed for deposits that require KYC.
    pub customer_email: Option<Email>,
    pub customer_external_id: Option<String>,
    /// The holder's own address; the card range's billing address when absent.
    pub holder_address: Option<HolderAddress>,
    /// Labels, checked by [`super::card_tags::parse`].
    pub tags: Vec<String>,
}

impl NewCard {
    /// Every field that defines the request, in a fixed order: equal requests give equal text,
    /// so "same orderNo, same body" can be told from "same orderNo, different body".
    pub fn canonical_form(&self) -> String {
        let deposit = self.deposit.amount().0.to_string();
        let mut fields = vec![
            self.range_id.as_str(),
            self.first_name.as_str(),
            self.last_name.as_str(),
            &deposit,
            self.order_no.as_str(),
            self.callback_url.as_deref().unwrap_or(""),
            self.fee_type.as_str(),
            self.customer_email.as_ref().map_or("", Email::as_str),
            self.customer_external_id.as_deref().unwrap_or(""),
        ];
        // Added later: only when given, so that the form (and the stored hash) of every request
        // made before they existed stays the same.
        if let Some(address) = &self.holder_address {
            fields.push("address");
            fields.extend([
                address.street.as_str(),
                &address.city,
                &address.state,
                &address.country,
                &address.zip_code,
            ]);
        }
        if !self.tags.is_empty() {
            fields.push("tags");
            fields.extend(self.tags.iter().map(String::as_str));
        }
        // Length-prefixed, so no choice of field contents can make two requests collide.
        fields
            .iter()
            .map(|field| format!("{}:{field};", field.len()))
            .collect()
    }
}

/// A card as the core reports it; each dialect renders its own shape from this.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardView {
    pub card_id: CardId,
    pub order_no: String,
    pub holder_id: String,
    pub seq_no: String,
    pub first_name: String,
    pub last_name: String,
    pub range_id: String,
    pub fee_type: FeeType,
    /// The user the card belongs to (seed 000's `userId`, dialect B's `user.id`): the customer
    /// of the email it was made for, or a user of its own when it was made without one.
    pub user_id: String,
    /// The customer row of that email, if any (KYC lives there).
    pub customer_id: Option<CustomerId>,
    /// The merchant's own id for the customer (seed 000's `customerId`).
    pub customer_external_id: Option<String>,
    pub customer_email: Option<String>,
    /// The holder's own address, when one was given; otherwise the range's billing address applies.
    pub holder_address: Option<HolderAddress>,
    pub tags: Vec<String>,
    pub status: CardStatus,
    pub stage: ProvisioningStage,
    pub failure_reason: Option<String>,
    pub deposit: Cents,
    pub consume: Cents,
    pub fees: Cents,
    pub returned: Cents,
    /// Of `deposit`: what later top-ups added (the rest is the opening deposit).
    pub recharged: Cents,
    /// Of `returned`: what was withdrawn from the live card.
    pub withdrawn: Cents,
    pub balance: Cents,
    pub card_bin: Option<String>,
    pub last4: Option<String>,
    pub pan_length: i64,
    pub brand: String,
    pub exp_month: Option<i64>,
    pub exp_year: Option<i64>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub events: Vec<CardEvent>,
}

/// One step of a card's history: the tracker's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardEvent {
    pub seq: i64,
    pub status: CardStatus,
    pub stage: ProvisioningStage,
    pub at_ms: i64,
}

/// A card's secrets, decrypted for an explicit reveal only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevealedCard {
    pub number: String,
    pub cvc: String,
}

impl std::fmt::Debug for RevealedCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RevealedCard(..)") // never printed, even by accident
    }
}

/// A card range (`vid`) a merchant may issue from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardRange {
    pub id: String,
    pub bin: String,
    pub brand: String,
    pub currency: String,
    pub pan_length: i64,
    pub valid_months: i64,
    pub monthly_fee_one: Cents,
    pub monthly_fee_two: Cents,
    pub monthly_fee_three: Cents,
}

impl CardRange {
    pub fn monthly_fee(&self, fee_type: FeeType) -> Cents {
        match fee_type {
            FeeType::One => self.monthly_fee_one,
            FeeType::Two => self.monthly_fee_two,
            FeeType::Three => self.monthly_fee_three,
        }
    }
}

/// Why the core refused or failed a request. Dialects map these to their own codes and shapes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum IssueError {
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("card range {0} does not exist or is not available to this merchant")]
    UnknownRange(String),
    #[error("insufficient funds in the wallet: it holds {available}, this needs {needed}")]
    InsufficientFunds { available: Cents, needed: Cents },
    /// Money taken off a card (a withdrawal) beyond what it has free of pending authorizations.
    #[error(
        "insufficient funds on the card: {available} is free of pending authorizations, the \
         withdrawal needs {needed}"
    )]
    CardFundsShort { available: Cents, needed: Cents },
    #[error(
        "a recharge above $1,000.00 requires a KYC-approved customer: complete KYC for {email} with the \
         ACH KYC interface (POST /api/vcc/v1/kyc/ach) or sync it with the shared KYC interface \
         (POST /api/vcc/v1/kyc/shared)"
    )]
    KycRequired { email: String },
    #[error("orderNo {0} was already used for a different request")]
    OrderNoConflict(String),
    #[error("card not found")]
    CardNotFound,
    #[error("no customer with email {0}")]
    CustomerNotFound(String),
    #[error("{0}")]
    IllegalTransition(String),
    /// The database did not answer (down, restarting, or too slow to lend a connection). Mostly
    /// before anything was done; a connection lost mid-request leaves it to the idempotency keys
    /// to make the retry safe.
    #[error(
        "the service cannot reach its database right now; try again in a few seconds (a repeated \
         creation with the same orderNo or Idempotency-Key is safe)"
    )]
    Unavailable,
    #[error("internal error, reference {0}")]
    Internal(String),
}

/// How long a client should wait before retrying an [`IssueError::Unavailable`] request, in
/// seconds (`Retry-After`). About two of the store's availability probes.
pub const UNAVAILABLE_RETRY_AFTER_SECS: u32 = 1;

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> NewCard {
        NewCard {
            range_id: "vab_069af8a792ad".into(),
            first_name: CardholderName::parse("Milton").unwrap(),
            last_name: CardholderName::parse("Schmitt").unwrap(),
            deposit: Recharge::parse_cents("1000").unwrap(),
            order_no: OrderNo::parse("v_5bc814").unwrap(),
            callback_url: Some("https://www.baidu.com".into()),
            fee_type: FeeType::One,
            customer_email: None,
            customer_external_id: None,
            holder_address: None,
            tags: Vec::new(),
        }
    }

    #[test]
    fn canonical_form_tells_requests_apart() {
        let a = request();
        assert_eq!(a.canonical_form(), request().canonical_form());
        let mut b = request();
        b.deposit = Recharge::parse_cents("1001").unwrap();
        assert_ne!(a.canonical_form(), b.canonical_form());
        let mut c = request();
        c.callback_url = None;
        assert_ne!(a.canonical_form(), c.canonical_form());
    }
}
