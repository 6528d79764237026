use leptos::prelude::*;

use super::WidgetRoot;
use crate::{
    api::widget::{WidgetStart, START_ELEMENT_ID},
    domain::widget_boot::WidgetBoot,
};

/// Name of the widget's own bundle (`/pkg/cardkit-widget.<hash>.js`, `_bg.wasm`, `.css`), built
/// from `frontend` with its `widget` feature by `scripts/build-site.sh`.
pub const WIDGET_BUNDLE_NAME: &str = "cardkit-widget";

/// The framed widget page, loading the bundle whose file names start with `bundle` (the build
/// content-hashes them). The partner's theme is applied on `<body>` as CSS variables, outside
/// the hydrated tree, so the server and the browser never disagree about it.
pub fn widget_shell(
    options: LeptosOptions,
    bundle: &str,
    boot: WidgetBoot,
    start: WidgetStart,
) -> impl IntoView {
    let mut options = options;
    options.output_name = bundle.into();
    let stylesheet = format!("/{}/{bundle}.css", options.site_pkg_dir);
    let scheme = boot.theme.scheme_name();
    let style = boot.theme.css_variables();
    // `<` escaped, so no value can close the script element early.
    let start_json = serde_json::to_string(&start)
        .unwrap_or_else(|_| "null".to_owned())
        .replace('<', "\\u003c");
    let resize_script = boot.parent_origin.as_deref().map(height_reporter);
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
                {resize_script.map(|script| view! { <script inner_html=script></script> })}
            </head>
            <body data-theme=scheme style=style>
                <WidgetRoot boot start/>
            </body>
        </html>
    }
}

/// A few lines of plain JavaScript, not part of the WASM bundle, so the frame is sized right from
/// its first layout: whenever the page's height changes, it is posted to the embedding page's
/// origin (`parent`, which the browser enforces as the only receiver), and `widget.js` sets the
/// iframe's height to it, so the widget never scrolls or clips inside its frame.
fn height_reporter(parent: &str) -> String {
    let origin = serde_json::to_string(parent)
        .unwrap_or_else(|_| "\"\"".to_owned())
        .replace('<', "\\u003c");
    format!(
        "(function(origin){{\
         if(!window.ResizeObserver||window.parent===window)return;\
         var root=document.documentElement,last=0;\
         new ResizeObserver(function(){{\
         var height=Math.ceil(root.getBoundingClientRect().height);\
         if(height===last)return;last=height;\
         try{{window.parent.postMessage({{source:'cardkit',event:'resize',height:height}},origin);}}catch(e){{}}\
         }}).observe(root);}})({origin});"
    )
}

#[cfg(test)]
mod tests {
    use super::height_reporter;

    #[test]
    fn the_height_reporter_cannot_be_broken_out_of_by_the_parent_origin() {
        let script = height_reporter("https://partner.example\"</script><script>alert(1)//");
        assert!(!script.contains("</script>"), "{script}");
        assert!(
            script.ends_with(
                r#"})("https://partner.example\"\u003c/script>\u003cscript>alert(1)//");"#
            ),
            "{script}"
        );
    }
}
