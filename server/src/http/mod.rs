//! HTTP front door: probes, server functions and the server-rendered pages in one axum router.
mod health;
mod router;

pub use router::{router, AppState};
