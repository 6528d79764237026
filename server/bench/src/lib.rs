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

/// The real server over `database` and `issuing`, on a free loopback port, rate limits off,
/// until `shutdown` completes: its address, the (empty) site directory it serves, which must
/// live as long as it, and its task.
pub async fn serve_on_loopback(
    database: &server::store::Database,
    issuing: std::sync::Arc<server::issuing::IssuingService>,
    grace: std::time::Duration,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<
    (
        std::net::SocketAddr,
        tempfile::TempDir,
        tokio::task::JoinHandle<std::io::Result<()>>,
    ),
    Box<dyn std::error::Error>,
> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let site = tempfile::tempdir()?;
    let state = server::app_state_with(
        database.clone(),
        issuing,
        server::webhooks::CallbackPolicy::default(),
        site.path(),
        addr,
        unlimited_edge(),
    );
    let serving = tokio::spawn(server::serve(listener, state, grace, shutdown));
    Ok((addr, site, serving))
}
