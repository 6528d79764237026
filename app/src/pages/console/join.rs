use leptos::{form::ActionForm, prelude::*};
use leptos_router::hooks::use_query_map;

use crate::api::{console_team::ConsoleAcceptInvitation, widget::error_text};

/// Where an invitation link leads: the new member chooses a password and is signed in. A plain
/// form too, so it works before (or without) the bundle.
#[component]
pub fn JoinPage() -> impl IntoView {
    let params = use_query_map();
    let token = move || params.with(|params| params.get("token").unwrap_or_default());
    let accept = ServerAction::<ConsoleAcceptInvitation>::new();
    let failure = move || {
        accept
            .value()
            .get()
            .and_then(Result::err)
            .map(|error| error_text(&error))
    };
    view! {
        <section class="panel console-sign-in" aria-labelledby="join-heading">
            <h1 id="join-heading">"Join your team on Cardkit"</h1>
            <ActionForm action=accept attr:data-testid="join-form">
                <input type="hidden" name="token" value=token/>
                <label for="join-password">"Choose a password (at least 12 characters)"</label>
                <input
                    id="join-password"
                    type="password"
                    name="password"
                    autocomplete="new-password"
                    minlength="12"
                    required
                />
                <button type="submit" disabled=move || accept.pending().get()>
                    "Join"
                </button>
            </ActionForm>
            <p class="error" role="alert" data-testid="join-error">
                {failure}
            </p>
        </section>
    }
}
