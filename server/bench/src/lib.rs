//! What the benchmarks share: scratch databases and a server set up to measure the core.

use sqlx::{Connection, Executor};

/// A fresh, empty database `name` on the PostgreSQL server of the maintenance URL `admin`
/// (dropped first if a previous run left it); its URL.
pub async fn scratch_postgres(
    admin: &str,
    name: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    let mut connection = sqlx::PgConnection::connect(admin).await?;
    connection
        .execute(format!(r#"DROP DATABASE IF EXISTS "{name}""#).as_str())
        .await?;
    connection
        .execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
        .await?;
    let (server, _) = admin
        .rsplit_once('/')
        .ok_or("the PostgreSQL URL needs a database path")?;
    Ok(format!("{server}/{name}"))
}

/// The server's edge with its rate limits off: a benchmark measures what the core sustains, and
/// the per-key limit (100/s by default) is a protection for production.
pub fn unlimited_edge() -> server::EdgeSettings {
    server::EdgeSettings {
        rate_limits: server::rate_limits::RateLimitSettings {
            per_key_per_second: 0,
            per_address_per_second: 0,
            ..Default::default()
        },
        ..Default::default()
    }
}
