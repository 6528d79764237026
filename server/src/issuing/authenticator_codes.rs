//! Authenticator codes (TOTP, RFC 6238: HMAC-SHA1, 6 digits, 30-second steps, one step of clock
//! drift either way), through `totp-rs`. What is Cardkit's here: the secret's size, the
//! `otpauth://` link an authenticator app reads, and that a check answers the step it matched,
//! so the caller can accept each step's code only once.

use totp_rs::{Builder, Secret, Totp};

/// 160 bits, as RFC 4226 recommends.
pub const SECRET_BYTES: usize = 20;
const ISSUER: &str = "Cardkit";

fn totp(secret: &[u8]) -> Option<Totp> {
    Builder::new().with_secret(secret.to_vec()).build().ok()
}

/// A new random secret.
pub fn new_secret() -> Vec<u8> {
    crate::secrets::random::bytes::<SECRET_BYTES>().to_vec()
}

/// The secret as people type it into an authenticator: base32, in groups of four.
pub fn typed_secret(secret: &[u8]) -> String {
    let base32 = Secret::from(secret.to_vec()).to_base32();
    base32
        .as_bytes()
        .chunks(4)
        .map(|group| String::from_utf8_lossy(group).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The link an authenticator app opens (or reads from a QR code of it) to add the account.
pub fn otpauth_uri(email: &str, secret: &[u8]) -> String {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    let base32 = Secret::from(secret.to_vec()).to_base32();
    let label = utf8_percent_encode(&format!("{ISSUER}:{email}"), NON_ALPHANUMERIC).to_string();
    format!(
        "otpauth://totp/{label}?secret={base32}&issuer={ISSUER}&algorithm=SHA1&digits=6&period=30"
    )
}

/// The 30-second step whose code `code` is, at `now_ms` (give or take one step), if any.
/// Spaces in the code are allowed (apps show "123 456").
pub fn matching_step(secret: &[u8], code: &str, now_ms: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = u64::try_from(now_ms / 1000).ok()?;
    let step = totp(secret)?.check(&code, now)?;
    i64::try_from(step).ok()
}

/// The code for `now_ms` (tests, and the e2e suite's stand-in for a phone).
pub fn code_at(secret: &[u8], now_ms: i64) -> String {
    let now = u64::try_from(now_ms / 1000).unwrap_or(0);
    totp(secret)
        .map(|totp| totp.generate(now).to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238, appendix B: the SHA-1 secret, whose 8-digit codes end in these 6 digits.
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn codes_match_the_rfc_test_vectors() {
        assert_eq!(code_at(RFC_SECRET, 59_000), "287082");
        assert_eq!(code_at(RFC_SECRET, 1_111_111_109_000), "081804");
        assert_eq!(code_at(RFC_SECRET, 1_234_567_890_000), "005924");
        assert_eq!(code_at(RFC_SECRET, 2_000_000_000_000), "279037");
    }

    #[test]
    fn a_code_matches_its_step_and_one_step_either_side() {
        let now = 1_234_567_890_000;
        let step = now / 1000 / 30;
        let code = code_at(RFC_SECRET, now);
        assert_eq!(matching_step(RFC_SECRET, &code, now), Some(step));
        assert_eq!(matching_step(RFC_SECRET, &code, now + 30_000), Some(step));
        assert_eq!(matching_step(RFC_SECRET, &code, now - 30_000), Some(step));
        assert_eq!(matching_step(RFC_SECRET, &code, now + 90_000), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(matching_step(RFC_SECRET, &spaced, now), Some(step));
    }

    #[test]
    fn malformed_codes_match_nothing() {
        for code in ["", "12345", "1234567", "abcdef", "12 34 5"] {
            assert_eq!(matching_step(RFC_SECRET, code, 59_000), None, "{code:?}");
        }
    }

    #[test]
    fn the_link_names_the_account_and_carries_the_secret() {
        let uri = otpauth_uri("ada@shop.example", RFC_SECRET);
        assert!(uri.starts_with("otpauth://totp/Cardkit%3Aada%40shop%2Eexample?secret="));
        assert!(uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Cardkit"));
        assert_eq!(
            typed_secret(RFC_SECRET),
            "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"
        );
    }
}
