//! The card ranges this installation issues from. Upserted at every start, so editing this list and
//! restarting is how an operator changes them; every merchant is granted all of them.

use app::domain::{issuing::CardRange, Cents};

pub fn card_ranges() -> Vec<CardRange> {
    vec![
        CardRange {
            // The range id of the dialect A seed's request example.
            id: "vab_069af8a792ad".to_owned(),
            bin: "472593".to_owned(),
            brand: "VISA".to_owned(),
            currency: "USD".to_owned(),
            pan_length: 16,
            valid_months: 36,
            monthly_fee_one: Cents(100),
            monthly_fee_two: Cents(200),
            monthly_fee_three: Cents(300),
        },
        CardRange {
            id: "vmc_5a1c2e7b90d4".to_owned(),
            bin: "531993".to_owned(),
            brand: "MASTERCARD".to_owned(),
            currency: "USD".to_owned(),
            pan_length: 16,
            valid_months: 24,
            monthly_fee_one: Cents(150),
            monthly_fee_two: Cents(250),
            monthly_fee_three: Cents(350),
        },
    ]
}
