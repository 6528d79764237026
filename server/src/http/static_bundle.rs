//! `/pkg/*`: the browser bundles, as `scripts/build-site.sh` leaves them: content-hashed names
//! (listed in `bundles.json`) with brotli and gzip siblings. The widget's bundle is three hashed
//! files; the console's, split into lazily loaded chunks, is a hashed folder. A hashed file, or a
//! file in a hashed folder, never changes, so it is cached for a year; anything else under `/pkg`
//! is revalidated on each use. The smallest
//! encoding the browser accepts is sent as it was written at build time, not compressed per
//! request.

use std::{collections::HashMap, path::Path};

use axum::{
    extract::Request,
    http::{header, HeaderValue},
    middleware::Next,
    response::Response,
    Router,
};
use tower_http::services::ServeDir;

/// The hex digits `fingerprint-bundles.mjs` puts in a file name.
const HASH_LENGTH: usize = 16;
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// Where each bundle is, from `bundles.json`, or the plain names when the folder has none (a
/// bundle built by hand, or none at all, as in the server's own tests).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleNames {
    /// The console's bundle, as a path under `/pkg` without extension: `cardkit.1f2e…/cardkit`
    /// (its hashed folder, then the file name base), or `cardkit`.
    pub app: String,
    /// The widget's file name base: `cardkit-widget.1f2e…`, or `cardkit-widget`.
    pub widget: String,
}

impl BundleNames {
    pub fn read(pkg_dir: &Path) -> Self {
        let manifest: HashMap<String, String> = std::fs::read(pkg_dir.join("bundles.json"))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        let named = |name: &str| {
            manifest
                .get(name)
                .filter(|hashed| is_hashed_base(hashed))
                .cloned()
                .unwrap_or_else(|| name.to_owned())
        };
        // A folder is written with a trailing slash: `cardkit.1f2e…/`.
        let in_folder = |name: &str| {
            manifest
                .get(name)
                .and_then(|hashed| hashed.strip_suffix('/'))
                .filter(|folder| is_hashed_base(folder))
                .map(|folder| format!("{folder}/{name}"))
                .unwrap_or_else(|| name.to_owned())
        };
        Self {
            app: in_folder(app::BUNDLE_NAME),
            widget: named(app::WIDGET_BUNDLE_NAME),
        }
    }
}

/// The bundle folder, mounted at `/<pkg>`.
pub fn routes<S: Clone + Send + Sync + 'static>(pkg: &str, pkg_dir: &Path) -> Router<S> {
    let files = ServeDir::new(pkg_dir)
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .nest_service(&format!("/{pkg}"), files)
        .layer(axum::middleware::from_fn(cache_headers))
}

async fn cache_headers(request: Request, next: Next) -> Response {
    let immutable = is_immutable(request.uri().path());
    let mut response = next.run(request).await;
    if response.status().is_success() || response.status().is_redirection() {
        let headers = response.headers_mut();
        let policy = if immutable { IMMUTABLE } else { REVALIDATE };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
        // The same URL answers brotli, gzip or plain bytes: caches must keep them apart.
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// A hashed file (`…/cardkit-widget.0123456789abcdef.js`), or any file in a hashed folder
/// (`…/cardkit.0123456789abcdef/chunk_3.wasm`).
fn is_immutable(path: &str) -> bool {
    let mut segments = path.rsplit('/');
    let file = segments.next().unwrap_or_default();
    is_hashed_file(file) || segments.next().is_some_and(is_hashed_base)
}

/// `cardkit.0123456789abcdef` (any name, a dot, the hash).
fn is_hashed_base(base: &str) -> bool {
    base.rsplit_once('.').is_some_and(|(name, hash)| {
        !name.is_empty()
            && name
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
            && hash.len() == HASH_LENGTH
            && hash
                .bytes()
                .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// A bundle file with a content hash in its name: `<base>.js`, `<base>_bg.wasm` or `<base>.css`.
fn is_hashed_file(file: &str) -> bool {
    [".js", "_bg.wasm", ".css"]
        .iter()
        .any(|suffix| file.strip_suffix(suffix).is_some_and(is_hashed_base))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_content_hashed_bundle_files_are_immutable() {
        assert!(is_hashed_file("cardkit.0123456789abcdef.js"));
        assert!(is_hashed_file("cardkit-widget.0123456789abcdef_bg.wasm"));
        assert!(is_hashed_file("cardkit.0123456789abcdef.css"));
        assert!(!is_hashed_file("cardkit.js"));
        assert!(!is_hashed_file("cardkit_bg.wasm"));
        assert!(!is_hashed_file("cardkit.0123456789ABCDEF.js"), "upper case");
        assert!(!is_hashed_file("cardkit.0123456789abcde.js"), "too short");
        assert!(!is_hashed_file(".0123456789abcdef.js"), "no name");
        assert!(!is_hashed_file("bundles.json"));
    }

    #[test]
    fn every_file_of_a_hashed_folder_is_immutable() {
        assert!(is_immutable("/pkg/cardkit.0123456789abcdef/chunk_3.wasm"));
        assert!(is_immutable("/pkg/cardkit.0123456789abcdef/cardkit.js"));
        assert!(is_immutable("/pkg/cardkit-widget.0123456789abcdef.js"));
        assert!(
            !is_immutable("/pkg/cardkit/chunk_3.wasm"),
            "folder not hashed"
        );
        assert!(
            !is_immutable("/pkg/cardkit.0123456789abcde/cardkit.js"),
            "hash too short"
        );
        assert!(!is_immutable("/pkg/bundles.json"));
    }

    #[test]
    fn names_come_from_the_manifest_and_fall_back_to_the_plain_ones() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            BundleNames::read(dir.path()),
            BundleNames {
                app: "cardkit".into(),
                widget: "cardkit-widget".into()
            }
        );
        std::fs::write(
            dir.path().join("bundles.json"),
            r#"{"cardkit": "cardkit.0123456789abcdef/", "cardkit-widget": "../x.0123456789abcdef"}"#,
        )
        .unwrap();
        assert_eq!(
            BundleNames::read(dir.path()),
            BundleNames {
                app: "cardkit.0123456789abcdef/cardkit".into(),
                widget: "cardkit-widget".into()
            },
            "a name that is not a hashed base is not used"
        );
        std::fs::write(
            dir.path().join("bundles.json"),
            r#"{"cardkit": "../../etc/", "cardkit-widget": "cardkit-widget.0123456789abcdef"}"#,
        )
        .unwrap();
        assert_eq!(
            BundleNames::read(dir.path()),
            BundleNames {
                app: "cardkit".into(),
                widget: "cardkit-widget.0123456789abcdef".into()
            },
            "a folder that is not a hashed base is not used"
        );
    }
}
