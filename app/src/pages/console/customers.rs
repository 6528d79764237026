use leptos::{form::ActionForm, prelude::*};
use leptos_router::hooks::use_query_map;

use super::{
    nav::ConsoleNav,
    scroll_table::ScrollTable,
    search_filters::{FilterChoice, FilterSearch, SearchFilters},
};
use crate::{
    api::{
        console_customers::{console_customers, ConsoleSubmitAchKyc, ConsoleSyncSharedKyc},
        widget::error_text,
    },
    domain::{
        calendar::format_datetime,
        console_customers::{CustomerPage, CustomerQuery, CustomerRow},
        kyc::{KycStatus, KycView},
    },
};

/// The merchant's customers and where their KYC stands (only an approved customer's cards take
/// deposits above 1000 USD), in email order: filter by status, find one by the start of an email
/// or by the merchant's own customer id. Owners and admins submit a customer for an ACH review,
/// or record a verification done on another platform. The filter is a plain GET form and the
/// KYC forms post as plain HTML, so the page works with JavaScript off.
#[component]
pub fn CustomersPage() -> impl IntoView {
    let params = use_query_map();
    let raw =
        move || params.with(|params| (params.get("kyc"), params.get("q"), params.get("after")));
    let query = move || {
        let (kyc, search, after) = raw();
        CustomerQuery::from_params(kyc.as_deref(), search.as_deref(), after.as_deref())
    };
    let page = super::page_data::page_data(raw, |(kyc, q, after)| console_customers(kyc, q, after));
    // Above the table, which is drawn anew on every read: a form's answer and what was typed
    // outlive the re-read that follows it.
    let ach = ServerAction::<ConsoleSubmitAchKyc>::new();
    let shared = ServerAction::<ConsoleSyncSharedKyc>::new();
    // Read again after a submission that went through (a refused one leaves the forms as typed).
    let accepted = move || {
        [
            ach.value().get().is_some_and(|answer| answer.is_ok()),
            shared.value().get().is_some_and(|answer| answer.is_ok()),
        ]
    };
    Effect::new(move |_| {
        if accepted().contains(&true) {
            page.refetch();
        }
    });
    view! {
        <ConsoleNav current="/console/customers"/>
        <h1>"Customers"</h1>
        <p class="muted">
            "A card's deposit above $1,000.00 needs its customer to be KYC-approved."
        </p>
        <SearchFilters
            action="/console/customers"
            id="customer"
            choice=FilterChoice {
                name: "kyc",
                label: "KYC",
                options: KycStatus::ALL.map(|status| (status.code(), status.code())).to_vec(),
                selected: query().kyc.map(KycStatus::code),
            }
            search=FilterSearch {
                name: "q",
                label: "Email (or its start) or customer id",
                value: query().search,
            }
        />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                page.get()
                    .map(|answer| match answer {
                        Ok(page) => {
                            let may_submit = page.may_submit;
                            view! {
                                <CustomerTable page query=query()/>
                                {may_submit.then(|| view! { <KycForms ach shared/> })}
                            }
                                .into_any()
                        }
                        Err(error) => {
                            view! { <p class="error" role="alert">{error_text(&error)}</p> }
                                .into_any()
                        }
                    })
            }}
        </Transition>
    }
}

/// The KYC column: the status, and the verifier's reason when it said no.
fn kyc_cell(row: &CustomerRow) -> String {
    match &row.rejection_reason {
        Some(reason) => format!("{} ({reason})", row.kyc_status.code()),
        None => row.kyc_status.code().to_owned(),
    }
}

#[component]
fn CustomerTable(page: CustomerPage, query: CustomerQuery) -> impl IntoView {
    if page.rows.is_empty() {
        let message = match (&query.after, &query.search, query.kyc) {
            (Some(_), _, _) => "No more customers.",
            (None, None, None) => {
                "No customers yet: a customer appears here when a card is issued with their email or their KYC is submitted."
            }
            _ => "No customers match.",
        };
        return view! { <p class="muted" data-testid="customers-empty">{message}</p> }.into_any();
    }
    let next_link = page.next_after.map(|after| {
        let mut link = format!("/console/customers?after={}", super::encode_query(&after));
        if let Some(kyc) = query.kyc {
            link.push_str(&format!("&kyc={}", kyc.code()));
        }
        if let Some(search) = &query.search {
            link.push_str(&format!("&q={}", super::encode_query(search)));
        }
        link
    });
    view! {
        <ScrollTable label="Customers" caption="In email order" testid="customers-table">
            <thead>
                <tr>
                    <th scope="col">"Email"</th>
                    <th scope="col">"Customer id"</th>
                    <th scope="col">"KYC"</th>
                    <th scope="col">"Verified by"</th>
                    <th scope="col">"KYC updated (UTC)"</th>
                    <th scope="col">"Cards"</th>
                </tr>
            </thead>
            <tbody>
                {page
                    .rows
                    .into_iter()
                    .map(|row| {
                        let kyc = kyc_cell(&row);
                        let source = row.source_label();
                        let cards_link = format!(
                            "/console/cards?q={}",
                            super::encode_query(&row.email),
                        );
                        let cards_label = format!("Cards of {}: {}", row.email, row.cards);
                        let row_mark = row.email.clone();
                        view! {
                            <tr data-customer=row_mark data-kyc=row.kyc_status.code()>
                                <td>{row.email}</td>
                                <td>{row.external_id.unwrap_or_else(|| "—".to_owned())}</td>
                                <td>{kyc}</td>
                                <td>{source}</td>
                                <td>
                                    {row
                                        .kyc_updated_at_ms
                                        .map(format_datetime)
                                        .unwrap_or_else(|| "—".to_owned())}
                                </td>
                                <td class="number">
                                    <a href=cards_link aria-label=cards_label>
                                        {row.cards}
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
                        <a href=link data-testid="next-customers" rel="next">
                            "More customers →"
                        </a>
                    </p>
                }
            })}
    }
    .into_any()
}

/// What a submission did, in a sentence.
fn outcome(view: &KycView) -> String {
    match view.status {
        KycStatus::Pending => format!(
            "{} is waiting for the ACH review (PENDING); the table shows the verdict once it is in.",
            view.email
        ),
        KycStatus::Approved => format!(
            "{} is KYC-approved: their cards may take deposits above $1,000.00.",
            view.email
        ),
        KycStatus::Rejected => format!(
            "{} was rejected: {}.",
            view.email,
            view.rejection_reason.as_deref().unwrap_or("no reason given")
        ),
        KycStatus::None => format!("{} has no KYC yet.", view.email),
    }
}

/// The two ways to vouch for a customer, each in its own disclosure; each form's answer (or
/// refusal) is announced in a live region.
#[component]
fn KycForms(
    ach: ServerAction<ConsoleSubmitAchKyc>,
    shared: ServerAction<ConsoleSyncSharedKyc>,
) -> impl IntoView {
    let said = |answer: Option<Result<KycView, ServerFnError>>| {
        answer.map(|answer| match answer {
            Ok(view) => view! { <p class="notice">{outcome(&view)}</p> }.into_any(),
            Err(error) => view! { <p class="error">{error_text(&error)}</p> }.into_any(),
        })
    };
    view! {
        <section class="panel" aria-labelledby="ach-heading">
            <h2 id="ach-heading">"Submit for ACH review"</h2>
            <p class="muted">
                "The customer's identity goes to the verifier; they are PENDING until it decides."
            </p>
            <ActionForm action=ach attr:class="money-form">
                <label for="ach-email">"Email"</label>
                <input id="ach-email" type="email" name="email" autocomplete="off" required/>
                <label for="ach-customer-id">"Your customer id (optional)"</label>
                <input id="ach-customer-id" type="text" name="customer_id" autocomplete="off"/>
                <label for="ach-first-name">"First name"</label>
                <input id="ach-first-name" type="text" name="first_name" autocomplete="off" required/>
                <label for="ach-last-name">"Last name"</label>
                <input id="ach-last-name" type="text" name="last_name" autocomplete="off" required/>
                <label for="ach-date-of-birth">"Date of birth"</label>
                <input
                    id="ach-date-of-birth"
                    type="date"
                    name="date_of_birth"
                    autocomplete="off"
                    required
                />
                <label for="ach-country">"Country (two letters, such as US)"</label>
                <input
                    id="ach-country"
                    type="text"
                    name="country"
                    maxlength="2"
                    autocomplete="off"
                    required
                />
                <button type="submit" disabled=move || ach.pending().get()>
                    "Submit for review"
                </button>
            </ActionForm>
            <div aria-live="polite" data-testid="ach-answer">
                {move || said(ach.value().get())}
            </div>
        </section>
        <section class="panel" aria-labelledby="shared-heading">
            <h2 id="shared-heading">"Record a verification done elsewhere"</h2>
            <p class="muted">
                "You attest the customer was verified on another platform; they are approved at once, and the audit log names you."
            </p>
            <ActionForm action=shared attr:class="money-form">
                <label for="shared-email">"Email"</label>
                <input id="shared-email" type="email" name="email" autocomplete="off" required/>
                <label for="shared-customer-id">"Your customer id (optional)"</label>
                <input id="shared-customer-id" type="text" name="customer_id" autocomplete="off"/>
                <label for="shared-provider">"Verified at"</label>
                <input id="shared-provider" type="text" name="provider" autocomplete="off" required/>
                <label for="shared-reference">"Their reference"</label>
                <input
                    id="shared-reference"
                    type="text"
                    name="reference"
                    autocomplete="off"
                    required
                />
                <button type="submit" disabled=move || shared.pending().get()>
                    "Record verification"
                </button>
            </ActionForm>
            <div aria-live="polite" data-testid="shared-answer">
                {move || said(shared.value().get())}
            </div>
        </section>
    }
}
