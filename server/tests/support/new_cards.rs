//! The create-card request most store tests need: the seed's holder on the VISA range, no
//! callback, no customer.

use app::domain::{
    cardholder_name::CardholderName, fee_type::FeeType, issuing::NewCard, order_no::OrderNo,
    recharge::Recharge, Cents,
};

pub fn new_card(order_no: &str, deposit_cents: i64) -> NewCard {
    NewCard {
        range_id: "vab_069af8a792ad".into(),
        first_name: CardholderName::parse("Milton").unwrap(),
        last_name: CardholderName::parse("Schmitt").unwrap(),
        deposit: Recharge::new(Cents(deposit_cents)).unwrap(),
        order_no: OrderNo::parse(order_no).unwrap(),
        callback_url: None,
        fee_type: FeeType::One,
        customer_email: None,
        customer_external_id: None,
        holder_address: None,
        tags: Vec::new(),
    }
}
