//! The seed's card model. PAN and CVC never appear here: before activation every card detail is
//! "-" as in the seed, afterwards the number is masked; the reveal call is the only way to them.

use app::domain::{
    calendar, card_number,
    issuing::{CardRange, CardView},
    CardStatus,
};
use serde_json::{json, Value};

use crate::issuing::catalog::{bin_profile, BinProfile};

/// The seed's card model. The cardholder's address is the one given on create, or else the card
/// range's billing address (the one dialect B shows as `bin.address`).
pub fn card(view: &CardView) -> Value {
    let details = view.status.has_card_details();
    let dash = || Value::String("-".to_owned());
    let (card_bin, last4) = match (details, &view.card_bin, &view.last4) {
        (true, Some(bin), Some(last4)) => (Some(bin.as_str()), Some(last4.as_str())),
        _ => (None, None),
    };
    let activated_at = view
        .events
        .iter()
        .find(|event| event.status == CardStatus::Active)
        .map(|event| event.at_ms);
    let holder = match &view.holder_address {
        Some(address) => json!({
            "firstName": view.first_name,
            "lastName": view.last_name,
            "street": address.street,
            "city": address.city,
            "state": address.state,
            "country": address.country,
            "zipCode": address.zip_code,
        }),
        None => {
            let billing = bin_profile(&view.range_id);
            let address = |field: fn(&BinProfile) -> String| billing.map(field).unwrap_or_default();
            json!({
                "firstName": view.first_name,
                "lastName": view.last_name,
                "street": address(BinProfile::street),
                "city": address(|profile| profile.city.to_owned()),
                "state": address(|profile| profile.state.to_owned()),
                "country": address(|profile| profile.country_iso.to_owned()),
                "zipCode": address(|profile| profile.postal_code.to_owned()),
            })
        }
    };
    json!({
        "cardHolder": holder,
        "card": {
            "userId": view.user_id,
            "customerId": view.customer_external_id,
            "cardHolderId": view.holder_id,
            "holderName": format!("{} {}", view.first_name, view.last_name),
            "cardId": view.card_id,
            "cardSeqNo": view.seq_no,
            "deposit": view.deposit.0,
            "consume": view.consume.0,
            "balance": view.balance.0,
            "cvc": "-",
            "number": match (card_bin, last4) {
                (Some(bin), Some(last4)) => Value::String(card_number::mask(bin, last4, view.pan_length as usize)),
                _ => dash(),
            },
            "cardBin": card_bin.map_or_else(dash, |bin| Value::String(bin.to_owned())),
            "last4": last4.map_or_else(dash, |last4| Value::String(last4.to_owned())),
            "brand": view.brand,
            "status": view.status.code(),
            "statusText": view.status.text(),
            "expYear": if details { view.exp_year.unwrap_or(0) } else { 0 },
            "expMonth": if details { view.exp_month.unwrap_or(0) } else { 0 },
            "gmtCreate": activated_at.map(calendar::format_datetime),
            // Beyond the seed: what a merchant needs to follow and reconcile the card.
            "orderNo": view.order_no,
            "vid": view.range_id,
            "feeType": view.fee_type.as_str(),
            "fees": view.fees.0,
            "refunded": view.returned.0,
            "stage": view.stage.label(),
            "failReason": view.failure_reason,
        },
        "tags": view.tags,
    })
}

pub fn card_range(range: &CardRange) -> Value {
    json!({
        "vid": range.id,
        "cardBin": range.bin,
        "brand": range.brand,
        "currency": range.currency,
        "validMonths": range.valid_months,
        "monthlyFee": {
            "ONE": range.monthly_fee_one.0,
            "TWO": range.monthly_fee_two.0,
            "THREE": range.monthly_fee_three.0,
        },
    })
}
