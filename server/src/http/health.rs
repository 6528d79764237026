use std::time::Duration;

use axum::{extract::State, http::StatusCode, Json};
use serde_json::{json, Value};

use super::AppState;

/// Liveness: the process is up and serving HTTP. Never touches the database, so a slow database
/// does not get a healthy process restarted.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// How long readiness waits for the database: a load balancer asks often, and a database this
/// slow to answer one trivial query is no place to send requests either.
const READINESS_TIMEOUT: Duration = Duration::from_secs(1);

/// Readiness: the database answers, promptly. Load balancers stop routing here while it does not.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let backend = state.system.database_kind();
    let failure = match tokio::time::timeout(READINESS_TIMEOUT, state.system.status()).await {
        Ok(Ok(_)) => {
            return (
                StatusCode::OK,
                Json(json!({ "status": "ready", "database": backend })),
            )
        }
        Ok(Err(error)) => error,
        Err(_) => format!("no answer within {} ms", READINESS_TIMEOUT.as_millis()),
    };
    tracing::warn!(error = %failure, "readiness check failed");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({ "status": "unavailable", "database": backend })),
    )
}
