use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::{
    nav::ConsoleNav,
    scroll_table::ScrollTable,
    search_filters::{FilterChoice, FilterSearch, SearchFilters},
};
use crate::{
    api::{
        console_cards::{console_audit, AuditPage},
        widget::error_text,
    },
    domain::{
        audit::{AuditAction, AuditQuery, AUDIT_ENTRIES_PER_PAGE},
        calendar::format_datetime,
    },
};

/// Who did what, newest first: every money movement, reveal, control and team change, from the
/// console or the API. Filter by action or by the object acted on (a card id, a user); page on
/// by the last entry seen. A plain GET form, so it works and links with JavaScript off.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let params = use_query_map();
    let raw = move || {
        params.with(|params| {
            (
                params.get("action"),
                params.get("object"),
                params.get("before"),
            )
        })
    };
    let query = move || {
        let (action, object, before) = raw();
        AuditQuery::from_params(action.as_deref(), object.as_deref(), before.as_deref())
    };
    let page = super::page_data::page_data(raw, |(action, object, before)| {
        console_audit(action, object, before)
    });
    view! {
        <ConsoleNav current="/console/audit"/>
        <h1>"Audit log"</h1>
        <SearchFilters
            action="/console/audit"
            id="audit"
            choice=FilterChoice {
                name: "action",
                label: "Action",
                options: AuditAction::ALL.map(|action| (action.code(), action.label())).to_vec(),
                selected: query().action.map(AuditAction::code),
            }
            search=FilterSearch {
                name: "object",
                label: "Card or user id",
                value: query().object_id,
            }
        />
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                page.get()
                    .map(|answer| match answer {
                        Ok(page) => view! { <AuditTable page query=query()/> }.into_any(),
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
fn AuditTable(page: AuditPage, query: AuditQuery) -> impl IntoView {
    if page.entries.is_empty() {
        return view! { <p class="muted" data-testid="audit-empty">"Nothing recorded yet."</p> }
            .into_any();
    }
    let older = (page.entries.len() as i64 >= AUDIT_ENTRIES_PER_PAGE)
        .then(|| page.entries.last().map(|entry| entry.id))
        .flatten()
        .map(|before| {
            let mut link = format!("/console/audit?before={before}");
            if let Some(action) = query.action {
                link.push_str(&format!("&action={}", action.code()));
            }
            if let Some(object) = &query.object_id {
                link.push_str(&format!("&object={}", super::encode_query(object)));
            }
            link
        });
    view! {
        <ScrollTable label="Audit log" caption="Newest first" testid="audit-table">
                <thead>
                    <tr>
                        <th scope="col">"When (UTC)"</th>
                        <th scope="col">"Who"</th>
                        <th scope="col">"What"</th>
                        <th scope="col">"On"</th>
                        <th scope="col">"Detail"</th>
                    </tr>
                </thead>
                <tbody>
                    {page
                        .entries
                        .into_iter()
                        .map(|entry| {
                            let on = if entry.action.is_about_a_card() {
                                view! {
                                    <a href=format!("/console/cards/{}", entry.object_id)>
                                        {entry.object_id.clone()}
                                    </a>
                                }
                                    .into_any()
                            } else {
                                entry.object_id.clone().into_any()
                            };
                            view! {
                                <tr data-action=entry.action.code()>
                                    <td>{format_datetime(entry.at_ms)}</td>
                                    <td>{entry.actor.name()}</td>
                                    <td>{entry.action.label()}</td>
                                    <td>{on}</td>
                                    <td>{entry.detail}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </ScrollTable>
        {older
            .map(|link| {
                view! {
                    <p>
                        <a href=link rel="next">
                            "Older entries →"
                        </a>
                    </p>
                }
            })}
    }
    .into_any()
}
