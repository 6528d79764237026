//! The status tracker: the five provisioning steps with their times, kept live by the server's
//! event stream until the card is active or has failed.

use leptos::{either::EitherOf3, prelude::*};

use super::{active_card::ActiveCard, failed_card::FailedCard, partner, WidgetEnv};
use crate::{
    components::focus::focus_soon,
    domain::{
        calendar::format_datetime,
        widget_card::{events_between, StepState, WidgetCard, SESSION_CLOSED},
        CardStatus,
    },
};

/// How the stream stands, as the tracker tells the cardholder.
#[derive(Clone, Copy, PartialEq, Eq)]
// Only the browser's stream leaves `Up`: the server renders the tracker as it opens.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub(super) enum Link {
    Up,
    /// Down for a few seconds, retrying.
    Lost,
    /// The merchant closed the session: nothing more will come ([`SESSION_CLOSED`]).
    ///
    /// [`SESSION_CLOSED`]: crate::ports::SESSION_CLOSED
    Closed,
}

const TITLE_ID: &str = "ck-tracker-title";

#[component]
pub(super) fn Tracker(
    card: WidgetCard,
    /// A card just made here: tell the partner page, and move the keyboard focus to the tracker
    /// (not when a reload resumes one).
    announce: bool,
    /// Back to the form: `true` after a failed card, to try again with the same details.
    #[prop(into)]
    on_start_over: Callback<bool>,
) -> impl IntoView {
    let env = expect_context::<WidgetEnv>();
    if announce {
        partner::post_all(&env, &events_between(None, &card));
        focus_soon(TITLE_ID);
    }
    let current = RwSignal::new(card);
    // Times read in the cardholder's own zone once the browser runs the page; until then (and in
    // the server's HTML) in UTC, so hydration finds the text the server wrote.
    let local_times = RwSignal::new(false);
    // The event stream has been down for a while (say so, while it retries), or the merchant
    // closed the session (say so, instead of live updates).
    let link = RwSignal::new(Link::Up);
    Effect::new(move |_| local_times.set(true));

    #[cfg(feature = "hydrate")]
    let cards_left = env.cards_left.clone();
    #[cfg(feature = "hydrate")]
    Effect::new({
        let env = env.clone();
        move |started: Option<()>| {
            if started.is_some() || current.with_untracked(WidgetCard::is_settled) {
                return;
            }
            let partner_env = env.clone();
            let cards_left = cards_left.clone();
            let on_link = move |state| link.set(state);
            super::live_status::follow(&env, current.get_untracked(), on_link, move |card| {
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

    let heading = move || {
        current.with(|card| match card.status {
            CardStatus::CardFailedRefund => "Your card could not be created",
            status if status.has_card_details() => "Your card is ready",
            _ => "Creating your card",
        })
    };

    view! {
        <section class="ck-tracker" aria-labelledby=TITLE_ID data-testid="tracker"
            data-status=move || current.with(|card| card.status.code())>
            <h2 id=TITLE_ID tabindex="-1">{heading}</h2>
            <p class="ck-visually-hidden" aria-live="polite" data-testid="status-announcement">
                {announcement}
            </p>
            <p class="ck-muted" role="status" data-testid="link-lost">
                {move || match link.get() {
                    Link::Up => "",
                    Link::Lost => "Connection lost, retrying…",
                    Link::Closed => SESSION_CLOSED,
                }}
            </p>
            <ol class="ck-steps">
                {move || {
                    current
                        .with(WidgetCard::steps)
                        .into_iter()
                        .map(|step| {
                            let clock = |at_ms| clock(at_ms, local_times.get());
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
                    CardStatus::CardFailedRefund => EitherOf3::A(view! {
                        <FailedCard card on_try_again=move || on_start_over.run(true)/>
                    }),
                    status if status.has_card_details() => EitherOf3::B(view! {
                        <ActiveCard card on_another=move || on_start_over.run(false)/>
                    }),
                    _ => EitherOf3::C(()),
                }
            }}
        </section>
    }
}

/// `10:21:03 UTC` (the same text on the server and in the browser, whatever their zones), or with
/// `local` the time in the browser's zone and language (`10:21:03 AM`, `10:21:03`).
fn clock(at_ms: i64, local: bool) -> String {
    #[cfg(feature = "hydrate")]
    if local {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at_ms as f64));
        // "default" is a well-formed tag no locale has, so the browser falls back to its own.
        return date.to_locale_time_string("default").into();
    }
    let _ = local;
    let datetime = format_datetime(at_ms);
    format!("{} UTC", &datetime[11..])
}
