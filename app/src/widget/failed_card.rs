//! The end of a failed run: why, and that the deposit went back in full.

use leptos::prelude::*;

use crate::domain::widget_card::WidgetCard;

#[component]
pub(super) fn FailedCard(card: WidgetCard, on_start_over: Callback<()>) -> impl IntoView {
    let stage = card.stage.label();
    let reason = card
        .failure_reason
        .clone()
        .unwrap_or_else(|| "The card issuer declined the card.".to_owned());
    view! {
        <div class="ck-result ck-result-failed" data-testid="card-failed" role="alert">
            <p class="ck-alert">{format!("The card could not be created (at “{stage}”).")}</p>
            <p data-testid="failure-reason">{format!("Reason: {reason}")}</p>
            <p data-testid="refunded">
                {format!("The deposit of {} was refunded in full.", card.refunded)}
            </p>
            <button type="button" class="ck-primary" on:click=move |_| on_start_over.run(())>
                "Try again"
            </button>
        </div>
    }
}
