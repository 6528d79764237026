use leptos::{form::ActionForm, prelude::*};

use super::scroll_table::ScrollTable;
use super::{
    ledger_text::{entry_label, signed},
    nav::ConsoleNav,
};
use crate::{
    api::{
        console::{console_overview, ConsoleOverview, ConsoleSignOut, ConsoleSignOutEverywhere},
        widget::error_text,
    },
    domain::{calendar::format_datetime, console_views::WalletLine},
};

/// The merchant at a glance: its wallet and its cards by status. Rendered on the server (the
/// route waits for the data), so it reads the same with JavaScript off.
#[component]
pub fn OverviewPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| console_overview());
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                overview
                    .get()
                    .map(|answer| match answer {
                        Ok(overview) => view! { <Overview overview/> }.into_any(),
                        Err(error) => {
                            view! { <p class="error" role="alert">{error_text(&error)}</p> }
                                .into_any()
                        }
                    })
            }}
        </Suspense>
    }
}

#[component]
fn Overview(overview: ConsoleOverview) -> impl IntoView {
    let sign_out = ServerAction::<ConsoleSignOut>::new();
    let sign_out_everywhere = ServerAction::<ConsoleSignOutEverywhere>::new();
    let total = overview.total_cards();
    let user = overview.user.clone();
    view! {
        <header class="console-header">
            <p data-testid="console-user">
                {user.email.clone()} " · " {user.role.label()} " · " {user.merchant_id.to_string()}
            </p>
            <ActionForm action=sign_out>
                <button type="submit" data-testid="sign-out">"Sign out"</button>
            </ActionForm>
            <ActionForm action=sign_out_everywhere>
                <button type="submit" class="secondary">"Sign out everywhere"</button>
            </ActionForm>
        </header>
        <ConsoleNav current="/console"/>
        <h1>"Overview"</h1>
        <section class="panel" aria-labelledby="wallet-heading">
            <h2 id="wallet-heading">"Wallet"</h2>
            <p class="figure" data-testid="wallet-balance">{overview.wallet.to_string()}</p>
            <WalletLines lines=overview.recent_wallet.clone()/>
            <p>
                <a href="/console/wallet.csv" data-testid="wallet-csv" download>
                    "Download the wallet's whole statement as CSV"
                </a>
            </p>
        </section>
        <section class="panel" aria-labelledby="cards-heading">
            <h2 id="cards-heading">"Cards"</h2>
            <p>
                <a href="/console/cards" data-testid="all-cards">"All cards"</a>
            </p>
            <table class="console-table" data-testid="cards-by-status">
                <caption>
                    {match total {
                        0 => "No cards yet.".to_owned(),
                        1 => "1 card, by status".to_owned(),
                        total => format!("{total} cards, by status"),
                    }}
                </caption>
                <thead>
                    <tr>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Cards"</th>
                    </tr>
                </thead>
                <tbody>
                    {overview
                        .cards_by_status
                        .into_iter()
                        .map(|(status, count)| {
                            view! {
                                <tr>
                                    <th scope="row">{status.code().to_owned()}</th>
                                    <td>{count}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// The wallet's newest statement lines.
#[component]
fn WalletLines(lines: Vec<WalletLine>) -> impl IntoView {
    if lines.is_empty() {
        return view! { <p class="muted">"No money has moved yet."</p> }.into_any();
    }
    view! {
        <ScrollTable label="Wallet statement" caption="Latest money in and out of the wallet, newest first" testid="wallet-lines">
                <thead>
                    <tr>
                        <th scope="col">"When (UTC)"</th>
                        <th scope="col">"What"</th>
                        <th scope="col">"Card"</th>
                        <th scope="col">"Amount"</th>
                    </tr>
                </thead>
                <tbody>
                    {lines
                        .into_iter()
                        .map(|line| {
                            let card = line
                                .card_id
                                .map(|id| {
                                    view! {
                                        <a href=format!("/console/cards/{id}")>{id.to_string()}</a>
                                    }
                                });
                            view! {
                                <tr>
                                    <td>{format_datetime(line.at_ms)}</td>
                                    <td>{entry_label(line.kind)}</td>
                                    <td>{card}</td>
                                    <td class="number">{signed(line.amount)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </ScrollTable>
    }
    .into_any()
}
