//! Cardkit's shared application crate: the pure domain, the service ports the server implements,
//! the server functions, and the Leptos components rendered on the server and hydrated in the browser.

pub mod api;
pub mod components;
pub mod domain;
#[cfg(any(feature = "ssr", feature = "console"))]
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ports;
#[cfg(any(feature = "ssr", feature = "console"))]
mod shell;
pub mod widget;

#[cfg(any(feature = "ssr", feature = "console"))]
pub use shell::{shell, App};
pub use widget::WidgetRoot;
#[cfg(feature = "ssr")]
pub use widget::{widget_shell, FrameOpening, WIDGET_BUNDLE_NAME};

/// Name of the browser bundle (`/pkg/<name>.<hash>/<name>.js`, `_bg.wasm`, `.css`, and its lazily
/// loaded chunks). Must match `output-name` in the workspace's leptos metadata, which
/// `scripts/build-site.sh` reads; a server test checks both agree.
pub const BUNDLE_NAME: &str = "cardkit";
