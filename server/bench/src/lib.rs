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

/// The `q` quantile of already sorted samples (the default of `T` when there are none).
pub fn quantile<T: Copy + Default>(sorted: &[T], q: f64) -> T {
    if sorted.is_empty() {
        return T::default();
    }
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
}

/// A widget session minted with the merchant's API `key` on the server at `addr`.
pub async fn mint_widget_session(
    client: &reqwest::Client,
    addr: std::net::SocketAddr,
    key: &str,
) -> Result<String, String> {
    let minted: serde_json::Value = client
        .post(format!("http://{addr}/api/widget/v1/sessions"))
        .bearer_auth(key)
        .json(&serde_json::json!({"allowed_origins": ["https://partner.example"]}))
        .send()
        .await
        .map_err(|error| error.to_string())?
        .json()
        .await
        .map_err(|error| error.to_string())?;
    minted["session_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no session: {minted}"))
}

/// A card created through the widget's form in `session`: its id.
pub async fn create_widget_card(
    client: &reqwest::Client,
    addr: std::net::SocketAddr,
    session: &str,
    idempotency_key: &str,
) -> Result<String, String> {
    let form = [
        ("session", session),
        ("form[range_id]", "vab_069af8a792ad"),
        ("form[first_name]", "Milton"),
        ("form[last_name]", "Schmitt"),
        ("form[deposit]", "25"),
        ("form[fee_type]", "ONE"),
        ("form[email]", ""),
        ("idempotency_key", idempotency_key),
    ];
    let created: serde_json::Value = client
        .post(format!("http://{addr}/api/widget/create_card"))
        .form(&form)
        .send()
        .await
        .map_err(|error| error.to_string())?
        .json()
        .await
        .map_err(|error| error.to_string())?;
    created["Created"]["card_id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("not created: {created}"))
}
