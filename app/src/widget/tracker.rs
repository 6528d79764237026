//! The status tracker: the five provisioning steps with their times, kept live by the server's
//! event stream until the card is active or has failed.

use leptos::{either::EitherOf3, prelude::*};

use super::{active_card::ActiveCard, failed_card::FailedCard, partner, WidgetEnv};
use crate::domain::{
    calendar::format_datetime,
    widget_card::{events_between, StepState, WidgetCard},
    CardStatus,
};

#[component]
pub(super) fn Tracker(
    card: WidgetCard,
    /// Tell the partner page a card was created (not when a reload resumes one).
    announce: bool,
    #[prop(into)] on_start_over: Callback<()>,
) -> impl IntoView {
    let env = expect_context::<WidgetEnv>();
    if announce {
        partner::post_all(&env, &events_between(None, &card));
    }
    let current = RwSignal::new(card);

    #[cfg(feature = "hydrate")]
    let cards_left = expect_context::<super::CardsLeft>();
    #[cfg(feature = "hydrate")]
    Effect::new({
        let env = env.clone();
        move |started: Option<()>| {
            if started.is_some() || current.with_untracked(WidgetCard::is_settled) {
                return;
            }
            let partner_env = env.clone();
            let cards_left = cards_left.clone();
            super::live_status::follow(&env, current.get_untracked(), move |card| {
                let previous = current.get_untracked();
                partner::post_all(&partner_env, &events_between(Some(&previous), &card));
                let refunded = CardStatus::CardFailedRefund;
                if card.status == refunded && previous.status != refunded {
                    // Refunded in full: its place in the session's cap is free again.
                    cards_left.add(1);
                }
                current.set(card);
            });
        }
    });

    let announcement = move || {
        current.with(|card| match card.status {
            CardStatus::Active => "Your card is active.".to_owned(),
            CardStatus::CardFailedRefund => "Card creation failed.".to_owned(),
            _ => format!("In progress: {}.", card.stage.label()),
        })
    };

    view! {
        <section class="ck-tracker" aria-labelledby="ck-tracker-title" data-testid="tracker"
            data-status=move || current.with(|card| card.status.code())>
            <h2 id="ck-tracker-title">"Card status"</h2>
            <p class="ck-visually-hidden" aria-live="polite" data-testid="status-announcement">
                {announcement}
            </p>
            <ol class="ck-steps">
                {move || {
                    current
                        .with(WidgetCard::steps)
                        .into_iter()
                        .map(|step| {
                            let (state, detail) = match step.state {
                                StepState::Done { at_ms } => ("done", format!("Done {}", clock(at_ms))),
                                StepState::Current { since_ms } => {
                                    ("current", format!("In progress since {}", clock(since_ms)))
                                }
                                StepState::Failed { at_ms } => ("failed", format!("Failed {}", clock(at_ms))),
                                StepState::Waiting => ("waiting", "Waiting".to_owned()),
                            };
                            view! {
                                <li
                                    class=format!("ck-step ck-step-{state}")
                                    data-stage=step.stage.code()
                                    data-state=state
                                    aria-current=(state == "current").then_some("step")
                                >
                                    <span class="ck-step-mark" aria-hidden="true"></span>
                                    <span class="ck-step-label">{step.stage.label()}</span>
                                    <span class="ck-step-time">{detail}</span>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ol>
            {move || {
                let card = current.get();
                match card.status {
                    CardStatus::CardFailedRefund => EitherOf3::A(view! { <FailedCard card on_start_over/> }),
                    status if status.has_card_details() => {
                        EitherOf3::B(view! { <ActiveCard card on_start_over/> })
                    }
                    _ => EitherOf3::C(()),
                }
            }}
        </section>
    }
}

/// `10:21:03 UTC`: the same text on the server and in the browser, whatever their time zones.
fn clock(at_ms: i64) -> String {
    let datetime = format_datetime(at_ms);
    format!("{} UTC", &datetime[11..])
}
