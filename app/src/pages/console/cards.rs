use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::{
    nav::ConsoleNav,
    scroll_table::ScrollTable,
    search_filters::{FilterChoice, FilterSearch, SearchFilters},
};
use crate::{
    api::{
        console::{console_cards, CardTableQuery, ConsoleCardPage},
        widget::error_text,
    },
    domain::{calendar::format_datetime, CardStatus},
};

/// The merchant's cards, newest first: filter by status, find one by an exact order number, card
/// id, last four digits or customer email, and page on by cursor. The filter is a plain GET form,
/// so the table works, and its links can be shared, with JavaScript off.
#[component]
pub fn CardsPage() -> impl IntoView {
    let params = use_query_map();
    let raw =
        move || params.with(|params| (params.get("status"), params.get("q"), params.get("after")));
    let query = move || {
        let (status, search, after) = raw();
        CardTableQuery::from_params(status.as_deref(), search.as_deref(), after.as_deref())
    };
    let page =
        super::page_data::page_data(raw, |(status, q, after)| console_cards(status, q, after));
    // The ids the table shows: the live stream watches these (and the merchant's newest card).
    // A memo, so the stream is opened again only when the rows are other cards, not on every
    // read of the same ones.
    let shown = Memo::new(move |_| {
        page.get().and_then(Result::ok).map(|page| {
            page.rows
                .iter()
                .map(|row| row.card_id.to_string())
                .collect::<Vec<_>>()
        })
    });
    // What the live region says: that the rows changed under the reader, once they have.
    let rows_seen = Memo::new(move |_| page.get().and_then(Result::ok).map(|page| page.rows));
    let announcement = RwSignal::new(String::new());
    Effect::new(move |previous: Option<Option<Vec<_>>>| {
        let rows = rows_seen.get();
        if let (Some(Some(before)), Some(now)) = (&previous, &rows) {
            if before != now {
                announcement.set("The table was updated.".to_owned());
            }
        }
        rows
    });
    #[cfg(feature = "hydrate")]
    {
        // Owned by the effect: the stream closes when the page goes.
        let live = std::cell::RefCell::new(None);
        Effect::new(move |_| {
            let Some(ids) = shown.get() else { return };
            let url = super::live_stream::card_table_url(&ids);
            live.replace(super::live_stream::follow(&url, move || page.refetch()));
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = shown;
    view! {
        <ConsoleNav current="/console/cards"/>
        <h1>"Cards"</h1>
        <SearchFilters
            action="/console/cards"
            id="card"
            choice=FilterChoice {
                name: "status",
                label: "Status",
                options: CardStatus::ALL.map(|status| (status.code(), status.code())).to_vec(),
                selected: query().status.map(CardStatus::code),
            }
            search=FilterSearch {
                name: "q",
                label: "Order number, card id, last 4 or email",
                value: query().search,
            }
        />
        <p class="sr-only" aria-live="polite" data-testid="cards-live">
            {move || announcement.get()}
        </p>
        // A transition: a live re-read keeps the table on screen (no flash, no focus lost).
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                page.get()
                    .map(|answer| match answer {
                        Ok(page) => view! { <CardTable page query=query()/> }.into_any(),
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
fn CardTable(page: ConsoleCardPage, query: CardTableQuery) -> impl IntoView {
    if page.rows.is_empty() {
        let message = if query.after.is_some() {
            "No more cards."
        } else {
            "No cards match."
        };
        return view! { <p class="muted" data-testid="cards-empty">{message}</p> }.into_any();
    }
    let mut filters = String::new();
    if let Some(status) = query.status {
        filters.push_str(&format!("&status={}", status.code().replace(' ', "+")));
    }
    if let Some(search) = &query.search {
        filters.push_str(&format!("&q={}", super::encode_query(search)));
    }
    let next_link = page
        .next
        .map(|cursor| format!("/console/cards?after={}{filters}", cursor.encode()));
    let export_link = format!("/console/cards.csv?{}", filters.trim_start_matches('&'));
    view! {
        <p>
            <a href=export_link data-testid="export-csv" download>
                "Download these cards as CSV"
            </a>
        </p>
        <ScrollTable label="Cards" caption="Newest first" testid="cards-table">
                <thead>
                    <tr>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Holder"</th>
                        <th scope="col">"Last 4"</th>
                        <th scope="col">"Balance"</th>
                        <th scope="col">"Created (UTC)"</th>
                        <th scope="col">"Order number"</th>
                    </tr>
                </thead>
                <tbody>
                    {page
                        .rows
                        .into_iter()
                        .map(|row| {
                            view! {
                                <tr data-card-id=row.card_id.to_string()>
                                    <td>{row.status.code()}</td>
                                    <td>{row.holder}</td>
                                    <td>{row.last4.unwrap_or_else(|| "—".to_owned())}</td>
                                    <td class="number">{row.balance.to_string()}</td>
                                    <td>{format_datetime(row.created_at_ms)}</td>
                                    <td>
                                        <a href=format!("/console/cards/{}", row.card_id)>
                                            {row.order_no}
                                        </a>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
        </ScrollTable>
        {next_link
            .map(|link| {
                view! {
                    <p>
                        <a href=link data-testid="next-page" rel="next">
                            "Older cards →"
                        </a>
                    </p>
                }
            })}
    }
    .into_any()
}
