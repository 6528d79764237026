//! HTTP front door: probes, server functions and the server-rendered pages in one axum router.
mod api_actor;
mod api_errors;
mod api_key_cache;
mod app_state;
mod bearer;
pub mod connection_limit;
pub mod connection_server;
mod console_events;
mod console_export;
pub mod dialect_a;
pub mod dialect_b;
mod favicon;
mod health;
pub mod openapi;
pub(crate) mod plain_json;
mod port_context;
mod request_id;
mod request_span;
mod router;
mod security_headers;
mod server_fn_errors;
mod throttle;
pub mod widget;

pub use api_key_cache::ApiKeyCache;
pub use app_state::AppState;
pub use router::router;
