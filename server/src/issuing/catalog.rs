//! The card ranges this installation issues from, and what dialect B shows of each BIN. Upserted at
//! every start, so editing this list and restarting is how an operator changes them; every merchant
//! is granted all of them.

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

/// What dialect B's `bin` object says about a range, and the BIN's merchant allow-list that every
/// authorization enforces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BinProfile {
    pub range_id: &'static str,
    /// One of airwallex, sunrate, wex, connex, matchmove.
    pub vendor: &'static str,
    pub code: &'static str,
    pub vendor_code: &'static str,
    /// CARDS_VIRTUAL and/or SHARED_BALANCE_VIRTUAL_CARDS.
    pub purpose: &'static [&'static str],
    pub issue: bool,
    pub topup: bool,
    pub withdrawal: bool,
    /// GooglePay, ApplePay, SamsungPay.
    pub payment_services: &'static [&'static str],
    /// Merchants allowed to take payments with this BIN; empty: all.
    pub merchants: &'static [&'static str],
    pub tokenizable: bool,
    pub country_name: &'static str,
    pub country_iso: &'static str,
    pub city: &'static str,
    /// State or province, where the country has them; empty otherwise.
    pub state: &'static str,
    pub line_1: &'static str,
    pub line_2: &'static str,
    pub postal_code: &'static str,
    pub currency_iso: &'static str,
    pub currency_digital_code: &'static str,
}

pub const BIN_PROFILES: [BinProfile; 2] = [
    BinProfile {
        range_id: "vab_069af8a792ad",
        vendor: "airwallex",
        code: "472593",
        vendor_code: "AWX-VISA-472593",
        purpose: &["CARDS_VIRTUAL"],
        issue: true,
        topup: true,
        withdrawal: true,
        payment_services: &["GooglePay", "ApplePay"],
        merchants: &[],
        tokenizable: true,
        country_name: "Singapore",
        country_iso: "SG",
        city: "Singapore",
        state: "",
        line_1: "80 Robinson Road",
        line_2: "#02-00",
        postal_code: "068898",
        currency_iso: "USD",
        currency_digital_code: "840",
    },
    BinProfile {
        range_id: "vmc_5a1c2e7b90d4",
        vendor: "connex",
        code: "531993",
        vendor_code: "CNX-MC-531993",
        purpose: &["CARDS_VIRTUAL", "SHARED_BALANCE_VIRTUAL_CARDS"],
        issue: true,
        topup: true,
        withdrawal: false,
        payment_services: &[],
        // An advertising-only BIN: it pays these platforms and nothing else.
        merchants: &["Facebook", "Google", "TikTok"],
        tokenizable: false,
        country_name: "United States",
        country_iso: "US",
        city: "Wilmington",
        state: "DE",
        line_1: "1209 Orange Street",
        line_2: "",
        postal_code: "19801",
        currency_iso: "USD",
        currency_digital_code: "840",
    },
];

pub fn bin_profile(range_id: &str) -> Option<&'static BinProfile> {
    BIN_PROFILES
        .iter()
        .find(|profile| profile.range_id == range_id)
}

impl BinProfile {
    /// The street line of the billing address: both lines, as one.
    pub fn street(&self) -> String {
        match self.line_2 {
            "" => self.line_1.to_owned(),
            line_2 => format!("{} {line_2}", self.line_1),
        }
    }
}

pub fn bin_profile_by_code(code: &str) -> Option<&'static BinProfile> {
    BIN_PROFILES.iter().find(|profile| profile.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_range_has_a_bin_profile_with_its_bin() {
        for range in card_ranges() {
            let profile = bin_profile(&range.id).expect("profile");
            assert_eq!(profile.code, range.bin);
            assert_eq!(profile.currency_iso, range.currency);
        }
    }
}
