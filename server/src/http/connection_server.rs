//! The connection loop: accepts within the connection cap, serves HTTP/1.1 and HTTP/2 (cleartext,
//! or over TLS as ALPN chose) with timers, and shuts down gracefully. It replaces `axum::serve`, which runs hyper without a
//! timer, so a client could take forever to send its headers or sit idle on a keep-alive
//! connection forever, holding one of the capped connection slots.

use std::{
    convert::Infallible, future::Future, net::SocketAddr, pin::Pin, sync::Arc, time::Duration,
};

use axum::{extract::ConnectInfo, Router};
use hyper::{body::Incoming, server::conn::http1, server::conn::http2};
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    service::TowerToHyperService,
};
use tokio::sync::watch;
use tower::ServiceExt;

use super::connection_limit::{LimitedListener, PeerAddr, DEFAULT_MAX_CONNECTIONS};

/// How connections are held to account, and whether they are TLS.
#[derive(Clone)]
pub struct ConnectionSettings {
    /// Connections open at once.
    pub max_connections: usize,
    /// How long a request's headers may take to arrive, counted from when the server starts
    /// waiting for them: on a new connection, and on a keep-alive connection after each response
    /// (so it is also how long an idle connection stays open). A TLS handshake gets as long.
    pub header_timeout: Duration,
    /// Serve HTTPS with this (`None`: plain HTTP).
    pub tls: Option<super::tls::TlsAcceptor>,
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
            tls: None,
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
    let mut http1 = http1::Builder::new();
    http1
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_timeout);
    let mut http2 = http2::Builder::new(TokioExecutor::new());
    http2
        .timer(TokioTimer::new())
        .keep_alive_interval(settings.header_timeout)
        .keep_alive_timeout(settings.header_timeout);
    let protocols = Arc::new(Protocols {
        http1,
        http2,
        first_bytes_timeout: settings.header_timeout,
        tls: settings.tls,
    });

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
            protocols: protocols.clone(),
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

/// How connections are served, shared by all of them.
struct Protocols {
    http1: http1::Builder,
    http2: http2::Builder<TokioExecutor>,
    /// How long a new connection may take to send its first bytes (or finish its TLS handshake).
    first_bytes_timeout: Duration,
    tls: Option<super::tls::TlsAcceptor>,
}

/// What a cleartext HTTP/2 connection (prior knowledge) starts with: the preface `PRI * HTTP/2.0`.
/// No HTTP/1 method begins so.
const HTTP2_PREFACE_START: &[u8] = b"PRI";

struct ServedConnection {
    protocols: Arc<Protocols>,
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
        let protocols = self.protocols.clone();
        if let Some(tls) = protocols.tls.clone() {
            let handshake = tokio::select! {
                done = tokio::time::timeout(protocols.first_bytes_timeout, tls.accept(stream)) => done,
                _ = self.stop.changed() => return,
            };
            let Ok(Ok(stream)) = handshake else {
                return; // not TLS, a failed handshake, or silent for too long
            };
            let http2 = super::tls::negotiated_http2(stream.get_ref().1);
            self.serve_protocol(stream, http2, peer, service).await;
            return;
        }
        let first_bytes = tokio::select! {
            peeked = tokio::time::timeout(
                protocols.first_bytes_timeout,
                starts_as_http2(&stream),
            ) => peeked,
            // Stopping: a connection that has not asked for anything yet just closes.
            _ = self.stop.changed() => return,
        };
        // Otherwise gone, or silent for as long as a request's headers may take.
        if let Ok(Ok(http2)) = first_bytes {
            self.serve_protocol(stream, http2, peer, service).await;
        }
    }

    /// Serves HTTP/2 or HTTP/1.1 on a connection, plain or TLS, until it ends or the server stops.
    async fn serve_protocol<I, S>(
        mut self,
        stream: I,
        http2: bool,
        peer: SocketAddr,
        service: TowerToHyperService<S>,
    ) where
        I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
        S: tower::Service<
                axum::http::Request<Incoming>,
                Response = axum::response::Response,
                Error = Infallible,
            > + Clone
            + Send
            + 'static,
        S::Future: Send + 'static,
    {
        let protocols = self.protocols.clone();
        let result = if http2 {
            let connection = protocols
                .http2
                .serve_connection(TokioIo::new(stream), service);
            self.until_done_or_stopped(Box::pin(connection), |connection| {
                connection.graceful_shutdown()
            })
            .await
        } else {
            // HTTP/1 is every browser's and nearly every client's, and a held event stream
            // is one such connection: served inline, it is the smallest it can be (hyper's
            // version-detecting connection sized every connection for HTTP/2's state too,
            // 6 KB more per open stream).
            let connection = protocols
                .http1
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            let connection = std::pin::pin!(connection);
            self.until_done_or_stopped(connection, |connection| connection.graceful_shutdown())
                .await
        };
        if let Err(error) = result {
            // Timeouts and clients that go away mid-request end up here.
            tracing::debug!(%peer, %error, "connection ended");
        }
    }

    /// Drives `connection` to its end; when the server stops, asks it to finish its requests
    /// and close (`shut_down`), and waits for that.
    async fn until_done_or_stopped<C, P>(
        &mut self,
        mut connection: Pin<P>,
        shut_down: impl FnOnce(Pin<&mut C>),
    ) -> Result<(), hyper::Error>
    where
        P: std::ops::DerefMut<Target = C>,
        C: Future<Output = Result<(), hyper::Error>>,
    {
        tokio::select! {
            result = connection.as_mut() => result,
            // The sender is only ever dropped: that is the signal.
            _ = self.stop.changed() => {
                shut_down(connection.as_mut());
                connection.await
            }
        }
    }
}

/// Whether the connection starts with HTTP/2's preface, from its first bytes (not taken off
/// the stream). An error when it closes before saying anything.
async fn starts_as_http2(stream: &super::connection_limit::LimitedStream) -> std::io::Result<bool> {
    let mut first = [0_u8; HTTP2_PREFACE_START.len()];
    loop {
        let seen = stream.peek(&mut first).await?;
        if seen == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if seen == first.len() || first[..seen] != HTTP2_PREFACE_START[..seen] {
            return Ok(first[..seen] == *HTTP2_PREFACE_START);
        }
        // A few bytes of what may be the preface: wait for the rest (peeking again at once
        // would see the same bytes).
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
