use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the "Check system" button reports: proof that the browser reached the server and the
/// server reached its database. The page is public, so it says nothing more: the database kind,
/// schema and server version would tell an attacker which weaknesses to try.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemStatus {
    pub database_reachable: bool,
    /// Time of one query round trip to the database.
    pub round_trip_micros: u64,
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
