//! The view of a card the moment it is created, and the hash that recognises a repeated request.

use app::domain::{
    issuing::{CardEvent, CardRange, CardView, NewCard},
    provisioning::ProvisioningStage,
    CardStatus, Cents,
};
use sha2::{Digest, Sha256};

use crate::store::{CreatedCard, Customer};

/// The view of a card just created, from what was written: the same as reading it back (the
/// dialect tests compare both), without the four reads.
pub(super) fn new_card_view(
    request: &NewCard,
    range: &CardRange,
    customer: Option<Customer>,
    user_id: String,
    created: CreatedCard,
) -> CardView {
    let stage = ProvisioningStage::OpeningCard;
    let deposit = request.deposit.amount();
    CardView {
        card_id: created.id,
        order_no: request.order_no.as_str().to_owned(),
        holder_id: created.holder_id,
        seq_no: created.seq_no,
        first_name: request.first_name.as_str().to_owned(),
        last_name: request.last_name.as_str().to_owned(),
        range_id: range.id.clone(),
        fee_type: request.fee_type,
        user_id,
        customer_external_id: customer
            .as_ref()
            .and_then(|customer| customer.external_id.clone())
            .or_else(|| request.customer_external_id.clone()),
        customer_email: customer.as_ref().map(|customer| customer.email.clone()),
        customer_id: customer.map(|customer| customer.id),
        holder_address: request.holder_address.clone(),
        tags: request.tags.clone(),
        status: CardStatus::Init,
        stage,
        failure_reason: None,
        deposit,
        consume: Cents::ZERO,
        fees: Cents::ZERO,
        returned: Cents::ZERO,
        recharged: Cents::ZERO,
        withdrawn: Cents::ZERO,
        balance: deposit,
        card_bin: None,
        last4: None,
        pan_length: range.pan_length,
        brand: range.brand.clone(),
        exp_month: None,
        exp_year: None,
        created_at_ms: created.created_at_ms,
        updated_at_ms: created.created_at_ms,
        events: vec![CardEvent {
            seq: 1,
            status: CardStatus::Init,
            stage,
            at_ms: created.created_at_ms,
        }],
    }
}

pub(super) fn request_hash(request: &NewCard) -> String {
    Sha256::digest(request.canonical_form().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
