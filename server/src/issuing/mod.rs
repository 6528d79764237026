//! The issuing core's services: the [`app::ports::CardIssuing`] implementation, the provisioning
//! worker, the simulated processor, and the card range catalogue.
pub mod catalog;
pub mod provisioning_worker;
mod service;
pub mod simulated_processor;
mod spending;
pub mod widget_sessions;

pub use service::{internal as internal_error, IssuingService};
