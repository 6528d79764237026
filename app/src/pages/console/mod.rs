//! The merchant console: signed-in pages over the same core, ledger and ports as the API.
mod activity_chart;
pub mod api_keys;
pub mod audit;
pub mod callbacks;
pub mod card;
mod card_actions;
mod card_controls;
mod card_history;
mod card_reveal;
pub mod cards;
pub mod customers;
mod enrolment_view;
pub mod issue;
pub mod join;
mod ledger_text;
#[cfg(feature = "hydrate")]
mod live_stream;
mod nav;
pub mod overview;
mod page_data;
pub mod requests;
mod scroll_table;
mod search_filters;
pub mod security;
pub mod sign_in;
pub mod sign_in_code;
pub mod team;

/// Percent-encodes a search for a link's query string.
pub(crate) fn encode_query(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}
