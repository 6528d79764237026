use super::money::Cents;

/// Smallest single recharge (initial deposit or top-up): 5 USD.
pub const MIN_RECHARGE: Cents = Cents(500);
/// Largest single recharge: 5000 USD.
pub const MAX_RECHARGE: Cents = Cents(500_000);
/// A recharge strictly above 1000 USD needs a KYC-approved user.
pub const KYC_THRESHOLD: Cents = Cents(100_000);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RechargeError {
    #[error("deposit must be a whole number of cents, e.g. \"1000\" for $10.00")]
    NotWholeCents,
    #[error("a single recharge must be between {MIN_RECHARGE} and {MAX_RECHARGE} (500 to 500000 cents), got {0}")]
    OutOfRange(Cents),
}

/// A validated single recharge amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Recharge(Cents);

impl Recharge {
    pub fn new(amount: Cents) -> Result<Self, RechargeError> {
        if (MIN_RECHARGE..=MAX_RECHARGE).contains(&amount) {
            Ok(Recharge(amount))
        } else {
            Err(RechargeError::OutOfRange(amount))
        }
    }

    /// Dialect A sends cents as a string of digits (`"deposit": "1000"`). Signs, spaces, decimals
    /// and exponents are refused rather than interpreted.
    pub fn parse_cents(text: &str) -> Result<Self, RechargeError> {
        if text.is_empty() || text.len() > 18 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RechargeError::NotWholeCents);
        }
        let cents = text.parse().map_err(|_| RechargeError::NotWholeCents)?;
        Self::new(Cents(cents))
    }

    pub fn amount(self) -> Cents {
        self.0
    }

    pub fn requires_kyc(self) -> bool {
        self.0 > KYC_THRESHOLD
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_inclusive() {
        assert_eq!(
            Recharge::new(Cents(499)),
            Err(RechargeError::OutOfRange(Cents(499)))
        );
        assert!(Recharge::new(Cents(500)).is_ok());
        assert!(Recharge::new(Cents(500_000)).is_ok());
        assert_eq!(
            Recharge::new(Cents(500_001)),
            Err(RechargeError::OutOfRange(Cents(500_001)))
        );
    }

    #[test]
    fn kyc_is_required_strictly_above_1000_usd() {
        assert!(!Recharge::new(Cents(100_000)).unwrap().requires_kyc());
        assert!(Recharge::new(Cents(100_001)).unwrap().requires_kyc());
    }

    #[test]
    fn parses_the_seed_string_form() {
        assert_eq!(Recharge::parse_cents("1000").unwrap().amount(), Cents(1000));
        for bad in ["", "-1000", "+1000", "10.00", "1e3", " 1000", "１０００"] {
            assert_eq!(
                Recharge::parse_cents(bad),
                Err(RechargeError::NotWholeCents),
                "{bad:?}"
            );
        }
        assert_eq!(
            Recharge::parse_cents("499"),
            Err(RechargeError::OutOfRange(Cents(499)))
        );
    }
}
