use leptos::{form::ActionForm, prelude::*};

use crate::api::{console::ConsoleSignIn, widget::error_text};

/// Email and password. Works as a plain HTML form too (the server answers with a redirect), so
/// signing in does not wait for the bundle.
#[component]
pub fn SignInPage() -> impl IntoView {
    let sign_in = ServerAction::<ConsoleSignIn>::new();
    let failure = move || {
        sign_in
            .value()
            .get()
            .and_then(Result::err)
            .map(|error| error_text(&error))
    };
    view! {
        <section class="panel console-sign-in" aria-labelledby="sign-in-heading">
            <h1 id="sign-in-heading">"Sign in to Cardkit"</h1>
            <ActionForm action=sign_in attr:data-testid="sign-in-form">
                <label for="sign-in-email">"Email"</label>
                <input
                    id="sign-in-email"
                    type="email"
                    name="email"
                    autocomplete="username"
                    required
                />
                <label for="sign-in-password">"Password"</label>
                <input
                    id="sign-in-password"
                    type="password"
                    name="password"
                    autocomplete="current-password"
                    required
                />
                <button type="submit" disabled=move || sign_in.pending().get()>
                    "Sign in"
                </button>
            </ActionForm>
            <p class="error" role="alert" data-testid="sign-in-error">
                {failure}
            </p>
        </section>
    }
}
