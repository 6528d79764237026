//! Merchant callbacks: where they may be sent.
mod callback_url;

pub use callback_url::{CallbackPolicy, CallbackUrlError};
