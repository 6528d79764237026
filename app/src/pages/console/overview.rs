use leptos::{form::ActionForm, prelude::*};

use super::scroll_table::ScrollTable;
use super::{
    activity_chart::ActivityPanel,
    ledger_text::{entry_label, signed},
    nav::ConsoleNav,
};
use crate::{
    api::{
        console::{console_overview, ConsoleOverview, ConsoleSignOut, ConsoleSignOutEverywhere},
        console_cards::ConsoleAddTestFunds,
        widget::error_text,
    },
    domain::{calendar::format_datetime, console_role::Role, console_views::WalletLine},
};

/// The merchant at a glance: its wallet, its last thirty days and its cards by status. Rendered
/// on the server (the route waits for the data), so it reads the same with JavaScript off.
#[component]
pub fn OverviewPage() -> impl IntoView {
    let overview = super::page_data::page_data(|| (), |_| console_overview());
    // Above the redrawn overview, so its answer (a refusal's sentence) outlives the re-read.
    let add_funds = ServerAction::<ConsoleAddTestFunds>::new();
    Effect::new(move |_| {
        if add_funds.version().get() > 0 {
            overview.refetch();
        }
    });
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                overview
                    .get()
                    .map(|answer| match answer {
                        Ok(overview) => view! { <Overview overview add_funds/> }.into_any(),
                        Err(error) => {
                            view! { <p class="error" role="alert">{error_text(&error)}</p> }
                                .into_any()
                        }
                    })
            }}
        </Transition>
    }
}

#[component]
fn Overview(
    overview: ConsoleOverview,
    add_funds: ServerAction<ConsoleAddTestFunds>,
) -> impl IntoView {
    let test_funds = (overview.sandbox && overview.user.role == Role::Owner)
        .then(|| view! { <TestFunds add_funds reference=overview.next_reference.clone()/> });
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
            {test_funds}
        </section>
        <ActivityPanel activity=overview.activity.clone()/>
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

/// The sandbox owner's form for test money. The page's reference makes a form sent twice (a
/// double click, a resent no-JS post) add the money once.
#[component]
fn TestFunds(add_funds: ServerAction<ConsoleAddTestFunds>, reference: String) -> impl IntoView {
    let failure = move || {
        add_funds
            .value()
            .get()
            .and_then(Result::err)
            .map(|error| error_text(&error))
    };
    view! {
        <ActionForm action=add_funds attr:class="money-form">
            <input type="hidden" name="reference" value=reference/>
            <label for="test-funds">"Add test funds (USD)"</label>
            <input
                id="test-funds"
                name="amount"
                inputmode="decimal"
                autocomplete="off"
                placeholder="1000.00"
                required
            />
            <button type="submit" disabled=move || add_funds.pending().get() data-testid="add-test-funds">
                "Add test funds"
            </button>
        </ActionForm>
        <p class="muted">"Sandbox only: test money is marked as such in the statement and the CSV."</p>
        <p class="error" role="alert" data-testid="test-funds-error">
            {failure}
        </p>
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
