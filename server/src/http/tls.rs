//! Serving HTTPS directly, from a certificate and key in PEM files (`--tls-cert`, `--tls-key`).
//! Over TLS, browsers speak HTTP/2 (offered first by ALPN): every request and event stream of a
//! page then shares one connection, so eight widgets on a partner page all stream at once, where
//! HTTP/1.1's six connections per host made the seventh and eighth wait.

use std::{path::Path, sync::Arc};

use rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
pub use tokio_rustls::TlsAcceptor;

/// ALPN names, in the server's order of preference.
const HTTP2: &[u8] = b"h2";
const HTTP1: &[u8] = b"http/1.1";

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the TLS certificate chain from {path}: {reason}")]
    Certificate { path: String, reason: String },
    #[error("cannot read the TLS private key from {path}: {reason}")]
    Key { path: String, reason: String },
    #[error("the TLS certificate and key do not form a usable configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// The acceptor for `cert` (PEM, the leaf first, then its chain) and `key` (PEM, PKCS#8, PKCS#1
/// or SEC1).
pub fn acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor, TlsError> {
    let certificate = |reason: String| TlsError::Certificate {
        path: cert.display().to_string(),
        reason,
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|error| certificate(error.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| certificate(error.to_string()))?;
    if chain.is_empty() {
        return Err(certificate("no CERTIFICATE block in the file".into()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|error| TlsError::Key {
        path: key.display().to_string(),
        reason: error.to_string(),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![HTTP2.to_vec(), HTTP1.to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Whether a finished handshake chose HTTP/2.
pub fn negotiated_http2(session: &rustls::ServerConnection) -> bool {
    session.alpn_protocol() == Some(HTTP2)
}
