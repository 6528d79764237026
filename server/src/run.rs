use std::{future::Future, path::Path, time::Duration};

use leptos::prelude::LeptosOptions;
use tokio::{net::TcpListener, sync::watch};

use crate::{
    config::Config,
    http::{router, AppState},
    store::{Database, StoreError},
};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot open the database: {0}")]
    Database(#[from] StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("server error: {0}")]
    Serve(#[from] std::io::Error),
}

/// Runs the server as configured until SIGTERM or Ctrl-C.
pub async fn run(config: Config) -> Result<(), StartupError> {
    let database = Database::connect(&config.effective_database_url()).await?;
    database.migrate().await?;
    tracing::info!(
        backend = database.backend().name(),
        schema_version = database.schema_version().await?,
        "database ready"
    );
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartupError::Bind {
            addr: config.listen,
            source,
        })?;
    let grace = Duration::from_secs(config.shutdown_grace_secs);
    serve(
        listener,
        database.clone(),
        &config.site_root,
        grace,
        crate::shutdown::signal(),
    )
    .await?;
    database.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Serves on `listener` until `shutdown` resolves, then lets in-flight requests finish for up to
/// `grace` before returning.
pub async fn serve(
    listener: TcpListener,
    database: Database,
    site_root: &Path,
    grace: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    let leptos_options = LeptosOptions::builder()
        .output_name(app::BUNDLE_NAME)
        .site_root(site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build();
    let app = router(AppState {
        leptos_options,
        database,
    });

    let (stopping_tx, mut stopping_rx) = watch::channel(false);
    let graceful = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown.await;
        let _ = stopping_tx.send(true);
    });
    tracing::info!(%addr, "listening on http://{addr}");

    let grace_expired = async move {
        // Only starts counting once shutdown has begun.
        let _ = stopping_rx.wait_for(|stopping| *stopping).await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        result = graceful => result,
        () = grace_expired => {
            tracing::warn!(grace_secs = grace.as_secs(), "in-flight requests did not finish in time");
            Ok(())
        }
    }
}
