use leptos::prelude::*;

use super::WidgetRoot;
use crate::{
    api::widget::{WidgetStart, START_ELEMENT_ID},
    domain::widget_boot::WidgetBoot,
};

/// Base name of the widget's own bundle (`/pkg/cardkit-widget.js`, `.wasm`, `.css`), built from
/// `frontend` with its `widget` feature by `scripts/build-site.sh`.
pub const WIDGET_BUNDLE_NAME: &str = "cardkit-widget";

/// The framed widget page. The partner's theme is applied on `<body>` as CSS variables, outside
/// the hydrated tree, so the server and the browser never disagree about it.
pub fn widget_shell(options: LeptosOptions, boot: WidgetBoot, start: WidgetStart) -> impl IntoView {
    let mut options = options;
    options.output_name = WIDGET_BUNDLE_NAME.into();
    let stylesheet = format!("/{}/{WIDGET_BUNDLE_NAME}.css", options.site_pkg_dir);
    let scheme = boot.theme.scheme_name();
    let style = boot.theme.css_variables();
    // `<` escaped, so no value can close the script element early.
    let start_json = serde_json::to_string(&start)
        .unwrap_or_else(|_| "null".to_owned())
        .replace('<', "\\u003c");
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="referrer" content="no-referrer"/>
                <title>"Create a virtual card"</title>
                <link rel="stylesheet" href=stylesheet/>
                <script type="application/json" id=START_ELEMENT_ID inner_html=start_json></script>
                <HydrationScripts options/>
            </head>
            <body data-theme=scheme style=style>
                <WidgetRoot boot start/>
            </body>
        </html>
    }
}
