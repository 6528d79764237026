//! The embeddable widget: a card-creation form and a live status tracker, served in an iframe at
//! `/widget/frame` and hydrated by its own small bundle (`frontend` built with `widget`), which
//! carries none of the dashboard's code.

mod active_card;
mod failed_card;
mod identity_step;
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

use leptos::{
    either::{Either, EitherOf3},
    prelude::*,
};

use crate::{
    api::widget::{widget_create_card, WidgetContext, WidgetStart},
    components::card_form_view::{CardFormView, FormWording},
    domain::{card_form::CardForm, widget_boot::WidgetBoot, widget_card::WidgetCard},
};
use identity_step::IdentityStep;
#[cfg(feature = "ssr")]
pub use shell::{widget_shell, FrameOpening, WIDGET_BUNDLE_NAME};
use tracker::Tracker;

/// What every part of the widget needs: the way to the server and the partner page, and how many
/// cards the session may still make (one context for all, each costing the bundle its own code).
#[derive(Clone, Debug)]
pub(crate) struct WidgetEnv {
    pub session: String,
    pub parent_origin: Option<String>,
    pub cards_left: CardsLeft,
}

/// Which screen the widget shows: the form, the identity step, or the tracker of the card just
/// made (or resumed).
#[derive(Clone, Debug, PartialEq)]
enum Screen {
    /// `asked`: the cardholder asked for the form ("Try again", "Create another card"), so it
    /// takes the keyboard focus; `retry`: it starts with what was sent last time.
    Form {
        asked: bool,
        retry: bool,
        /// Send it at once (the identity it waited for was approved).
        resend: bool,
    },
    /// The deposit needs the customer's identity check: the identity step, then this form's card.
    Identity {
        form: CardForm,
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
    let cards_left = start.as_ref().map_or(0, |context| context.cards_left);
    provide_context(WidgetEnv {
        session: boot.session,
        parent_origin: boot.parent_origin,
        cards_left: CardsLeft(Arc::new(AtomicI64::new(cards_left))),
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
                    resend: false,
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
#[derive(Clone, Debug)]
pub(crate) struct CardsLeft(Arc<AtomicI64>);

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
    let WidgetEnv {
        session,
        cards_left,
        ..
    } = expect_context::<WidgetEnv>();
    let context = StoredValue::new(context);
    // What the form sent last, so "Try again" after a failed card keeps what was typed.
    let last_sent = StoredValue::new(None::<CardForm>);
    let created = {
        let cards_left = cards_left.clone();
        Callback::new(move |card| {
            cards_left.add(-1);
            screen.set(Screen::Tracking {
                card,
                announce: true,
            })
        })
    };
    move || match screen.get() {
        Screen::Form {
            asked,
            retry,
            resend,
        } => EitherOf3::A(view! {
            <CardFormView
                ranges=context.with_value(|context| context.ranges.clone())
                customer_email=context.with_value(|context| context.customer_email.clone())
                plan_names=context.with_value(|context| context.plan_names.clone())
                filled=retry.then(|| last_sent.get_value()).flatten()
                focus_first=asked
                send_at_once=resend
                wording=FormWording::CARDHOLDER
                send={
                    let session = session.clone();
                    move |form: CardForm, key| {
                        last_sent.set_value(Some(form.clone()));
                        widget_create_card(session.clone(), form, key)
                    }
                }
                on_created=created
                on_verify=move |form| screen.set(Screen::Identity { form })
            />
        }),
        Screen::Identity { form } => EitherOf3::B(view! {
            <IdentityStep form
                on_approved=move || screen.set(Screen::Form { asked: false, retry: true, resend: true })
                on_back=move || screen.set(Screen::Form { asked: true, retry: true, resend: false })/>
        }),
        Screen::Tracking { card, announce } => EitherOf3::C(view! {
            <Tracker card announce
                on_start_over=move |retry| screen.set(Screen::Form { asked: true, retry, resend: false })/>
        }),
    }
}
