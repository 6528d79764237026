use leptos::{form::ActionForm, prelude::*};
use leptos_router::hooks::use_query_map;

use super::{nav::ConsoleNav, scroll_table::ScrollTable};
use crate::{
    api::{
        console_callbacks::{
            console_callbacks, ConsoleResendAbandoned, ConsoleResendCallback, ConsoleRotateSecret,
            ConsoleSendTestEvent, ConsoleSigningSecret,
        },
        widget::error_text,
    },
    domain::{
        calendar::format_datetime,
        callback_log::{CallbackLogView, CallbackMessage, CardEventLine},
        console_card::{CallbackAttempt, DeliveryState},
    },
};

type Params = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Every callback message the merchant's cards produced, newest first, with each attempt's time,
/// answer, latency and the start of the receiver's reply; resending; a test event to any URL; and
/// the signing secret. The filters are a plain GET form, so they work and link with JavaScript off.
#[component]
pub fn CallbacksPage() -> impl IntoView {
    let params = use_query_map();
    let raw = move || -> Params {
        params.with(|params| {
            (
                params.get("card"),
                params.get("state"),
                params.get("from"),
                params.get("to"),
                params.get("before"),
            )
        })
    };
    let page = super::page_data::page_data(raw, |(card, state, from, to, before)| {
        console_callbacks(card, state, from, to, before)
    });
    let resend = ServerAction::<ConsoleResendCallback>::new();
    let resend_abandoned = ServerAction::<ConsoleResendAbandoned>::new();
    Effect::new(move |_| {
        if resend.version().get() + resend_abandoned.version().get() > 0 {
            page.refetch();
        }
    });
    let failure = move || {
        resend
            .value()
            .get()
            .and_then(Result::err)
            .map(|error| error_text(&error))
    };
    view! {
        <ConsoleNav current="/console/callbacks"/>
        <h1>"Callbacks"</h1>
        <p class="muted">
            "Every status callback your cards sent, with each attempt. A resent message keeps its "
            <code>"webhook-id"</code> ", so a receiver that already has it can tell."
        </p>
        <Filters raw=raw()/>
        <p class="error" role="alert" data-testid="callbacks-error">
            {failure}
        </p>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                page.get()
                    .map(|answer| match answer {
                        Ok(log) => view! { <Messages log raw=raw() resend/> }.into_any(),
                        Err(error) => {
                            view! { <p class="error" role="alert">{error_text(&error)}</p> }
                                .into_any()
                        }
                    })
            }}
        </Suspense>
        <ResendAbandoned resend_abandoned/>
        <TestEvent/>
        <SigningSecret/>
    }
}

#[component]
fn Filters(raw: Params) -> impl IntoView {
    let (card, state, from, to, _) = raw;
    let state = state.unwrap_or_default();
    view! {
        <form method="get" action="/console/callbacks" class="console-filters" role="search" aria-label="Filter callbacks">
            <label for="callbacks-card">"Card id"</label>
            <input id="callbacks-card" name="card" value=card.unwrap_or_default() autocomplete="off"/>
            <label for="callbacks-state">"State"</label>
            <select id="callbacks-state" name="state">
                <option value="" selected=state.is_empty()>
                    "Any"
                </option>
                {DeliveryState::ALL
                    .into_iter()
                    .map(|choice| {
                        view! {
                            <option value=choice.code() selected=choice.code() == state>
                                {choice.label()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <label for="callbacks-from">"From (UTC day)"</label>
            <input id="callbacks-from" name="from" type="date" value=from.unwrap_or_default()/>
            <label for="callbacks-to">"To (UTC day)"</label>
            <input id="callbacks-to" name="to" type="date" value=to.unwrap_or_default()/>
            <button type="submit">"Show"</button>
        </form>
    }
}

fn attempt_text(attempt: &CallbackAttempt) -> String {
    let answer = match (&attempt.status_code, &attempt.error) {
        (Some(status), _) => format!("HTTP {status}"),
        (None, Some(error)) => error.clone(),
        (None, None) => "no answer".to_owned(),
    };
    format!(
        "{} UTC · {answer} · {} ms",
        format_datetime(attempt.at_ms),
        attempt.duration_ms
    )
}

fn state_text(message: &CallbackMessage) -> String {
    match (message.state, message.next_attempt_at_ms) {
        (DeliveryState::Retrying, Some(next)) => {
            format!("Retrying, next attempt {} UTC", format_datetime(next))
        }
        // A card's messages go out in order: a new one waits for the card's earlier ones.
        (DeliveryState::Pending, _) => "Pending (after the card's earlier messages)".to_owned(),
        (state, _) => state.label().to_owned(),
    }
}

#[component]
fn Messages(
    log: CallbackLogView,
    raw: Params,
    resend: ServerAction<ConsoleResendCallback>,
) -> impl IntoView {
    let overlap = log.previous_secret_until_ms.map(|until| {
        view! {
            <p class="muted" data-testid="secret-overlap">
                "Messages are signed with the new secret and the previous one until "
                {format_datetime(until)} " UTC."
            </p>
        }
    });
    let events = log.card_events.map(|lines| view! { <CardEvents lines/> });
    if log.messages.is_empty() {
        return view! {
            {overlap}
            {events}
            <p class="muted" data-testid="callbacks-empty">"No callback messages match."</p>
        }
        .into_any();
    }
    let older = log.older.map(|before| {
        let (card, state, from, to, _) = raw;
        let mut link = format!("/console/callbacks?before={before}");
        for (name, value) in [("card", card), ("state", state), ("from", from), ("to", to)] {
            if let Some(value) = value.filter(|value| !value.is_empty()) {
                link.push_str(&format!("&{name}={}", super::encode_query(&value)));
            }
        }
        view! {
            <p>
                <a href=link rel="next">"Older messages →"</a>
            </p>
        }
    });
    view! {
        {overlap}
        {events}
        <ScrollTable label="Callback messages" caption="Newest first" testid="callbacks">
            <thead>
                <tr>
                    <th scope="col">"Created (UTC)"</th>
                    <th scope="col">"Card"</th>
                    <th scope="col">"Event"</th>
                    <th scope="col">"State"</th>
                    <th scope="col">"Attempts"</th>
                    <th scope="col">"Resend"</th>
                </tr>
            </thead>
            <tbody>
                {log
                    .messages
                    .into_iter()
                    .map(|message| view! { <MessageRow message resend/> })
                    .collect_view()}
            </tbody>
        </ScrollTable>
        {older}
    }
    .into_any()
}

/// A card's events in sequence order, each beside the message it produced (or why none): what
/// the receiver got, in what order, and what it has not got yet.
#[component]
fn CardEvents(lines: Vec<CardEventLine>) -> impl IntoView {
    view! {
        <ScrollTable label="The card's events" caption="The card's events, in sequence order" testid="card-events">
            <thead>
                <tr>
                    <th scope="col">"Sequence"</th>
                    <th scope="col">"When (UTC)"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Stage"</th>
                    <th scope="col">"Callback"</th>
                </tr>
            </thead>
            <tbody>
                {lines
                    .into_iter()
                    .map(|line| {
                        let callback = match (line.message, line.no_message) {
                            (Some((id, state)), _) => format!("{} ({id})", state.label()),
                            (None, Some(why)) => why,
                            (None, None) => String::new(),
                        };
                        view! {
                            <tr data-sequence=line.event.seq.to_string()>
                                <td>{line.event.seq}</td>
                                <td>{format_datetime(line.event.at_ms)}</td>
                                <td>{line.event.status.code()}</td>
                                <td>{line.event.stage.label()}</td>
                                <td>{callback}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </ScrollTable>
    }
    .into_any()
}

#[component]
fn MessageRow(
    message: CallbackMessage,
    resend: ServerAction<ConsoleResendCallback>,
) -> impl IntoView {
    let card = message.card_id.to_string();
    let event = format!(
        "{} #{} → {}",
        message.event_type, message.sequence, message.reported_status
    );
    let state = state_text(&message);
    let resend_label = format!("Resend message {}", message.message_id);
    let row_mark = message.message_id.clone();
    let shown_id = message.message_id.clone();
    let state_code = message.state.code();
    let attempts = message
        .attempts
        .iter()
        .map(|attempt| {
            let body = attempt
                .response_body
                .clone()
                .filter(|body| !body.is_empty())
                .map(|body| {
                    view! {
                        <details>
                            <summary>"Answer"</summary>
                            <pre class="response-body">{body}</pre>
                        </details>
                    }
                });
            view! { <li>{attempt_text(attempt)} {body}</li> }
        })
        .collect_view();
    view! {
        <tr data-message=row_mark data-state=state_code>
            <td>{format_datetime(message.created_at_ms)}</td>
            <td>
                <a href=format!("/console/cards/{card}")>{card.clone()}</a>
            </td>
            <td>
                {event} <br/> <code class="muted">{shown_id}</code>
            </td>
            <td data-testid="callback-state">{state}</td>
            <td>
                <ol class="attempts">{attempts}</ol>
            </td>
            <td>
                <ActionForm action=resend>
                    <input type="hidden" name="message_id" value=message.message_id/>
                    <button type="submit" class="secondary" aria-label=resend_label data-testid="resend">
                        "Resend"
                    </button>
                </ActionForm>
            </td>
        </tr>
    }
    .into_any()
}

#[component]
fn ResendAbandoned(resend_abandoned: ServerAction<ConsoleResendAbandoned>) -> impl IntoView {
    let answer = move || {
        resend_abandoned.value().get().map(|answer| match answer {
            Ok(count) => {
                view! { <p role="status">{format!("{count} abandoned message(s) sent again.")}</p> }
                    .into_any()
            }
            Err(error) => {
                view! { <p class="error" role="alert">{error_text(&error)}</p> }.into_any()
            }
        })
    };
    view! {
        <section class="panel" aria-labelledby="resend-abandoned-heading">
            <h2 id="resend-abandoned-heading">"Resend abandoned messages"</h2>
            <p class="muted">"Every message that ran out of retries and was created within these UTC days goes out again."</p>
            <ActionForm action=resend_abandoned attr:class="money-form">
                <label for="abandoned-from">"First day"</label>
                <input id="abandoned-from" name="from" type="date" required/>
                <label for="abandoned-to">"Last day"</label>
                <input id="abandoned-to" name="to" type="date" required/>
                <button type="submit" disabled=move || resend_abandoned.pending().get()>
                    "Resend abandoned"
                </button>
            </ActionForm>
            <div aria-live="polite">{answer}</div>
        </section>
    }
}

#[component]
fn TestEvent() -> impl IntoView {
    let send = ServerAction::<ConsoleSendTestEvent>::new();
    let answer = move || {
        send.value().get().map(|answer| match answer {
            Ok(answer) => {
                let outcome = match (answer.status_code, answer.error) {
                    (Some(status), _) => format!("HTTP {status} in {} ms", answer.duration_ms),
                    (None, Some(error)) => format!("{error} (after {} ms)", answer.duration_ms),
                    (None, None) => "No answer".to_owned(),
                };
                view! {
                    <p data-testid="test-event-outcome">{outcome}</p>
                    {answer.response_body.filter(|body| !body.is_empty()).map(|body| view! { <pre class="response-body">{body}</pre> })}
                }
                .into_any()
            }
            Err(error) => view! { <p class="error" role="alert">{error_text(&error)}</p> }.into_any(),
        })
    };
    view! {
        <section class="panel" aria-labelledby="test-event-heading">
            <h2 id="test-event-heading">"Send a test event"</h2>
            <p class="muted">
                "A signed message of type " <code>"test"</code>
                " to any URL a callback may use (public https or http addresses only)."
            </p>
            <ActionForm action=send attr:class="money-form">
                <label for="test-event-url">"URL"</label>
                <input id="test-event-url" name="url" type="url" required placeholder="https://example.com/hooks"/>
                <button type="submit" disabled=move || send.pending().get()>
                    "Send test event"
                </button>
            </ActionForm>
            <div aria-live="polite">{answer}</div>
        </section>
    }
}

/// The signing secret, shown only on request (never in the page as served), and its rotation.
#[component]
fn SigningSecret() -> impl IntoView {
    let show = ServerAction::<ConsoleSigningSecret>::new();
    let rotate = ServerAction::<ConsoleRotateSecret>::new();
    let shown = move || {
        let rotated = rotate.value().get();
        if let Some(answer) = rotated {
            return Some(match answer {
                Ok(rotated) => view! {
                    <p>
                        "New secret: " <code data-testid="signing-secret">{rotated.secret}</code>
                    </p>
                    <p class="muted">
                        "The previous secret signs every message too until "
                        {format_datetime(rotated.previous_until_ms)}
                        " UTC, so receivers can switch without missing one."
                    </p>
                }
                .into_any(),
                Err(error) => {
                    view! { <p class="error" role="alert">{error_text(&error)}</p> }.into_any()
                }
            });
        }
        show.value().get().map(|answer| match answer {
            Ok(secret) => view! {
                <p>
                    "Secret: " <code data-testid="signing-secret">{secret}</code>
                </p>
            }
            .into_any(),
            Err(error) => {
                view! { <p class="error" role="alert">{error_text(&error)}</p> }.into_any()
            }
        })
    };
    view! {
        <section class="panel" aria-labelledby="signing-secret-heading">
            <h2 id="signing-secret-heading">"Signing secret"</h2>
            <p class="muted">
                "Messages carry a Standard Webhooks signature (" <code>"webhook-signature: v1,…"</code>
                ") made with this secret."
            </p>
            <div class="inline-form">
                <ActionForm action=show>
                    <button type="submit" class="secondary">
                        "Show secret"
                    </button>
                </ActionForm>
                <details class="danger-zone">
                    <summary>"Rotate…"</summary>
                    <p>"A new secret signs from now on; the current one signs beside it for 24 hours."</p>
                    <ActionForm action=rotate>
                        <button type="submit" class="danger" data-testid="rotate-secret">
                            "Rotate secret"
                        </button>
                    </ActionForm>
                </details>
            </div>
            <div aria-live="polite">{shown}</div>
        </section>
    }
}
