use std::{future::Future, path::Path, sync::Arc, time::Duration};

use app::domain::Cents;
use leptos::prelude::LeptosOptions;
use secrecy::ExposeSecret;
use tokio::{net::TcpListener, sync::watch};

use crate::{
    change_feed::postgres_listener,
    config::Config,
    http::{
        connection_limit::{LimitedListener, DEFAULT_MAX_CONNECTIONS},
        connection_server::{serve_connections, ConnectionSettings, DEFAULT_REQUEST_TIMEOUT},
        router,
        static_bundle::BundleNames,
        AppState,
    },
    issuing::{
        catalog,
        provisioning_worker::{ProvisioningWorker, WorkerSettings},
        simulated_processor::SimulatedProcessor,
        IssuingService,
    },
    key_check::{verify_card_key, KeyCheckError},
    observability, onboarding,
    rate_limits::{RateLimitSettings, RateLimits},
    secrets::{load_or_create_key, CardCipher, KeyError},
    store::{card_event_catch_up::CardEventCatchUp, Database, Pool, StoreError},
    webhooks::{
        delivery_worker::{DeliverySettings, DeliveryWorker},
        CallbackPolicy,
    },
};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot open the database: {0}")]
    Database(#[from] StoreError),
    #[error("card encryption key: {0}")]
    Key(#[from] KeyError),
    #[error("{0}")]
    KeyCheck(#[from] KeyCheckError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("server error: {0}")]
    Serve(#[from] std::io::Error),
    #[error("{0}")]
    Tls(#[from] crate::http::tls::TlsError),
    #[error("{0}")]
    Invalid(String),
}

/// The database (migrated, card ranges in place) and the card cipher, as every command needs them.
async fn open(config: &Config) -> Result<(Database, CardCipher), StartupError> {
    // The data directory holds the database and the card key: owner only when we create it.
    if !config.data_dir.exists() {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&config.data_dir)?;
    }
    let database = Database::connect(&config.effective_database_url()).await?;
    database.migrate().await?;
    for range in catalog::card_ranges() {
        database.upsert_card_range(&range).await?;
    }
    let key = load_or_create_key(
        config.secret_key.as_ref().map(ExposeSecret::expose_secret),
        &config.data_dir.join("card.key"),
    )?;
    let cipher = CardCipher::new(key.expose_secret());
    verify_card_key(&database, &cipher).await?;
    tracing::info!(
        backend = database.backend().name(),
        schema_version = database.schema_version().await?,
        "database ready"
    );
    Ok((database, cipher))
}

/// Runs the server and the provisioning worker as configured until SIGTERM or Ctrl-C.
pub async fn run(config: Config) -> Result<(), StartupError> {
    let (database, cipher) = open(&config).await?;
    let embedded = config.database_url.is_none();
    if embedded && !config.no_sandbox {
        onboarding::seed_sandbox(&database, &config.data_dir, config.listen).await?;
    }

    let lease = config.worker_lease_secs.map(Duration::from_secs);
    let provisioning_settings = WorkerSettings::for_this_process();
    let provisioning_lease = provisioning_settings.lease;
    let processor = Arc::new(SimulatedProcessor::new(
        Duration::from_millis(config.stage_delay_ms),
        config.failure_rate,
    ));
    let worker = ProvisioningWorker::new(
        database.clone(),
        cipher.clone(),
        processor,
        WorkerSettings {
            lease: lease.unwrap_or(provisioning_lease),
            ..provisioning_settings
        },
    );
    let policy = CallbackPolicy {
        allow_private: config.allow_private_callbacks,
    };
    let delivery_settings = DeliverySettings::for_this_process(policy);
    let delivery = DeliveryWorker::new(
        database.clone(),
        DeliverySettings {
            lease: lease.unwrap_or(delivery_settings.lease),
            ..delivery_settings
        },
    );
    let (stop_workers, workers_stopped) = watch::channel(false);
    let worker_task = tokio::spawn({
        let stopped = workers_stopped.clone();
        async move { worker.run(stopped).await }
    });
    // Other instances' changes wake this one's streams and workers (PostgreSQL only: on SQLite
    // this process is the only writer, and its commits wake its waiters directly). Beside the
    // listener, one read every few seconds catches the card changes whose hint went missing, so
    // that each open tracker need not poll its card for them.
    let (listener_task, catch_up_task) = match database.pool() {
        Pool::Postgres(pool) => (
            Some(tokio::spawn(postgres_listener::listen(
                database.change_feed().clone(),
                pool.clone(),
                workers_stopped.clone(),
            ))),
            Some(tokio::spawn(
                CardEventCatchUp::new(database.clone()).run(workers_stopped.clone()),
            )),
        ),
        Pool::Sqlite(..) => (None, None),
    };
    let delivery_task = tokio::spawn({
        let stopped = workers_stopped.clone();
        async move { delivery.run(stopped).await }
    });

    let metrics_task = match config.metrics_listen {
        Some(addr) => {
            if observability::is_public(&addr) && !config.metrics_public {
                return Err(StartupError::Invalid(format!(
                    "--metrics-listen {addr} is reachable from other machines: add \
                     --metrics-public to serve metrics there, or listen on 127.0.0.1"
                )));
            }
            let metrics_listener = TcpListener::bind(addr)
                .await
                .map_err(|source| StartupError::Bind { addr, source })?;
            tracing::info!(%addr, "metrics on http://{addr}/metrics");
            Some(tokio::spawn(observability::serve(
                metrics_listener,
                database.clone(),
                workers_stopped.clone(),
            )))
        }
        None => None,
    };
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartupError::Bind {
            addr: config.listen,
            source,
        })?;
    let kyc_delay = Duration::from_millis(config.kyc_review_delay_ms);
    let issuing = Arc::new(IssuingService::new(database.clone(), cipher, kyc_delay));
    let policy = CallbackPolicy {
        allow_private: config.allow_private_callbacks,
    };
    let edge = EdgeSettings {
        rate_limits: config.rate_limits(),
        client_address_header: config.client_address_header.clone(),
        request_timeout: Duration::from_secs(config.request_timeout_secs),
        key_grace_divisor: config.key_grace_divisor,
    };
    let state = app_state_with(
        database.clone(),
        issuing,
        policy,
        &config.site_root,
        listener.local_addr()?,
        edge,
    );
    let grace = Duration::from_secs(config.shutdown_grace_secs);
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(crate::http::tls::acceptor(cert, key)?),
        _ => None,
    };
    let connections = ConnectionSettings {
        max_connections: config.max_connections,
        header_timeout: Duration::from_secs(config.header_timeout_secs),
        tls,
    };
    serve_configured(
        listener,
        state,
        grace,
        connections,
        crate::shutdown::signal(),
    )
    .await?;

    let _ = stop_workers.send(true);
    let _ = tokio::join!(worker_task, delivery_task);
    for task in [listener_task, catch_up_task, metrics_task]
        .into_iter()
        .flatten()
    {
        let _ = task.await;
    }
    database.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// The console owner login `create-merchant` is asked to make.
pub struct OwnerRequest {
    pub email: String,
    /// Where the password is; `None`: generate a one-time password and print it.
    pub password_file: Option<std::path::PathBuf>,
}

/// `cardkit create-merchant`: prints the new merchant's id and API key (and owner login).
pub async fn create_merchant(
    config: Config,
    name: &str,
    fund_cents: i64,
    owner: Option<OwnerRequest>,
    sandbox: bool,
) -> Result<(), StartupError> {
    if name.trim().is_empty() || fund_cents < 0 {
        return Err(StartupError::Invalid(
            "give a --name and a --fund-cents of 0 or more".to_owned(),
        ));
    }
    let (database, _) = open(&config).await?;
    let onboarded = onboarding::onboard_merchant(&database, name.trim(), Cents(fund_cents)).await?;
    if sandbox {
        database.mark_sandbox(&onboarded.merchant.id).await?;
    }
    println!(
        "merchant: {}{}",
        onboarded.merchant.id,
        if sandbox { " (sandbox)" } else { "" }
    );
    println!(
        "api key:  {}   (shown once; store it now)",
        onboarded.api_key
    );
    println!("wallet:   {}", Cents(fund_cents));
    if let Some(owner) = owner {
        let password = match &owner.password_file {
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .map_err(|error| {
                        StartupError::Invalid(format!("cannot read {}: {error}", path.display()))
                    })?
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            ),
            None => None,
        };
        let login = onboarding::create_owner_login(
            &database,
            &onboarded.merchant.id,
            &owner.email,
            password.as_deref(),
        )
        .await?;
        println!("console:  {} (owner)", login.email);
        if let Some(password) = login.generated_password {
            println!("password: {password}   (generated; shown once, store it now)");
        }
    }
    database.close().await;
    Ok(())
}

/// How the HTTP edge treats callers: rate limits, where a proxy puts the client's address, and
/// how long a request may take until its response starts.
#[derive(Clone, Debug)]
pub struct EdgeSettings {
    pub rate_limits: RateLimitSettings,
    pub client_address_header: Option<axum::http::HeaderName>,
    pub request_timeout: Duration,
    /// Divides a rolled API key's grace period (1; more only in tests).
    pub key_grace_divisor: u32,
}

impl Default for EdgeSettings {
    fn default() -> Self {
        Self {
            rate_limits: RateLimitSettings::default(),
            client_address_header: None,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            key_grace_divisor: 1,
        }
    }
}

/// The shared request state; the server's own pages are rendered against `site_root`. Default
/// rate limits, clients seen as the peer.
pub fn app_state(
    database: Database,
    issuing: Arc<IssuingService>,
    callback_policy: CallbackPolicy,
    site_root: &Path,
    addr: std::net::SocketAddr,
) -> AppState {
    let edge = EdgeSettings::default();
    app_state_with(database, issuing, callback_policy, site_root, addr, edge)
}

/// [`app_state`] with the edge configured.
pub fn app_state_with(
    database: Database,
    issuing: Arc<IssuingService>,
    callback_policy: CallbackPolicy,
    site_root: &Path,
    addr: std::net::SocketAddr,
    edge: EdgeSettings,
) -> AppState {
    let bundles = BundleNames::read(&site_root.join("pkg"));
    let leptos_options = LeptosOptions::builder()
        .output_name(bundles.app)
        .site_root(site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build();
    let rate_limits = Arc::new(RateLimits::new(edge.rate_limits));
    let api_keys = Arc::new(crate::http::ApiKeyCache::new(database.clone()));
    let console_sessions = crate::issuing::console_sessions::ConsoleSessions::new(
        database.clone(),
        rate_limits.clone(),
        issuing.cipher(),
    );
    let widget_sessions =
        crate::issuing::widget_sessions::WidgetSessions::new(database.clone(), rate_limits.clone());
    AppState {
        leptos_options,
        widget_bundle: bundles.widget,
        changes: database.change_feed().clone(),
        api_keys: api_keys.clone(),
        request_log: Arc::new(crate::http::RequestLog::new(database.clone())),
        console_api_keys: crate::issuing::console_api_keys::ConsoleApiKeyService::new(
            database.clone(),
            api_keys,
            edge.key_grace_divisor,
        ),
        console_requests: crate::issuing::console_requests::ConsoleRequestService::new(
            database.clone(),
        ),
        console_callbacks: crate::issuing::console_callbacks::ConsoleCallbackService::new(
            database.clone(),
            callback_policy,
        ),
        widget_sessions: widget_sessions.clone(),
        console_widget: crate::issuing::console_widget::ConsoleWidgetService::new(
            database.clone(),
            widget_sessions,
        ),
        console: console_sessions.clone(),
        console_team: crate::issuing::console_team::ConsoleTeamService::new(
            database.clone(),
            console_sessions.clone(),
        ),
        console_customers: crate::issuing::console_customers::ConsoleCustomerService::new(
            database.clone(),
            issuing.clone(),
        ),
        audit: Arc::new(crate::issuing::audit_trail::StoredAuditTrail::new(
            database.clone(),
        )),
        console_cards: crate::issuing::console_cards::ConsoleCardService::new(
            database.clone(),
            issuing.clone(),
            issuing.clone(),
            console_sessions,
        ),
        // Plain http is only acceptable on loopback (a developer's machine); anywhere else the
        // server sits behind TLS, and the cookie must never travel without it.
        console_cookie: app::api::console::ConsoleCookiePolicy {
            secure: !addr.ip().is_loopback(),
        },
        rate_limits,
        client_address_header: edge.client_address_header,
        request_timeout: edge.request_timeout,
        draining: Default::default(),
        system: Arc::new(crate::system_probe::DatabaseProbe::new(database)),
        spending: issuing.clone(),
        issuing,
        callback_policy,
    }
}

/// Serves on `listener` until `shutdown` resolves, then lets in-flight requests finish for up to
/// `grace` before returning. At most [`DEFAULT_MAX_CONNECTIONS`] connections are open at once.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    grace: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with_limit(listener, state, grace, DEFAULT_MAX_CONNECTIONS, shutdown).await
}

/// [`serve`] with at most `max_connections` connections open at once.
pub async fn serve_with_limit(
    listener: TcpListener,
    state: AppState,
    grace: Duration,
    max_connections: usize,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let settings = ConnectionSettings {
        max_connections,
        ..ConnectionSettings::default()
    };
    serve_configured(listener, state, grace, settings, shutdown).await
}

/// [`serve`] with the connections' limits and timeouts as given.
pub async fn serve_configured(
    listener: TcpListener,
    state: AppState,
    grace: Duration,
    settings: ConnectionSettings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    let scheme = if settings.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let draining = state.draining.clone();
    let api_keys = state.api_keys.clone();
    let request_log = state.request_log.clone();
    let app = router(state);
    // What requests noted in memory (keys' last use, the request log) is written in batches.
    let (flush_stop, flush_stopped) = watch::channel(false);
    let usage_stopped = flush_stopped.clone();
    let usage_flush = tokio::spawn(async move { api_keys.flush_usage_until(usage_stopped).await });
    let log_flush = tokio::spawn(async move { request_log.flush_until(flush_stopped).await });

    let (stopping_tx, mut stopping_rx) = watch::channel(false);
    let listener = LimitedListener::new(listener, settings.max_connections);
    let graceful = serve_connections(listener, app, settings, async move {
        shutdown.await;
        draining.begin();
        let _ = stopping_tx.send(true);
    });
    tracing::info!(%addr, "listening on {scheme}://{addr}");

    let grace_expired = async move {
        // Only starts counting once shutdown has begun.
        let _ = stopping_rx.wait_for(|stopping| *stopping).await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        () = graceful => {}
        () = grace_expired => {
            tracing::warn!(grace_secs = grace.as_secs(), "in-flight requests did not finish in time");
        }
    }
    // What the last seconds noted is written before the database closes.
    let _ = flush_stop.send(true);
    let _ = tokio::join!(usage_flush, log_flush);
    Ok(())
}
