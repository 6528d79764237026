//! HTTP front door: probes, server functions and the server-rendered pages in one axum router.
pub mod dialect_a;
mod health;
mod router;

pub use router::{router, AppState};
