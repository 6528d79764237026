use leptos::prelude::*;

use crate::api::system::SystemStatus;

/// Landing page. Its "Check system" button only works once the WASM bundle has hydrated the page:
/// the click runs a server function that asks the database for its state.
#[component]
pub fn HomePage() -> impl IntoView {
    let check = ServerAction::<CheckSystemAction>::new();
    let result = check.value();

    view! {
        <h1>"Cardkit"</h1>
        <p class="lede">"Virtual card issuing for merchants."</p>
        <p>
            <a href="/console">"Sign in to the merchant console"</a>
        </p>
        <section class="panel" aria-labelledby="system-heading">
            <h2 id="system-heading">"System"</h2>
            <button
                type="button"
                data-testid="check-system"
                disabled=move || check.pending().get()
                on:click=move |_| {
                    check.dispatch(CheckSystemAction {});
                }
            >
                "Check system"
            </button>
            <div data-testid="system-result" aria-live="polite">
                {move || match result.get() {
                    None => view! { <p class="muted">"Not checked yet."</p> }.into_any(),
                    Some(Ok(status)) => view! { <StatusReport status/> }.into_any(),
                    Some(Err(error)) => {
                        view! { <p class="error" role="alert">{format!("Check failed: {error}")}</p> }
                            .into_any()
                    }
                }}
            </div>
        </section>
    }
}

type CheckSystemAction = crate::api::system::CheckSystem;

#[component]
fn StatusReport(status: SystemStatus) -> impl IntoView {
    view! {
        <dl class="status">
            <dt>"Database"</dt>
            <dd data-testid="system-database">
                {if status.database_reachable { "reachable" } else { "not reachable" }}
            </dd>
            <dt>"Round trip"</dt>
            <dd data-testid="system-round-trip">
                {format!("{} µs", status.round_trip_micros)}
            </dd>
        </dl>
    }
}
