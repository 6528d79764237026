use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::{
    card_actions::CardActions, card_controls::CardControls, card_history::CardHistory,
    card_reveal::CardReveal, nav::ConsoleNav,
};
use crate::{
    api::{
        console_cards::{console_card, ConsoleCardAct, ConsoleCardDetail, ConsoleCardReveal},
        console_controls::ConsoleCardControls,
        widget::error_text,
    },
    domain::{calendar::format_datetime, provisioning::ProvisioningStage, CardStatus},
};

/// One card: what it is, its money, its history, and what the user's role lets them do to it.
/// Rendered on the server (the route waits for the data), so it reads with JavaScript off; the
/// card's number is never part of it (revealing asks the server from the browser).
#[component]
pub fn CardPage() -> impl IntoView {
    let params = use_params_map();
    let card_id = move || params.with(|params| params.get("card_id").unwrap_or_default());
    let detail = super::page_data::page_data(card_id, console_card);
    // Lives above the card's view, which is drawn anew on every read: an action's answer (a
    // refusal's sentence) outlives the read that follows it. Every answer re-reads the card, so
    // what is shown is what the core holds.
    let act = ServerAction::<ConsoleCardAct>::new();
    // So is a revealed number: a change arriving on the stream re-reads and redraws the card,
    // and must not take the number away from the person reading it.
    let reveal = ServerAction::<ConsoleCardReveal>::new();
    let save_controls = ServerAction::<ConsoleCardControls>::new();
    Effect::new(move |_| {
        if act.version().get() + save_controls.version().get() > 0 {
            detail.refetch();
        }
    });
    // In the browser: read the card again whenever the server says it changed. The first event
    // of a stream is the card as it is now, which the page already shows from the server; a
    // read more costs little and keeps the code simple.
    #[cfg(feature = "hydrate")]
    {
        // Owned by the effect: the stream closes when the page goes (the effect is dropped)
        // or follows another card when the route's id changes.
        let live = std::cell::RefCell::new(None);
        Effect::new(move |_| {
            let url = super::live_stream::card_url(&card_id());
            live.replace(super::live_stream::follow(&url, move || detail.refetch()));
        });
    }
    view! {
        <ConsoleNav current="/console/cards"/>
        // A transition: while the card is read again, the page keeps showing it (no flash of
        // "Loading…", no focus lost).
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                detail
                    .get()
                    .map(|answer| match answer {
                        Ok(detail) => {
                            view! { <CardDetail detail act reveal save_controls/> }.into_any()
                        }
                        Err(error) => {
                            view! {
                                <h1>"Card"</h1>
                                <p class="error" role="alert">
                                    {error_text(&error)}
                                </p>
                            }
                                .into_any()
                        }
                    })
            }}
        </Transition>
    }
}

#[component]
fn CardDetail(
    detail: ConsoleCardDetail,
    act: ServerAction<ConsoleCardAct>,
    reveal: ServerAction<ConsoleCardReveal>,
    save_controls: ServerAction<ConsoleCardControls>,
) -> impl IntoView {
    let card = detail.card.clone();
    let available = detail.available();
    let holder = format!("{} {}", card.first_name, card.last_name);
    let number = card
        .last4
        .as_ref()
        .map(|last4| format!("{} •••• {last4}", card.brand))
        .unwrap_or_else(|| "No number yet".to_owned());
    let expiry = match (card.exp_month, card.exp_year) {
        (Some(month), Some(year)) => format!("{month:02}/{year}"),
        _ => "—".to_owned(),
    };
    view! {
        <h1>{holder}</h1>
        <p class="card-summary">
            <span class="status-badge" data-testid="card-status" aria-live="polite">
                {card.status.code()}
            </span>
            " " {number} " · expires " {expiry}
        </p>
        <section class="panel" aria-labelledby="balances-heading">
            <h2 id="balances-heading">"Money"</h2>
            <dl class="status balances">
                <dt>"Balance"</dt>
                <dd data-testid="card-balance">{card.balance.to_string()}</dd>
                <dt>"Held by pending purchases"</dt>
                <dd>{detail.holds.to_string()}</dd>
                <dt>"Available"</dt>
                <dd data-testid="card-available">{available.to_string()}</dd>
                <dt>"Deposited (with top-ups)"</dt>
                <dd>{card.deposit.to_string()}</dd>
                <dt>"Spent"</dt>
                <dd>{card.consume.to_string()}</dd>
                <dt>"Fees"</dt>
                <dd>{card.fees.to_string()}</dd>
                <dt>"Returned to the wallet"</dt>
                <dd>{card.returned.to_string()}</dd>
            </dl>
        </section>
        <CardActions detail=detail.clone() act/>
        <CardReveal detail=detail.clone() reveal/>
        <section class="panel" aria-labelledby="about-heading">
            <h2 id="about-heading">"About this card"</h2>
            <dl class="status">
                <dt>"Card id"</dt>
                <dd>{card.card_id.to_string()}</dd>
                <dt>"Order number"</dt>
                <dd>{card.order_no.clone()}</dd>
                <dt>"Customer"</dt>
                <dd>{card.customer_email.clone().unwrap_or_else(|| "—".to_owned())}</dd>
                <dt>"Card range"</dt>
                <dd>{card.range_id.clone()}</dd>
                <dt>"Created (UTC)"</dt>
                <dd>{format_datetime(card.created_at_ms)}</dd>
            </dl>
            {card
                .failure_reason
                .clone()
                .map(|reason| view! { <p class="error">"Provisioning failed: " {reason}</p> })}
        </section>
        <Timeline detail=detail.clone()/>
        <CardControls detail=detail.clone() save=save_controls/>
        <CardHistory detail/>
    }
}

/// The card's way through provisioning and after, as its events recorded it.
#[component]
fn Timeline(detail: ConsoleCardDetail) -> impl IntoView {
    let card = detail.card;
    let reached = |stage: ProvisioningStage| {
        card.events
            .iter()
            .find(|event| event.stage == stage)
            .map(|event| event.at_ms)
    };
    let stages = ProvisioningStage::ALL.map(|stage| (stage, reached(stage)));
    // After provisioning: every later change (frozen, deleted, failed), the activation itself
    // being the "Activated" step above.
    let mut activation_shown = false;
    let later: Vec<_> = card
        .events
        .iter()
        .filter(|event| !event.status.is_provisioning())
        .filter(|event| {
            let first_activation = event.status == CardStatus::Active && !activation_shown;
            activation_shown |= first_activation;
            !first_activation
        })
        .map(|event| (event.status, event.at_ms))
        .collect();
    view! {
        <section class="panel" aria-labelledby="timeline-heading">
            <h2 id="timeline-heading">"Timeline"</h2>
            <ol class="timeline" data-testid="card-timeline">
                {stages
                    .into_iter()
                    .map(|(stage, at)| {
                        let done = at.is_some();
                        view! {
                            <li class:done=done>
                                <span class="step-name">{stage.label()}</span>
                                " "
                                <span class="muted">
                                    {at.map(format_datetime).unwrap_or_else(|| "not yet".to_owned())}
                                </span>
                            </li>
                        }
                    })
                    .collect_view()}
                {later
                    .into_iter()
                    .map(|(status, at)| {
                        view! {
                            <li class="done">
                                <span class="step-name">{status.text()}</span>
                                " "
                                <span class="muted">{format_datetime(at)}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </section>
    }
}
