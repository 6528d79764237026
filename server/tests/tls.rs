//! HTTPS served directly: a browser (here reqwest, offering `h2` and `http/1.1` by ALPN as
//! browsers do) gets HTTP/2, so all of a page's requests and event streams share one connection;
//! an HTTP/1.1-only client is still served; a bad certificate or key stops the start with a
//! sentence naming the file.

mod support;

use std::path::Path;

use reqwest::{Certificate, Client, Version};
use server::http::{connection_server::ConnectionSettings, tls};
use support::{TestDatabase, TestServer};

/// A throw-away certificate for `localhost`, written as PEM files into `dir`: (cert, key, cert PEM).
fn certificate(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, String) {
    let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert_pem = generated.cert.pem();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, &cert_pem).unwrap();
    std::fs::write(&key, generated.signing_key.serialize_pem()).unwrap();
    (cert, key, cert_pem)
}

#[tokio::test]
async fn browsers_get_http2_over_tls_and_http1_clients_are_still_served() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, cert_pem) = certificate(dir.path());
    let db = TestDatabase::sqlite().await;
    let connections = ConnectionSettings {
        tls: Some(tls::acceptor(&cert, &key).unwrap()),
        ..ConnectionSettings::default()
    };
    let server =
        TestServer::start_serving(&db.database, connections, server::EdgeSettings::default()).await;
    let url = format!("https://localhost:{}/healthz", server.addr.port());
    let trusted = || {
        Client::builder()
            .add_root_certificate(Certificate::from_pem(cert_pem.as_bytes()).unwrap())
            .resolve("localhost", server.addr)
    };

    let browser_like = trusted().build().unwrap();
    let response = browser_like.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.version(), Version::HTTP_2);

    let http1_only = trusted().http1_only().build().unwrap();
    let response = http1_only.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.version(), Version::HTTP_11);

    // Plain HTTP to the TLS port gets no answer (the handshake fails), not a page.
    let plain = Client::new()
        .get(format!("http://{}/healthz", server.addr))
        .send()
        .await;
    assert!(plain.is_err(), "{plain:?}");
    // ...and the server goes on serving TLS after it.
    let response = browser_like.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[test]
fn a_missing_or_mismatched_certificate_is_refused_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, _) = certificate(dir.path());
    let missing = dir.path().join("nowhere.pem");
    let error = tls::acceptor(&missing, &key).err().expect("no certificate");
    assert!(error.to_string().contains("nowhere.pem"), "{error}");

    let error = tls::acceptor(&cert, &missing).err().expect("no key");
    assert!(error.to_string().contains("nowhere.pem"), "{error}");

    let other_dir = tempfile::tempdir().unwrap();
    let (_, other_key, _) = certificate(other_dir.path());
    let error = tls::acceptor(&cert, &other_key)
        .err()
        .expect("a key of another certificate");
    assert!(error.to_string().contains("do not form"), "{error}");

    let not_pem = dir.path().join("empty.pem");
    std::fs::write(&not_pem, "no certificate here").unwrap();
    let error = tls::acceptor(&not_pem, &key).err().expect("no PEM block");
    assert!(error.to_string().contains("empty.pem"), "{error}");
}
