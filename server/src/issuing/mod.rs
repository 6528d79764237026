//! The issuing core's services: the [`app::ports::CardIssuing`] implementation (`service`, with
//! its KYC rule in `kyc`, the view of a new card in `created_card` and its error mapping in
//! `errors`), spending (`spending`), widget sessions, the provisioning worker, the simulated
//! processor, and the card range catalogue.
pub mod audit_trail;
pub mod authenticator_codes;
pub mod catalog;
pub mod console_api_keys;
pub mod console_callbacks;
pub mod console_cards;
pub mod console_customers;
pub mod console_requests;
pub mod console_security;
pub mod console_sessions;
pub mod console_team;
pub mod console_widget;
mod created_card;
mod developers_area;
mod errors;
mod kyc;
pub mod partner_origin;
pub mod provisioning_worker;
mod service;
pub mod simulated_processor;
mod spending;
pub mod widget_sessions;

pub use errors::{store_failure, unexpected};
pub use service::IssuingService;
