use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the "Check system" button reports: proof that the browser reached the server and the
/// server reached its database.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemStatus {
    /// `sqlite` or `postgres`.
    pub database_backend: String,
    /// Highest migration version applied to the database.
    pub schema_version: i64,
    /// Time of one query round trip to the database.
    pub round_trip_micros: u64,
    pub server_version: String,
}

#[server(name = CheckSystem, prefix = "/api", endpoint = "check_system")]
pub async fn check_system() -> Result<SystemStatus, ServerFnError> {
    let probe = expect_context::<crate::ports::SharedSystemProbe>();
    probe.status().await.map_err(|error| {
        // The details stay in the server log; the browser gets a plain sentence.
        tracing::warn!(%error, "system check failed");
        ServerFnError::new("the database is not reachable")
    })
}
