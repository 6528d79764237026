use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::nav::ConsoleNav;
use crate::{
    api::{
        console_issue::{console_issue_card, console_issue_options},
        widget::error_text,
    },
    components::card_form_view::{CardFormView, FormWording},
};

/// Issue a card with the widget's own form and rules; once made, the card's page follows it
/// live until it is ACTIVE (or its deposit is refunded).
#[component]
pub fn IssuePage() -> impl IntoView {
    let options = super::page_data::page_data(|| (), |_| console_issue_options());
    view! {
        <ConsoleNav current="/console/issue"/>
        <h1>"Issue a card"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                options
                    .get()
                    .map(|answer| match answer {
                        Ok(ranges) => {
                            let navigate = use_navigate();
                            view! {
                                <section class="panel console-issue">
                                    <CardFormView
                                        ranges
                                        customer_email=None
                                        wording=FormWording::MERCHANT
                                        send=console_issue_card
                                        on_created=move |card: crate::domain::widget_card::WidgetCard| {
                                            navigate(
                                                &format!("/console/cards/{}", card.card_id),
                                                Default::default(),
                                            )
                                        }
                                    />
                                </section>
                            }
                                .into_any()
                        }
                        Err(error) => {
                            view! { <p class="error" role="alert">{error_text(&error)}</p> }
                                .into_any()
                        }
                    })
            }}
        </Suspense>
    }
}
