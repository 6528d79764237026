//! Merchant callbacks: where they may go, how they are signed, and the worker that delivers them.
pub mod callback_sender;
pub mod callback_url;
mod checked_resolver;
pub mod delivery_worker;
pub mod signature;

pub use callback_url::{CallbackPolicy, CallbackUrlError};
