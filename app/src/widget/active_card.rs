//! The end of a good run: the card's public details, and a reveal of its number and CVC that
//! stays inside the widget (never posted to the partner page, never stored in the browser).

use leptos::{either::EitherOf3, prelude::*};

use super::WidgetEnv;
use crate::{
    api::widget::{error_text, widget_reveal},
    domain::{issuing::RevealedCard, widget_card::WidgetCard},
};

#[component]
pub(super) fn ActiveCard(
    card: WidgetCard,
    #[prop(into)] on_another: Callback<()>,
) -> impl IntoView {
    let env = expect_context::<WidgetEnv>();
    let another = env.cards_left.any();
    // The secrets live in this component's memory only, while it is shown.
    let revealed = RwSignal::new(None::<Result<RevealedCard, ServerFnError>>);
    let shown = RwSignal::new(false);
    let card_id = card.card_id.clone();
    let toggle = move |_| {
        if shown.get_untracked() {
            shown.set(false);
            return;
        }
        shown.set(true);
        if revealed.with_untracked(|value| !matches!(value, Some(Ok(_)))) {
            revealed.set(None);
            let (session, card_id) = (env.session.clone(), card_id.clone());
            leptos::task::spawn_local(async move {
                revealed.set(Some(widget_reveal(session, card_id).await));
            });
        }
    };
    view! {
        <div class="ck-result ck-result-active" data-testid="card-active">
            <p class="ck-success ck-icon-done">"Active and ready to use."</p>
            <div class="ck-card-visual" data-testid="card-visual">
                <span class="ck-card-brand" data-testid="card-brand">{card.brand.clone()}</span>
                <span class="ck-mono ck-card-number" data-testid="card-masked">
                    {group_digits(card.masked_number.as_deref().unwrap_or_default())}
                </span>
                <span class="ck-card-expiry">
                    <span class="ck-muted">"Expires "</span>
                    <span data-testid="card-expiry">{card.expiry.clone().unwrap_or_default()}</span>
                </span>
                <span class="ck-card-holder" data-testid="card-holder">{card.holder.clone()}</span>
            </div>
            <dl class="ck-card-facts">
                <dt>"Balance"</dt>
                <dd data-testid="card-balance">{card.balance.to_string()}</dd>
            </dl>
            <button type="button" class="ck-secondary" data-testid="reveal" on:click=toggle
                aria-expanded=move || shown.get().to_string() aria-controls="ck-secrets">
                {move || if shown.get() { "Hide card details" } else { "Reveal card details" }}
            </button>
            <div id="ck-secrets" aria-live="polite">
                {move || {
                    if !shown.get() {
                        return None;
                    }
                    Some(match revealed.get() {
                        None => EitherOf3::A(view! { <p class="ck-muted">"Loading card details…"</p> }),
                        Some(Err(error)) => EitherOf3::B(
                            view! { <p class="ck-alert" role="alert">{error_text(&error)}</p> },
                        ),
                        Some(Ok(secrets)) => EitherOf3::C(view! {
                            <dl class="ck-card-facts ck-secrets">
                                <dt>"Card number"</dt>
                                <dd>
                                    <span class="ck-mono" data-testid="card-pan">{group_digits(&secrets.number)}</span>
                                    <CopyButton label="Copy card number" text=secrets.number.clone()/>
                                </dd>
                                <dt>"CVC"</dt>
                                <dd>
                                    <span class="ck-mono" data-testid="card-cvc">{secrets.cvc.clone()}</span>
                                    <CopyButton label="Copy CVC" text=secrets.cvc.clone()/>
                                </dd>
                            </dl>
                        }),
                    })
                }}
            </div>
            <button type="button" class="ck-link" hidden=!another
                on:click=move |_| on_another.run(())>
                "Create another card"
            </button>
        </div>
    }
}

/// `4725 9312 3456 7890`: easier to read back and to type; a masked digit (`*`) shows as `•`.
/// Written out rather than with `join`/`replace`, whose code the widget's bundle would carry.
fn group_digits(number: &str) -> String {
    let mut grouped = String::with_capacity(number.len() * 2);
    for (index, digit) in number.chars().enumerate() {
        if index > 0 && index % 4 == 0 {
            grouped.push(' ');
        }
        grouped.push(if digit == '*' { '•' } else { digit });
    }
    grouped
}

#[component]
fn CopyButton(label: &'static str, text: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let clipboard = window().navigator().clipboard();
            let _ = clipboard.write_text(&text);
            copied.set(true);
            set_timeout(move || copied.set(false), std::time::Duration::from_secs(2));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &text;
    };
    view! {
        <button type="button" class="ck-copy" aria-label=label on:click=copy>
            {move || if copied.get() { "Copied" } else { "Copy" }}
        </button>
    }
}
