//! The connection loop: accepts within the connection cap, serves HTTP/1.1 and HTTP/2 (cleartext)
//! with timers, and shuts down gracefully. It replaces `axum::serve`, which runs hyper without a
//! timer, so a client could take forever to send its headers or sit idle on a keep-alive
//! connection forever, holding one of the capped connection slots.

use std::{convert::Infallible, net::SocketAddr, time::Duration};

use axum::{extract::ConnectInfo, Router};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto::Builder,
    service::TowerToHyperService,
};
use tokio::sync::watch;
use tower::ServiceExt;

use super::connection_limit::{LimitedListener, PeerAddr, DEFAULT_MAX_CONNECTIONS};

/// How connections are held to account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionSettings {
    /// Connections open at once.
    pub max_connections: usize,
    /// How long a request's headers may take to arrive, counted from when the server starts
    /// waiting for them: on a new connection, and on a keep-alive connection after each response
    /// (so it is also how long an idle connection stays open).
    pub header_timeout: Duration,
}

/// Generous for any real client, including one on a slow mobile link; far below what keeps
/// capped connection slots held by clients that send nothing.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(20);

/// How long a request may take until its response starts (applied by the router, so the 408 has
/// the dialect's shape). Far above any request Cardkit serves (they take milliseconds), so only a
/// client that sends its body slowly, or a stuck dependency, meets it.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

impl Default for ConnectionSettings {
    fn default() -> Self {
        Self {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves; then every connection finishes the
/// request it is serving and closes, and this returns once all have closed.
pub async fn serve_connections(
    mut listener: LimitedListener,
    app: Router,
    settings: ConnectionSettings,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(settings.header_timeout)
        .keep_alive_timeout(settings.header_timeout);

    // Dropped to tell every connection to shut down; each holds a receiver of `closed` until it
    // has, so the loop can wait for the last one.
    let (stop_tx, stop_rx) = watch::channel(());
    let (closed_tx, closed_rx) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = axum::serve::Listener::accept(&mut listener) => accepted,
            () = &mut shutdown => break,
        };
        let service = app
            .clone()
            .map_request(move |mut request: axum::http::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(PeerAddr(peer)));
                request.map(axum::body::Body::new)
            });
        let connection = ServedConnection {
            builder: builder.clone(),
            stop: stop_rx.clone(),
            _closed: closed_rx.clone(),
        };
        tokio::spawn(connection.serve(stream, peer, TowerToHyperService::new(service)));
    }
    drop(listener);
    drop(stop_tx);
    drop(closed_rx);
    closed_tx.closed().await;
}

struct ServedConnection {
    builder: Builder<TokioExecutor>,
    stop: watch::Receiver<()>,
    _closed: watch::Receiver<()>,
}

impl ServedConnection {
    async fn serve<S>(
        mut self,
        stream: super::connection_limit::LimitedStream,
        peer: SocketAddr,
        service: TowerToHyperService<S>,
    ) where
        S: tower::Service<
                axum::http::Request<Incoming>,
                Response = axum::response::Response,
                Error = Infallible,
            > + Clone
            + Send
            + 'static,
        S::Future: Send + 'static,
    {
        let connection = self
            .builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service);
        let mut connection = std::pin::pin!(connection);
        let result = tokio::select! {
            result = connection.as_mut() => result,
            // The sender is only ever dropped: that is the signal.
            _ = self.stop.changed() => {
                connection.as_mut().graceful_shutdown();
                connection.await
            }
        };
        if let Err(error) = result {
            // Timeouts and clients that go away mid-request end up here.
            tracing::debug!(%peer, %error, "connection ended");
        }
    }
}
