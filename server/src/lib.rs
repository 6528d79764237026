//! The Cardkit server: configuration, storage adapters, HTTP routes and the process lifecycle.

pub mod config;
pub mod http;
mod run;
pub mod shutdown;
pub mod store;
pub mod system_probe;
pub mod telemetry;

pub use run::{run, serve, StartupError};
