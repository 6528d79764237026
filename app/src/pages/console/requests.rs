use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::{nav::ConsoleNav, scroll_table::ScrollTable};
use crate::{
    api::{console_requests::console_requests, widget::error_text},
    domain::{
        calendar::format_datetime,
        request_log::{ApiRequestEntry, RequestLogView},
    },
};

type Params = (Option<String>, Option<String>, Option<String>);

/// The API requests the merchant's keys signed in the last 7 days, newest first: each answer's
/// `x-request-id` or dialect A `traceId` finds its request, and a failure shows the error it got.
/// A plain GET form, so it works and links with JavaScript off.
#[component]
pub fn RequestsPage() -> impl IntoView {
    let params = use_query_map();
    let raw = move || -> Params {
        params.with(|params| {
            (
                params.get("find"),
                params.get("errors"),
                params.get("before"),
            )
        })
    };
    let page = super::page_data::page_data(raw, |(find, errors, before)| {
        console_requests(find, errors, before)
    });
    let (find, errors, _) = raw();
    let errors_only = errors.as_deref() == Some("1");
    view! {
        <ConsoleNav current="/console/requests"/>
        <h1>"API requests"</h1>
        <p class="muted">
            "The requests your API keys signed in the last 7 days (at most 10,000), written a second "
            "after they are answered. Request bodies are not kept; an error's answer is, with "
            "anything shaped like a card number masked."
        </p>
        <form method="get" action="/console/requests" class="console-filters" role="search">
            <label for="requests-find">"Request id or trace id"</label>
            <input id="requests-find" name="find" type="search" value=find.unwrap_or_default() autocomplete="off"/>
            <label for="requests-errors">"Errors only"</label>
            <input id="requests-errors" name="errors" type="checkbox" value="1" checked=errors_only/>
            <button type="submit">"Show"</button>
        </form>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                page.get()
                    .map(|answer| match answer {
                        Ok(log) => view! { <Requests log raw=raw()/> }.into_any(),
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
fn Requests(log: RequestLogView, raw: Params) -> impl IntoView {
    if log.requests.is_empty() {
        return view! { <p class="muted" data-testid="requests-empty">"No requests match."</p> }
            .into_any();
    }
    let older = log.older.map(|before| {
        let (find, errors, _) = raw;
        let mut link = format!("/console/requests?before={before}");
        if let Some(find) = find.filter(|find| !find.is_empty()) {
            link.push_str(&format!("&find={}", super::encode_query(&find)));
        }
        if errors.as_deref() == Some("1") {
            link.push_str("&errors=1");
        }
        view! {
            <p>
                <a href=link rel="next">"Older requests →"</a>
            </p>
        }
    });
    view! {
        <ScrollTable label="API requests" caption="Newest first" testid="requests">
            <thead>
                <tr>
                    <th scope="col">"When (UTC)"</th>
                    <th scope="col">"Request"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Time"</th>
                    <th scope="col">"Key"</th>
                    <th scope="col">"Ids"</th>
                </tr>
            </thead>
            <tbody>
                {log.requests.into_iter().map(|entry| view! { <RequestRow entry/> }).collect_view()}
            </tbody>
        </ScrollTable>
        {older}
    }
    .into_any()
}

#[component]
fn RequestRow(entry: ApiRequestEntry) -> impl IntoView {
    let failed = entry.status >= 400;
    let error = entry
        .error_body
        .filter(|body| !body.is_empty())
        .map(|body| {
            view! {
                <details>
                    <summary>"Error"</summary>
                    <pre class="response-body">{body}</pre>
                </details>
            }
        });
    let trace = entry.trace_id.map(|trace| format!("traceId {trace}"));
    let row_mark = entry.request_id.clone();
    let status_mark = entry.status.to_string();
    view! {
        <tr data-request=row_mark data-status=status_mark>
            <td>{format_datetime(entry.at_ms)}</td>
            <td>
                <code>{entry.method} " " {entry.path}</code>
                {error}
            </td>
            <td class=failed.then_some("error")>{entry.status}</td>
            <td>{format!("{} ms", entry.duration_ms)}</td>
            <td>
                <code>{entry.key_prefix} "_…"</code>
            </td>
            <td>
                <code>{entry.request_id}</code>
                <br/>
                <span class="muted">{trace}</span>
            </td>
        </tr>
    }
    .into_any()
}
