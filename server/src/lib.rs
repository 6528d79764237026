//! The Cardkit server: configuration, storage adapters, HTTP routes and the process lifecycle.

pub mod change_feed;
pub mod clock;
pub mod config;
pub mod http;
pub mod issuing;
pub mod key_check;
pub mod observability;
pub mod onboarding;
pub mod rate_limits;
mod run;
pub mod secrets;
pub mod shutdown;
pub mod store;
pub mod system_probe;
pub mod telemetry;
pub mod ttl_cache;
pub mod webhooks;

pub use run::{
    app_state, app_state_with, create_merchant, run, serve, serve_configured, serve_with_limit,
    EdgeSettings, OwnerRequest, StartupError,
};
