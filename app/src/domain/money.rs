use std::fmt;

use serde::{Deserialize, Serialize};

/// An amount of US dollars in integer cents (1000 = $10.00): the one unit of every amount in Cardkit.
/// Floats never hold money; arithmetic is checked, never wrapping.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Cents(pub i64);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DollarsParseError {
    #[error("enter an amount such as 25 or 25.50")]
    NotANumber,
    #[error("amounts have at most 2 decimal places")]
    TooManyDecimals,
    #[error("the amount must not be negative")]
    Negative,
    #[error("the amount is too large")]
    TooLarge,
}

impl Cents {
    pub const ZERO: Cents = Cents(0);

    pub fn checked_add(self, other: Cents) -> Option<Cents> {
        self.0.checked_add(other.0).map(Cents)
    }

    pub fn checked_sub(self, other: Cents) -> Option<Cents> {
        self.0.checked_sub(other.0).map(Cents)
    }

    /// For figures that are only reported (a statement's "opening balance"), never posted:
    /// clamped at the `i64` bounds instead of failing the answer. Money that moves uses
    /// [`Cents::checked_sub`].
    pub fn saturating_sub(self, other: Cents) -> Cents {
        Cents(self.0.saturating_sub(other.0))
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// Parses a dollar amount as people type it ("25", "25.5", "25.50", "$1,000.00") exactly,
    /// without passing through a float. More than two decimals is an error, never rounded.
    pub fn parse_dollars(input: &str) -> Result<Cents, DollarsParseError> {
        let text: String = input
            .trim()
            .trim_start_matches('$')
            .chars()
            .filter(|c| *c != ',')
            .collect();
        if text.starts_with('-') {
            return Err(DollarsParseError::Negative);
        }
        let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
        let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && fraction.is_empty() || !all_digits(whole) || !all_digits(fraction) {
            return Err(DollarsParseError::NotANumber);
        }
        if fraction.len() > 2 {
            return Err(DollarsParseError::TooManyDecimals);
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| DollarsParseError::TooLarge)?
        };
        let fraction: i64 = format!("{fraction:0<2}")
            .parse()
            .map_err(|_| DollarsParseError::NotANumber)?;
        whole
            .checked_mul(100)
            .and_then(|cents| cents.checked_add(fraction))
            .map(Cents)
            .ok_or(DollarsParseError::TooLarge)
    }
}

/// `$1,234.56`, `-$0.05`.
impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let dollars = (abs / 100).to_string();
        let mut grouped = String::with_capacity(dollars.len() + dollars.len() / 3);
        for (i, digit) in dollars.chars().enumerate() {
            if i > 0 && (dollars.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        write!(f, "{sign}${grouped}.{:02}", abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_as_dollars() {
        assert_eq!(Cents(1000).to_string(), "$10.00");
        assert_eq!(Cents(5).to_string(), "$0.05");
        assert_eq!(Cents(123_456_789).to_string(), "$1,234,567.89");
        assert_eq!(Cents(-5).to_string(), "-$0.05");
    }

    #[test]
    fn parses_dollars_exactly() {
        assert_eq!(Cents::parse_dollars("25"), Ok(Cents(2500)));
        assert_eq!(Cents::parse_dollars("25.5"), Ok(Cents(2550)));
        assert_eq!(Cents::parse_dollars(" $1,000.01 "), Ok(Cents(100_001)));
        assert_eq!(Cents::parse_dollars(".07"), Ok(Cents(7)));
        assert_eq!(Cents::parse_dollars("0.1"), Ok(Cents(10)));
    }

    #[test]
    fn refuses_what_it_would_have_to_guess() {
        assert_eq!(
            Cents::parse_dollars("10.001"),
            Err(DollarsParseError::TooManyDecimals)
        );
        assert_eq!(Cents::parse_dollars("-5"), Err(DollarsParseError::Negative));
        assert_eq!(Cents::parse_dollars(""), Err(DollarsParseError::NotANumber));
        assert_eq!(
            Cents::parse_dollars("."),
            Err(DollarsParseError::NotANumber)
        );
        assert_eq!(
            Cents::parse_dollars("1e3"),
            Err(DollarsParseError::NotANumber)
        );
        assert_eq!(
            Cents::parse_dollars("NaN"),
            Err(DollarsParseError::NotANumber)
        );
        assert_eq!(
            Cents::parse_dollars("99999999999999999999"),
            Err(DollarsParseError::TooLarge)
        );
    }

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(Cents(i64::MAX).checked_add(Cents(1)), None);
        assert_eq!(Cents(5).checked_sub(Cents(7)), Some(Cents(-2)));
    }
}
