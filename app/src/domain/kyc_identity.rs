//! The identity an ACH KYC submission carries, and the simulated verifier's rule.

use serde::{Deserialize, Serialize};

use super::{calendar, cardholder_name::CardholderName, email::Email};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AchIdentity {
    pub email: Email,
    pub external_id: Option<String>,
    pub first_name: CardholderName,
    pub last_name: CardholderName,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
}

/// A customer verified on another platform, as the merchant attests it: approved at once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedKyc {
    pub email: Email,
    pub external_id: Option<String>,
    pub provider: String,
    pub reference: String,
}

/// Checks a `YYYY-MM-DD` date for shape and calendar sense; returns (year, month, day).
pub fn parse_date(text: &str) -> Option<(i64, u32, u32)> {
    let mut parts = text.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let (year, month, day): (i64, u32, u32) =
        (year.parse().ok()?, month.parse().ok()?, day.parse().ok()?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    ((1..=12).contains(&month) && day >= 1 && day <= days[month as usize - 1])
        .then_some((year, month, day))
}

pub fn is_country_code(text: &str) -> bool {
    text.len() == 2 && text.bytes().all(|b| b.is_ascii_uppercase())
}

/// The longest merchant's own customer id a KYC submission may carry.
pub const MAX_EXTERNAL_ID_CHARS: usize = 64;
/// The longest name of the platform a shared KYC attestation comes from.
pub const MAX_PROVIDER_CHARS: usize = 64;
/// The longest reference of that platform's verification.
pub const MAX_REFERENCE_CHARS: usize = 128;

// The field checks below are the one definition of a KYC submission's rules: dialect A and the
// console's forms both call them, and each says what is wrong in words both can show.

/// Non-empty text of at most `limit` characters (characters, as JSON Schema's `maxLength`
/// counts them, not bytes).
pub fn bounded_text(text: &str, limit: usize) -> Result<String, String> {
    if text.is_empty() || text.chars().count() > limit {
        Err(format!("must be 1 to {limit} characters"))
    } else {
        Ok(text.to_owned())
    }
}

pub fn date_of_birth(text: &str) -> Result<String, String> {
    parse_date(text)
        .map(|_| text.to_owned())
        .ok_or_else(|| "must be a date as YYYY-MM-DD".to_owned())
}

pub fn country(text: &str) -> Result<String, String> {
    is_country_code(text)
        .then(|| text.to_owned())
        .ok_or_else(|| "must be an ISO 3166 alpha-2 code such as US".to_owned())
}

/// The simulated verifier: adults are approved, except the reserved last name `Rejected`.
/// Returns `Err(reason)` for a rejection.
pub fn simulated_decision(
    identity_last_name: &str,
    date_of_birth: &str,
    now_ms: i64,
) -> Result<(), String> {
    if identity_last_name.eq_ignore_ascii_case("rejected") {
        return Err("identity could not be verified".to_owned());
    }
    let Some((year, month, day)) = parse_date(date_of_birth) else {
        return Err("date of birth is not a valid date".to_owned());
    };
    let (this_year, this_month, today) = calendar::civil_from_days(now_ms.div_euclid(86_400_000));
    let had_birthday = (this_month, today) >= (month, day);
    let age = this_year - year - i64::from(!had_birthday);
    if age < 18 {
        return Err("the customer must be at least 18 years old".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOV_25_2026: i64 = 1_795_587_543_000;

    #[test]
    fn dates_are_checked_against_the_calendar() {
        assert_eq!(parse_date("2000-02-29"), Some((2000, 2, 29)));
        assert_eq!(parse_date("1900-02-29"), None);
        assert_eq!(parse_date("1990-13-01"), None);
        assert_eq!(parse_date("1990-1-01"), None);
    }

    #[test]
    fn verifier_approves_adults_and_refuses_minors_and_the_reserved_name() {
        assert_eq!(
            simulated_decision("Schmitt", "2008-11-25", NOV_25_2026),
            Ok(())
        );
        assert!(simulated_decision("Schmitt", "2008-11-26", NOV_25_2026).is_err());
        assert!(simulated_decision("Rejected", "1980-01-01", NOV_25_2026).is_err());
    }

    #[test]
    fn country_codes() {
        assert!(is_country_code("US"));
        assert!(!is_country_code("us") && !is_country_code("USA"));
        assert_eq!(country("DE"), Ok("DE".to_owned()));
        assert!(country("Germany").is_err());
    }

    #[test]
    fn bounded_text_counts_characters_not_bytes() {
        assert_eq!(bounded_text("ÄÖÜ", 3), Ok("ÄÖÜ".to_owned()));
        assert!(bounded_text("ÄÖÜß", 3).is_err());
        assert!(bounded_text("", 3).is_err());
        assert!(date_of_birth("1990-02-30").is_err());
    }
}
