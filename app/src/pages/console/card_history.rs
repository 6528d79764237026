use leptos::prelude::*;

use super::ledger_text::{entry_label, signed};
use super::scroll_table::ScrollTable;
use crate::{api::console_cards::ConsoleCardDetail, domain::calendar::format_datetime};

/// The card's statement (its ledger entries), its purchases and the callbacks sent about it, and
/// its spend controls: the card's whole story, oldest first.
#[component]
pub fn CardHistory(detail: ConsoleCardDetail) -> impl IntoView {
    view! {
        <Statement detail=detail.clone()/>
        <Purchases detail=detail.clone()/>
        <Controls detail=detail.clone()/>
        <Callbacks detail/>
    }
}

#[component]
fn Statement(detail: ConsoleCardDetail) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="statement-heading">
            <h2 id="statement-heading">"Statement"</h2>
            <ScrollTable label="Statement" caption="Money on and off the card, oldest first" testid="statement">
                    <thead>
                        <tr>
                            <th scope="col">"When (UTC)"</th>
                            <th scope="col">"What"</th>
                            <th scope="col">"Reference"</th>
                            <th scope="col">"Amount"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {detail
                            .statement
                            .into_iter()
                            .map(|line| {
                                view! {
                                    <tr>
                                        <td>{format_datetime(line.at_ms)}</td>
                                        <td>{entry_label(line.kind)}</td>
                                        <td>{line.reference}</td>
                                        <td class="number">{signed(line.amount)}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </ScrollTable>
        </section>
    }
}

#[component]
fn Purchases(detail: ConsoleCardDetail) -> impl IntoView {
    if detail.authorizations.is_empty() {
        return view! {
            <section class="panel" aria-labelledby="purchases-heading">
                <h2 id="purchases-heading">"Purchases"</h2>
                <p class="muted">"No purchases yet."</p>
            </section>
        }
        .into_any();
    }
    view! {
        <section class="panel" aria-labelledby="purchases-heading">
            <h2 id="purchases-heading">"Purchases"</h2>
            <ScrollTable label="Purchases" caption="Authorizations, newest first" testid="purchases">
                    <thead>
                        <tr>
                            <th scope="col">"When (UTC)"</th>
                            <th scope="col">"Merchant"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Amount"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {detail
                            .authorizations
                            .into_iter()
                            .map(|authorization| {
                                let status = match &authorization.decline_reason {
                                    Some(reason) => {
                                        format!("{} ({reason})", authorization.status.code())
                                    }
                                    None => authorization.status.code().to_owned(),
                                };
                                view! {
                                    <tr>
                                        <td>{format_datetime(authorization.created_at_ms)}</td>
                                        <td>{authorization.merchant_name}</td>
                                        <td>{status}</td>
                                        <td class="number">
                                            {format!("{} {}", authorization.amount, authorization.currency)}
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </ScrollTable>
        </section>
    }
    .into_any()
}

#[component]
fn Controls(detail: ConsoleCardDetail) -> impl IntoView {
    let Some(controls) = detail.controls else {
        return ().into_any();
    };
    let currencies = if controls.allowed_currencies.is_empty() {
        "Any".to_owned()
    } else {
        controls.allowed_currencies.join(", ")
    };
    view! {
        <section class="panel" aria-labelledby="controls-heading">
            <h2 id="controls-heading">"Spend controls"</h2>
            <dl class="status" data-testid="controls">
                <dt>"Per purchase, at most"</dt>
                <dd>
                    {controls.limit_per_transaction.to_string()}
                    {controls.is_autolimit.then_some(" (follows the balance)")}
                </dd>
                {controls
                    .limits
                    .into_iter()
                    .map(|limit| {
                        view! {
                            <dt>{limit.interval.code().replace('_', " ").to_lowercase()}</dt>
                            <dd>{limit.amount.to_string()}</dd>
                        }
                    })
                    .collect_view()}
                <dt>"Currencies"</dt>
                <dd>{currencies}</dd>
            </dl>
        </section>
    }
    .into_any()
}

#[component]
fn Callbacks(detail: ConsoleCardDetail) -> impl IntoView {
    if detail.callbacks.is_empty() {
        return view! {
            <section class="panel" aria-labelledby="callbacks-heading">
                <h2 id="callbacks-heading">"Callbacks"</h2>
                <p class="muted">"No callbacks: this card was created without a callback URL."</p>
            </section>
        }
        .into_any();
    }
    view! {
        <section class="panel" aria-labelledby="callbacks-heading">
            <h2 id="callbacks-heading">"Callbacks"</h2>
            <ScrollTable label="Callbacks" caption="Status callbacks sent for this card, oldest first" testid="callbacks">
                    <thead>
                        <tr>
                            <th scope="col">"Reports"</th>
                            <th scope="col">"Delivery"</th>
                            <th scope="col">"Attempts"</th>
                            <th scope="col">"Message id"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {detail
                            .callbacks
                            .into_iter()
                            .map(|callback| {
                                let attempts = callback
                                    .attempts
                                    .iter()
                                    .map(|attempt| {
                                        let outcome = match (attempt.status_code, &attempt.error) {
                                            (Some(status), _) => format!("HTTP {status}"),
                                            (None, Some(error)) => error.clone(),
                                            (None, None) => "no answer".to_owned(),
                                        };
                                        format!(
                                            "{}: {outcome} in {} ms",
                                            format_datetime(attempt.at_ms),
                                            attempt.duration_ms,
                                        )
                                    })
                                    .collect::<Vec<_>>();
                                view! {
                                    <tr>
                                        <td>{callback.reported_status}</td>
                                        <td>{callback.state.label()}</td>
                                        <td>
                                            <ul class="plain-list">
                                                {attempts
                                                    .into_iter()
                                                    .map(|line| view! { <li>{line}</li> })
                                                    .collect_view()}
                                            </ul>
                                        </td>
                                        <td>{callback.message_id}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </ScrollTable>
        </section>
    }
    .into_any()
}
