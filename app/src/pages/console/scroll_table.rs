use leptos::prelude::*;

/// A console table in a box that scrolls sideways on a narrow screen instead of widening the
/// page. The box is a named, focusable region, so a keyboard can scroll it too (axe:
/// scrollable-region-focusable).
#[component]
pub fn ScrollTable(
    /// The region's name for assistive technology.
    label: &'static str,
    #[prop(into)] caption: String,
    testid: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label=label>
            <table class="console-table" data-testid=testid>
                <caption>{caption}</caption>
                {children()}
            </table>
        </div>
    }
}
