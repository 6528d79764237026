use leptos::prelude::*;

/// A button that puts `text` on the clipboard and says so for a moment.
#[component]
pub fn CopyText(label: &'static str, #[prop(into)] text: Signal<String>) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let _ = text.with_untracked(|text| window().navigator().clipboard().write_text(text));
            copied.set(true);
            set_timeout(move || copied.set(false), std::time::Duration::from_secs(2));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &text;
    };
    view! {
        <button type="button" class="secondary" aria-label=label on:click=copy>
            {move || if copied.get() { "Copied" } else { "Copy" }}
        </button>
    }
}
