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
mod copy_text;
pub mod customers;
mod enrolment_view;
pub mod issue;
pub mod join;
pub mod lazy_routes;
mod ledger_text;
#[cfg(feature = "hydrate")]
mod live_stream;
mod nav;
pub mod overview;
mod page_data;
pub mod requests;
#[cfg(feature = "ssr")]
mod route_preload;
mod scroll_table;
mod search_filters;
pub mod security;
pub mod sign_in;
pub mod sign_in_code;
pub mod team;
pub mod widget_builder;

/// Percent-encodes a search for a link's query string.
pub(crate) use crate::domain::widget_boot::percent_encode as encode_query;
