//! Browser entry points. Built twice by `scripts/build-site.sh`: with `console` it hydrates the
//! dashboard (`App`); with `widget` it hydrates only the embeddable widget, so the bundle partner
//! sites load carries none of the dashboard's code (router, pages).

use wasm_bindgen::prelude::wasm_bindgen;

#[cfg(feature = "console")]
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // The console's pages are lazily loaded routes: hydration waits for the page's code, so it
    // runs as a task, and the page is marked hydrated only when it has finished.
    // (An error means the executor is already running, which is fine.)
    let _ = any_spawner::Executor::init_wasm_bindgen();
    leptos::task::spawn_local(async {
        let body = leptos::prelude::document()
            .body()
            .expect("a page has a body");
        leptos::mount::hydrate_from_async(body, app::App)
            .await
            .forget();
        mark_hydrated();
    });
}

#[cfg(feature = "widget")]
#[wasm_bindgen]
pub fn hydrate() {
    use app::{
        api::widget::{WidgetStart, START_ELEMENT_ID},
        domain::widget_boot::WidgetBoot,
        WidgetRoot,
    };
    use leptos::prelude::*;

    // No panic hook here: its message formatting costs the partner-facing bundle kilobytes, and
    // the dashboard's bundle keeps it for debugging the same components.
    // The same query the server rendered the page from, read by the same parser (less the
    // theme, which the server applied outside the hydrated tree), and the start the server
    // embedded in the page.
    let query = window().location().search().unwrap_or_default();
    let boot = WidgetBoot::without_theme(&query);
    let embedded = document()
        .get_element_by_id(START_ELEMENT_ID)
        .and_then(|element| element.text_content())
        .unwrap_or_default();
    // The decoder the widget's server functions use: one copy of each type's decoding.
    let start: WidgetStart = app::api::browser_json::from_json_text(&embedded)
        .unwrap_or_else(|_| Err("This card form could not start. Reload the page.".to_owned()));
    leptos::mount::hydrate_body(move || view! { <WidgetRoot boot start/> });
    mark_hydrated();
}

/// A marker the end-to-end tests wait for: event handlers are attached from here on.
#[cfg(any(feature = "console", feature = "widget"))]
fn mark_hydrated() {
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
