//! Amounts written as currency units in JSON numbers (dialect B: `25` is 25.00 USD), converted to
//! and from integer cents exactly. The conversion reads the number's TEXT, never a float, so
//! `0.1`, `2.675` or `1e-2` mean exactly what they say: at most two decimals are accepted, and
//! anything finer is an error rather than a rounding.

use crate::domain::Cents;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UnitAmountError {
    #[error("Input should be a valid number")]
    NotANumber,
    #[error("Decimal input should have no more than 2 decimal places")]
    TooManyDecimals,
    #[error("Input should be greater than or equal to 0")]
    Negative,
    #[error("Input should be a finite number")]
    TooLarge,
}

/// Largest amount a JSON number may carry here: 10^13 units, far above any card, far below i64.
const MAX_CENTS: i128 = 1_000_000_000_000_000;

/// Parses the text of a JSON number (`25`, `25.5`, `-0`, `2.5e1`, `1E-2`) into cents.
pub fn cents_from_json_number(text: &str) -> Result<Cents, UnitAmountError> {
    let text = text.trim();
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => {
            let exponent: i32 = unsigned[at + 1..]
                .trim_start_matches('+')
                .parse()
                .map_err(|_| UnitAmountError::NotANumber)?;
            (&unsigned[..at], exponent)
        }
        None => (unsigned, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits_only = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits_only(whole) || !digits_only(fraction) {
        return Err(UnitAmountError::NotANumber);
    }
    let all_zero = !mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b));
    if all_zero {
        return Ok(Cents::ZERO);
    }
    if negative {
        // Below zero whatever its size: "-1e30" breaks the lower bound, it is not "too large".
        return Err(UnitAmountError::Negative);
    }
    if exponent.unsigned_abs() > 40 {
        // Astronomically large, or with far too many decimals: no need to expand the digits.
        return Err(if exponent > 0 {
            UnitAmountError::TooLarge
        } else {
            UnitAmountError::TooManyDecimals
        });
    }
    // All digits, and where the decimal point falls among them once the exponent is applied.
    let digits: String = format!("{whole}{fraction}");
    let point = i32::try_from(whole.len()).map_err(|_| UnitAmountError::TooLarge)? + exponent;
    // Decimals beyond the second must all be zero.
    let decimals_from = usize::try_from(point + 2).unwrap_or(0);
    if digits.len() > decimals_from && digits[decimals_from..].bytes().any(|b| b != b'0') {
        return Err(UnitAmountError::TooManyDecimals);
    }
    let mut cents: i128 = 0;
    for (index, digit) in digits.bytes().enumerate() {
        let position = i32::try_from(index).map_err(|_| UnitAmountError::TooLarge)?;
        // Digit at `position` has weight 10^(point - 1 - position) units = 10^(point + 1 - position) cents.
        let power = point + 1 - position;
        if power < 0 || digit == b'0' {
            continue;
        }
        let weight = 10_i128
            .checked_pow(power.unsigned_abs())
            .ok_or(UnitAmountError::TooLarge)?;
        cents = weight
            .checked_mul(i128::from(digit - b'0'))
            .and_then(|value| cents.checked_add(value))
            .filter(|value| *value <= MAX_CENTS)
            .ok_or(UnitAmountError::TooLarge)?;
    }
    i64::try_from(cents)
        .map(Cents)
        .map_err(|_| UnitAmountError::TooLarge)
}

/// A whole number from JSON number text, as pydantic's lax mode and JSON Schema's `integer` take
/// it: `5` and also `5.0` or `5e2` (no fractional part); `None` for `5.5` or anything else.
pub fn whole_number_from_json(text: &str) -> Option<i64> {
    if let Ok(number) = text.parse::<i64>() {
        return Some(number);
    }
    let number: f64 = text.parse().ok()?;
    // Beyond 2^53 a float no longer holds every whole number exactly.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    (number.is_finite() && number.fract() == 0.0 && number.abs() <= EXACT).then_some(number as i64)
}

/// The JSON number text of an amount in units: `25`, `25.5`, `0.05`, `-3.1`.
pub fn json_number_from_cents(amount: Cents) -> String {
    let sign = if amount.0 < 0 { "-" } else { "" };
    let cents = amount.0.unsigned_abs();
    let (units, rest) = (cents / 100, cents % 100);
    match rest {
        0 => format!("{sign}{units}"),
        rest if rest % 10 == 0 => format!("{sign}{units}.{}", rest / 10),
        rest => format!("{sign}{units}.{rest:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_may_be_written_as_floats_without_a_fraction() {
        assert_eq!(whole_number_from_json("500"), Some(500));
        assert_eq!(whole_number_from_json("500.0"), Some(500));
        assert_eq!(whole_number_from_json("5e2"), Some(500));
        assert_eq!(whole_number_from_json("-3.0"), Some(-3));
        assert_eq!(whole_number_from_json("500.5"), None);
        assert_eq!(whole_number_from_json("1e300"), None);
        assert_eq!(whole_number_from_json("\"500\""), None);
    }

    #[test]
    fn exact_amounts_convert_both_ways() {
        for (text, cents) in [
            ("25", 2500),
            ("25.5", 2550),
            ("25.50", 2550),
            ("0.01", 1),
            ("0.1", 10),
            ("0", 0),
            ("-0", 0),
            ("2.5e1", 2500),
            ("1E-2", 1),
            ("1e+3", 100_000),
            ("12.300", 1230),
            ("5000", 500_000),
        ] {
            assert_eq!(cents_from_json_number(text), Ok(Cents(cents)), "{text}");
        }
        for (cents, text) in [
            (2500, "25"),
            (2550, "25.5"),
            (5, "0.05"),
            (1, "0.01"),
            (0, "0"),
            (-310, "-3.1"),
        ] {
            assert_eq!(json_number_from_cents(Cents(cents)), text);
            assert_eq!(
                cents_from_json_number(text).map(|c| c.0),
                if cents < 0 {
                    Err(UnitAmountError::Negative)
                } else {
                    Ok(cents)
                }
            );
        }
    }

    #[test]
    fn finer_than_a_cent_is_refused_never_rounded() {
        for text in ["2.675", "0.001", "1e-3", "25.001", "0.1255e1"] {
            assert_eq!(
                cents_from_json_number(text),
                Err(UnitAmountError::TooManyDecimals),
                "{text}"
            );
        }
    }

    #[test]
    fn negatives_garbage_and_huge_values_are_refused() {
        assert_eq!(cents_from_json_number("-1"), Err(UnitAmountError::Negative));
        assert_eq!(
            cents_from_json_number("-0.01"),
            Err(UnitAmountError::Negative)
        );
        for text in ["", "NaN", "Infinity", "1.2.3", "abc", "1e", ".5", "--1"] {
            assert_eq!(
                cents_from_json_number(text),
                Err(UnitAmountError::NotANumber),
                "{text}"
            );
        }
        for text in ["1e30", "99999999999999999999", "1e14"] {
            assert_eq!(
                cents_from_json_number(text),
                Err(UnitAmountError::TooLarge),
                "{text}"
            );
        }
        assert_eq!(cents_from_json_number("0e999"), Ok(Cents::ZERO));
    }
}
