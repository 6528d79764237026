//! The developers' area's request log: the API requests a merchant's keys signed, how each was
//! answered, and how long the log keeps them. No request body is kept; an error's answer is, with
//! anything shaped like a card number masked.

use serde::{Deserialize, Serialize};

use super::card_number::is_luhn_valid;

/// How long a request stays in the log.
pub const REQUEST_LOG_RETENTION_MS: i64 = 7 * 24 * 3600 * 1000;
/// At most this many requests per merchant are kept (the newest).
pub const REQUEST_LOG_MAX_PER_MERCHANT: i64 = 10_000;
/// The first this many bytes of an error's answer are kept.
pub const ERROR_BODY_LIMIT: usize = 2048;
/// Requests a page of the log holds.
pub const REQUESTS_PER_PAGE: i64 = 50;

/// One API request as the log shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiRequestEntry {
    pub id: i64,
    pub at_ms: i64,
    pub method: String,
    /// The path and query, as requested.
    pub path: String,
    pub status: i64,
    pub duration_ms: i64,
    /// The signing key's public prefix (`ck_key_…`).
    pub key_prefix: String,
    /// The answer's `x-request-id`.
    pub request_id: String,
    /// Dialect A's `traceId`, when the answer carried one.
    pub trace_id: Option<i64>,
    /// An error's answer (its first 2 KB); `None` for a success.
    pub error_body: Option<String>,
}

/// What the log is asked for: an id to find (a request id or a trace id), errors only, and the
/// page cursor.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestLogQuery {
    pub find: Option<String>,
    pub errors_only: bool,
    pub before_id: Option<i64>,
}

impl RequestLogQuery {
    pub fn from_params(find: Option<&str>, errors: Option<&str>, before: Option<&str>) -> Self {
        RequestLogQuery {
            find: find
                .map(str::trim)
                .filter(|find| !find.is_empty())
                .map(str::to_owned),
            errors_only: errors == Some("1"),
            before_id: before.and_then(|before| before.parse().ok()),
        }
    }
}

/// A page of the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestLogView {
    pub requests: Vec<ApiRequestEntry>,
    pub older: Option<i64>,
}

/// An error's answer as the log keeps it: its first [`ERROR_BODY_LIMIT`] bytes as text, with
/// anything that could be a card number masked ([`mask_card_numbers`]), so a number a caller sent
/// that an error echoes is never stored.
pub fn error_excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(ERROR_BODY_LIMIT)]);
    mask_card_numbers(&text)
}

/// Masks, with `*`, every run of 12 to 19 digits (single spaces or dashes between digits allowed)
/// that passes the Luhn check, as every card number does. Other long numbers (a `traceId`, a time
/// in milliseconds) are kept unless they happen to pass it, which only costs a masked number.
pub fn mask_card_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut index = 0;
    while index < chars.len() {
        if !chars[index].is_ascii_digit() {
            out.push(chars[index]);
            index += 1;
            continue;
        }
        // The run: digits, with single separators between digits.
        let mut end = index;
        let mut digits = 0;
        while end < chars.len() {
            if chars[end].is_ascii_digit() {
                digits += 1;
                end += 1;
            } else if matches!(chars[end], ' ' | '-')
                && chars.get(end + 1).is_some_and(char::is_ascii_digit)
                && chars
                    .get(end.wrapping_sub(1))
                    .is_some_and(char::is_ascii_digit)
            {
                end += 1;
            } else {
                break;
            }
        }
        let run = &chars[index..end];
        let number: String = run.iter().filter(|c| c.is_ascii_digit()).collect();
        if (12..=19).contains(&digits) && is_luhn_valid(&number) {
            out.extend(
                run.iter()
                    .map(|c| if c.is_ascii_digit() { '*' } else { *c }),
            );
        } else {
            out.extend(run.iter());
        }
        index = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_numbers_are_masked_and_other_numbers_kept() {
        assert_eq!(
            mask_card_numbers(r#"{"input":"4111111111111111","traceId":1795941856740002}"#),
            r#"{"input":"****************","traceId":1795941856740002}"#
        );
        assert_eq!(
            mask_card_numbers("pan 4111 1111 1111 1111 and 4111-1111-1111-1111."),
            "pan **** **** **** **** and ****-****-****-****."
        );
        assert_eq!(
            mask_card_numbers("amount 5000, code 2003"),
            "amount 5000, code 2003"
        );
        // 11 digits, Luhn-valid or not: too short for a card.
        assert_eq!(mask_card_numbers("79927398713"), "79927398713");
        // 19 digits that fail the Luhn check are kept; a 15-digit Amex number is masked.
        assert_eq!(
            mask_card_numbers("1234567890123456789"),
            "1234567890123456789"
        );
        assert_eq!(mask_card_numbers("378282246310005"), "***************");
    }

    #[test]
    fn an_excerpt_is_bounded() {
        let long = "x".repeat(ERROR_BODY_LIMIT * 2);
        assert_eq!(error_excerpt(long.as_bytes()).len(), ERROR_BODY_LIMIT);
    }

    #[test]
    fn a_query_reads_what_it_can() {
        let query = RequestLogQuery::from_params(Some(" req_1 "), Some("1"), Some("9"));
        assert_eq!(query.find.as_deref(), Some("req_1"));
        assert!(query.errors_only);
        assert_eq!(query.before_id, Some(9));
        assert_eq!(
            RequestLogQuery::from_params(Some(""), Some("yes"), Some("x")),
            RequestLogQuery::default()
        );
    }
}
