//! The embeddable widget: a card-creation form and a live status tracker, served in an iframe at
//! `/widget/frame` and hydrated by its own small bundle (`frontend` built with `widget`), which
//! carries none of the dashboard's code.

mod active_card;
mod failed_card;
#[cfg(feature = "hydrate")]
mod live_status;
mod partner;
#[cfg(feature = "ssr")]
mod shell;
mod tracker;

use std::sync::{
    atomic::{AtomicI64, Ordering},
    Arc,
};

use leptos::{either::Either, prelude::*};

use crate::{
    api::widget::{widget_create_card, WidgetContext, WidgetStart},
    components::card_form_view::CardFormView,
    domain::{card_form::CardForm, widget_boot::WidgetBoot, widget_card::WidgetCard},
};
#[cfg(feature = "ssr")]
pub use shell::{widget_shell, FrameOpening, WIDGET_BUNDLE_NAME};
use tracker::Tracker;

/// What every part of the widget needs to reach the server and the partner page.
#[derive(Clone, Debug)]
pub(crate) struct WidgetEnv {
    pub session: String,
    pub parent_origin: Option<String>,
}

/// Which screen the widget shows: the form, or the tracker of the card just made (or resumed).
#[derive(Clone, Debug, PartialEq)]
enum Screen {
    /// `asked`: the cardholder asked for the form ("Try again", "Create another card"), so it
    /// takes the keyboard focus; `retry`: it starts with what was sent last time.
    Form {
        asked: bool,
        retry: bool,
    },
    Tracking {
        card: WidgetCard,
        announce: bool,
    },
}

/// The widget, from what the server found for its session (`start`: embedded in the page, so the
/// browser hydrates exactly what the server rendered).
#[component]
pub fn WidgetRoot(boot: WidgetBoot, start: WidgetStart) -> impl IntoView {
    provide_context(WidgetEnv {
        session: boot.session,
        parent_origin: boot.parent_origin,
    });
    let body = match start {
        Ok(context) => {
            let screen = RwSignal::new(match context.current_card.clone() {
                Some(card) => Screen::Tracking {
                    card,
                    announce: false,
                },
                None => Screen::Form {
                    asked: false,
                    retry: false,
                },
            });
            Either::Left(view! { <Screens screen context/> })
        }
        Err(message) => Either::Right(view! {
            <p class="ck-alert" role="alert" data-testid="widget-refused">{message}</p>
        }),
    };
    view! {
        <main class="ck-widget" data-testid="widget">
            <h1 class="ck-title">"Create a virtual card"</h1>
            {body}
        </main>
    }
}

/// How many more cards this session may make, as the screens keep count: one fewer for each card
/// made here, one back when a card fails and is refunded. Read when a card's result is shown, so it
/// needs no reactivity (a plain atomic keeps the bundle small).
#[derive(Clone)]
struct CardsLeft(Arc<AtomicI64>);

impl CardsLeft {
    fn any(&self) -> bool {
        self.0.load(Ordering::Relaxed) > 0
    }

    fn add(&self, change: i64) {
        self.0.fetch_add(change, Ordering::Relaxed);
    }
}

#[component]
fn Screens(screen: RwSignal<Screen>, context: WidgetContext) -> impl IntoView {
    let cards_left = CardsLeft(Arc::new(AtomicI64::new(context.cards_left)));
    provide_context(cards_left.clone());
    let context = StoredValue::new(context);
    let session = expect_context::<WidgetEnv>().session;
    // What the form sent last, so "Try again" after a failed card keeps what was typed.
    let last_sent = StoredValue::new(None::<CardForm>);
    move || match screen.get() {
        Screen::Form { asked, retry } => Either::Left(view! {
            <CardFormView
                ranges=context.with_value(|context| context.ranges.clone())
                customer_email=context.with_value(|context| context.customer_email.clone())
                filled=retry.then(|| last_sent.get_value()).flatten()
                focus_first=asked
                for_cardholder=true
                send={
                    let session = session.clone();
                    move |form: CardForm, key| {
                        last_sent.set_value(Some(form.clone()));
                        widget_create_card(session.clone(), form, key)
                    }
                }
                on_created={
                    let cards_left = cards_left.clone();
                    move |card| {
                        cards_left.add(-1);
                        screen.set(Screen::Tracking { card, announce: true })
                    }
                }
            />
        }),
        Screen::Tracking { card, announce } => Either::Right(view! {
            <Tracker card announce
                on_start_over=move |retry| screen.set(Screen::Form { asked: true, retry })/>
        }),
    }
}
