//! The end of a failed run: why, and that the deposit went back in full.

use leptos::prelude::*;

use super::WidgetEnv;
use crate::domain::widget_card::WidgetCard;

/// The failed step is marked in the steps above; this says why, and what became of the money.
#[component]
pub(super) fn FailedCard(
    card: WidgetCard,
    #[prop(into)] on_try_again: Callback<()>,
) -> impl IntoView {
    // The refund gave the card's place back; an ended session still has none to give.
    let again = expect_context::<WidgetEnv>().cards_left.any();
    let reason = card
        .failure_reason
        .clone()
        .unwrap_or_else(|| "The card issuer declined the card.".to_owned());
    view! {
        <div class="ck-result ck-result-failed" data-testid="card-failed" role="alert">
            <p class="ck-alert ck-icon-failed">"The card could not be created."</p>
            <p data-testid="failure-reason">{format!("Reason: {reason}")}</p>
            <p data-testid="refunded">
                {format!("The deposit of {} was refunded in full.", card.refunded)}
            </p>
            <button type="button" class="ck-primary" hidden=!again on:click=move |_| on_try_again.run(())>
                "Try again"
            </button>
        </div>
    }
}
