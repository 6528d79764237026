use leptos::{form::ActionForm, prelude::*};

use crate::api::{
    console_cards::{ConsoleCardDetail, ConsoleCardReveal},
    widget::error_text,
};

/// Shows the card's number and CVC to an owner or admin who asks. The number comes from a server
/// function call made by the browser and lives only in this page's memory: it is never in the
/// server-rendered page, a URL, or a log. When the sign-in is more than a few minutes old, the
/// password is asked again. Every reveal is written to the audit log.
#[component]
pub fn CardReveal(
    detail: ConsoleCardDetail,
    reveal: ServerAction<ConsoleCardReveal>,
) -> impl IntoView {
    if !detail.user.role.may_reveal() || !detail.card.status.has_card_details() {
        return ().into_any();
    }
    let revealed = move || reveal.value().get().and_then(Result::ok);
    let failure = move || {
        reveal
            .value()
            .get()
            .and_then(Result::err)
            .map(|error| error_text(&error))
    };
    let asked_for_password = move || failure().is_some_and(|text| text.contains("password"));
    let asked_for_code = move || failure().is_some_and(|text| text.contains("code"));
    let needs_password = detail.reveal_needs_password;
    let needs_code = detail.reveal_needs_code;
    let card_id = detail.card.card_id.to_string();
    view! {
        <section class="panel" aria-labelledby="reveal-heading">
            <h2 id="reveal-heading">"Card number"</h2>
            <noscript>
                <p class="muted">
                    "Seeing the card's number needs JavaScript: the number is never put in a page."
                </p>
            </noscript>
            <Show
                when=move || revealed().is_some()
                fallback=move || {
                    let card_id = card_id.clone();
                    view! {
                        <ActionForm action=reveal attr:class="reveal-form">
                            <input type="hidden" name="card_id" value=card_id/>
                            <Show when=move || needs_password || asked_for_password()>
                                <label for="reveal-password">
                                    "Your password (asked again when you signed in more than 5 minutes ago)"
                                </label>
                                <input
                                    id="reveal-password"
                                    type="password"
                                    name="password"
                                    autocomplete="current-password"
                                    required
                                />
                            </Show>
                            <Show when=move || needs_code || asked_for_code()>
                                <label for="reveal-code">"Code from your authenticator app"</label>
                                <input
                                    id="reveal-code"
                                    name="code"
                                    inputmode="numeric"
                                    autocomplete="one-time-code"
                                    required
                                />
                            </Show>
                            <button
                                type="submit"
                                class="secondary"
                                disabled=move || reveal.pending().get()
                                data-testid="reveal"
                            >
                                "Show number and CVC"
                            </button>
                        </ActionForm>
                    }
                }
            >
                <dl class="status revealed" data-testid="revealed">
                    <dt>"Number"</dt>
                    <dd data-testid="revealed-number">
                        {move || revealed().map(|card| card.number).unwrap_or_default()}
                    </dd>
                    <dt>"CVC"</dt>
                    <dd data-testid="revealed-cvc">
                        {move || revealed().map(|card| card.cvc).unwrap_or_default()}
                    </dd>
                </dl>
                <button
                    type="button"
                    class="secondary"
                    on:click=move |_| reveal.value().set(None)
                    data-testid="hide-number"
                >
                    "Hide"
                </button>
            </Show>
            <p class="error" role="alert" data-testid="reveal-error">
                {failure}
            </p>
        </section>
    }
    .into_any()
}
