//! On the server: names the files a split part of the console needs in the page's `<head>`, so
//! the browser fetches them beside the main bundle instead of after it has started, and names
//! what the merchant will need next for the browser to fetch when it is idle.
//!
//! Leptos preloads a lazy function's files itself, but records the function in a context it
//! provides only once rendering has begun: measured here, an async page named its files on some
//! requests and not others. This does it while the route renders, from the split manifest that
//! `HydrationScripts` reads.

use leptos::{prelude::*, WasmSplitManifest};
use leptos_meta::Link;

/// Has the browser fetch the files of the split point `split` (a `#[lazy]` function's name, as
/// `console_view`) at once: the page cannot be interactive without them.
pub fn preload_split(split: &str) {
    link_split_files(split, "preload");
}

/// Has the browser fetch the files of `split` when it has nothing else to do, for a page that
/// comes next. The files are kept for a year (hashed names), so the next page finds them cached.
pub fn prefetch_split(split: &str) {
    link_split_files(split, "prefetch");
}

/// One `<link rel=…>` in the page's head for each file of `split`.
fn link_split_files(split: &str, rel: &'static str) {
    for href in split_files(split) {
        // Rendered for their side effect: on the server, `to_html` on a meta component hands it
        // to the page's head instead of returning markup.
        let _ = view! {
            <Link rel href as_="fetch" type_="application/wasm" crossorigin="anonymous"/>
        }
        .to_html();
    }
}

/// The addresses of the WASM files `split` needs (its own and the chunks it shares), or none
/// when the bundle is not split (no manifest, as in the server's own tests).
fn split_files(split: &str) -> Vec<String> {
    let Some(manifest) = use_context::<WasmSplitManifest>() else {
        return Vec::new();
    };
    let Some(manifest) = manifest.0.try_read_value() else {
        return Vec::new();
    };
    let (pkg_path, splits, _) = &*manifest;
    splits
        .iter()
        .find(|(name, _)| names_split(name, split))
        .map(|(_, modules)| {
            modules
                .iter()
                .map(|module| format!("{pkg_path}/{module}.wasm"))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the manifest's key `name` is the split point `split`: Leptos names it after the
/// function and a hash of where it is written (`console_view_1234567890`).
fn names_split(name: &str, split: &str) -> bool {
    name.strip_prefix(split)
        .and_then(|rest| rest.strip_prefix('_'))
        .is_some_and(|hash| !hash.is_empty() && hash.bytes().all(|byte| byte.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::names_split;

    #[test]
    fn a_split_point_is_found_by_its_function_name() {
        assert!(names_split(
            "console_view_15931553456478357648",
            "console_view"
        ));
        assert!(!names_split("signed_out_view_1590529118", "console_view"));
        assert!(!names_split("console_view_extra_1", "console_view"));
        assert!(!names_split("console_view_", "console_view"));
    }
}
