//! How the browser gets its bytes, over real HTTP: the bundles under content-hashed names, sent
//! precompressed and cached for a year; the widget loader revalidated with an ETag; pages kept
//! by no shared cache; API answers compressed for clients that ask. (Event streams are never compressed: the widget
//! tests check it on a live stream.)

mod support;

use std::io::Read;

use reqwest::{header, Client, StatusCode};
use support::{http_client, TestDatabase, TestServer};

/// The console's bundle: a hashed folder, its files named as the build names them inside it.
const APP_FOLDER: &str = "cardkit.0123456789abcdef";
const APP: &str = "cardkit.0123456789abcdef/cardkit";
const WIDGET: &str = "cardkit-widget.fedcba9876543210";
const WASM: &[u8] = b"\0asm\x01\0\0\0 stands in for the bundle";
const WASM_BR: &[u8] = b"brotli bytes, sent as written";
const WASM_GZ: &[u8] = b"gzip bytes, sent as written";

/// A site as `scripts/build-site.sh` leaves it: hashed names, the manifest, compressed siblings;
/// the console's bundle in a hashed folder with a lazily loaded chunk.
fn built_site() -> tempfile::TempDir {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(pkg.join(APP_FOLDER)).unwrap();
    let manifest = format!(r#"{{"cardkit": "{APP_FOLDER}/", "cardkit-widget": "{WIDGET}"}}"#);
    std::fs::write(pkg.join("bundles.json"), manifest).unwrap();
    for base in [APP, WIDGET] {
        std::fs::write(pkg.join(format!("{base}.js")), "export default 1;").unwrap();
        std::fs::write(pkg.join(format!("{base}.css")), "body{margin:0}").unwrap();
        std::fs::write(pkg.join(format!("{base}_bg.wasm")), WASM).unwrap();
        std::fs::write(pkg.join(format!("{base}_bg.wasm.br")), WASM_BR).unwrap();
        std::fs::write(pkg.join(format!("{base}_bg.wasm.gz")), WASM_GZ).unwrap();
    }
    std::fs::write(pkg.join(APP_FOLDER).join("chunk_0.wasm"), WASM).unwrap();
    std::fs::write(
        pkg.join(APP_FOLDER).join("__wasm_split_manifest.json"),
        "{}",
    )
    .unwrap();
    std::fs::write(pkg.join("cardkit.js"), "an unhashed leftover").unwrap();
    site
}

async fn get(
    server: &TestServer,
    path: &str,
    headers: &[(header::HeaderName, &str)],
) -> reqwest::Response {
    let mut request = Client::new().get(format!("http://{}{path}", server.addr));
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    request.send().await.unwrap()
}

fn header_of(response: &reqwest::Response, name: header::HeaderName) -> Option<&str> {
    response
        .headers()
        .get(name)
        .map(|value| value.to_str().unwrap())
}

#[tokio::test]
async fn pages_load_the_hashed_bundles_which_are_sent_precompressed_and_kept_a_year() {
    let db = TestDatabase::sqlite().await;
    let server = TestServer::start_with_site(&db.database, built_site()).await;

    let home = get(&server, "/", &[]).await.text().await.unwrap();
    assert!(home.contains(&format!("/pkg/{APP}.js")), "{home}");
    assert!(home.contains(&format!("/pkg/{APP}_bg.wasm")), "{home}");
    assert!(home.contains(&format!("/pkg/{APP}.css")), "{home}");
    assert!(!home.contains("/pkg/cardkit.js"), "{home}");

    let chunk = get(&server, &format!("/pkg/{APP_FOLDER}/chunk_0.wasm"), &[]).await;
    assert_eq!(chunk.status(), StatusCode::OK);
    assert_eq!(
        header_of(&chunk, header::CACHE_CONTROL),
        Some("public, max-age=31536000, immutable"),
        "every file of the hashed folder is kept"
    );

    let wasm = format!("/pkg/{APP}_bg.wasm");
    for (accepted, encoding, body) in [
        ("br, gzip", Some("br"), WASM_BR),
        ("gzip, deflate", Some("gzip"), WASM_GZ),
        ("identity", None, WASM),
    ] {
        let response = get(&server, &wasm, &[(header::ACCEPT_ENCODING, accepted)]).await;
        assert_eq!(response.status(), StatusCode::OK, "{accepted}");
        assert_eq!(header_of(&response, header::CONTENT_ENCODING), encoding);
        assert_eq!(
            header_of(&response, header::CONTENT_TYPE),
            Some("application/wasm")
        );
        assert_eq!(
            header_of(&response, header::CACHE_CONTROL),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(header_of(&response, header::VARY), Some("accept-encoding"));
        assert_eq!(&response.bytes().await.unwrap()[..], body, "{accepted}");
    }

    // A file without a content hash may change under the same name: revalidated on each use.
    let leftover = get(&server, "/pkg/cardkit.js", &[]).await;
    assert_eq!(leftover.status(), StatusCode::OK);
    assert_eq!(
        header_of(&leftover, header::CACHE_CONTROL),
        Some("no-cache")
    );
    let missing = get(&server, &format!("/pkg/{APP}.map"), &[]).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_widget_frame_loads_the_widget_bundle_by_its_hashed_name() {
    let db = TestDatabase::sqlite().await;
    let server = TestServer::start_with_site(&db.database, built_site()).await;
    let (_, key) = server.merchant(10_000).await;
    let body = r#"{"allowed_origins": ["https://partner.example"]}"#;
    let minted = http_client::request(
        server.addr,
        "POST",
        "/api/widget/v1/sessions",
        Some(&key),
        Some(body),
    )
    .await
    .json();
    let token = minted["session_token"].as_str().unwrap();
    let frame = get(&server, &format!("/widget/frame?session={token}"), &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(frame.contains(&format!("/pkg/{WIDGET}.js")), "{frame}");
    assert!(frame.contains(&format!("/pkg/{WIDGET}.css")), "{frame}");
    assert!(!frame.contains(APP_FOLDER), "{frame}");
}

#[tokio::test]
async fn the_widget_loader_answers_304_to_a_browser_holding_the_same_bytes() {
    let db = TestDatabase::sqlite().await;
    let server = TestServer::start_with_site(&db.database, built_site()).await;

    let first = get(&server, "/widget.js", &[]).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(
        header_of(&first, header::CACHE_CONTROL),
        Some("public, max-age=300")
    );
    let tag = header_of(&first, header::ETAG).expect("an ETag").to_owned();
    assert!(tag.starts_with("W/\""), "{tag}");

    let again = get(&server, "/widget.js", &[(header::IF_NONE_MATCH, &tag)]).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header_of(&again, header::ETAG), Some(&*tag));
    assert!(again.bytes().await.unwrap().is_empty());

    let other = get(
        &server,
        "/widget.js",
        &[(header::IF_NONE_MATCH, "W/\"stale\"")],
    )
    .await;
    assert_eq!(other.status(), StatusCode::OK);
    assert!(other.text().await.unwrap().contains("/widget/frame?"));
}

/// A page is rendered per request (its script nonce changes every time, and console pages carry
/// the signed-in user's data): browsers ask again each time and shared caches keep none.
#[tokio::test]
async fn pages_are_never_kept_by_shared_caches() {
    let db = TestDatabase::sqlite().await;
    let server = TestServer::start_with_site(&db.database, built_site()).await;
    for path in ["/", "/console/sign-in"] {
        let page = get(&server, path, &[]).await;
        assert_eq!(page.status(), StatusCode::OK, "{path}");
        assert_eq!(
            header_of(&page, header::CACHE_CONTROL),
            Some("private, no-cache"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn api_answers_are_compressed_for_clients_that_ask_and_plain_for_others() {
    let db = TestDatabase::sqlite().await;
    let server = TestServer::start_with_site(&db.database, built_site()).await;

    let plain = get(&server, "/api/openapi.json", &[]).await;
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(header_of(&plain, header::CONTENT_ENCODING), None);
    let plain = plain.bytes().await.unwrap();

    let compressed = get(
        &server,
        "/api/openapi.json",
        &[(header::ACCEPT_ENCODING, "gzip")],
    )
    .await;
    assert_eq!(compressed.status(), StatusCode::OK);
    assert_eq!(
        header_of(&compressed, header::CONTENT_ENCODING),
        Some("gzip")
    );
    let compressed = compressed.bytes().await.unwrap();
    assert!(
        compressed.len() * 4 < plain.len(),
        "{} bytes compressed of {}",
        compressed.len(),
        plain.len()
    );
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(&compressed[..])
        .read_to_end(&mut decoded)
        .unwrap();
    assert_eq!(decoded, plain);
    serde_json::from_slice::<serde_json::Value>(&decoded).expect("the document, intact");
}
