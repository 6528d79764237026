//! The identity step: when a deposit needs the customer's identity check (KYC) and it is not
//! approved, the cardholder sends their date of birth here (the names and email are the card
//! form's; the country is the US, as ACH is the US bank network), the server waits for the
//! verifier, and the form is then sent again as it was. A rejection says why; "Back" returns to
//! the form as it was (to lower the deposit instead).

use leptos::prelude::*;

use super::WidgetEnv;
use crate::{
    api::{
        widget::error_text,
        widget_identity::{widget_verify_identity, IdentityAnswer},
    },
    components::{card_form_view::TextField, focus::focus_soon},
    domain::{card_form::CardForm, console_customers::AchForm},
};

const TITLE_ID: &str = "ck-identity-title";

#[component]
pub(super) fn IdentityStep(
    /// The card form as it was sent: its names and email are the identity's.
    form: CardForm,
    /// The identity is approved: send the card form again.
    #[prop(into)]
    on_approved: Callback<()>,
    #[prop(into)] on_back: Callback<()>,
) -> impl IntoView {
    let session = expect_context::<WidgetEnv>().session;
    let person = format!(
        "{} {}, {}",
        form.first_name.trim(),
        form.last_name.trim(),
        form.email.trim()
    );
    // The one field asked here, as typed.
    let date_of_birth = RwSignal::new(String::new());
    let form = StoredValue::new(form);
    // What the person is told, and whether the server is working on it.
    let message = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    focus_soon(TITLE_ID);

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        message.set(Some(
            "Checking your identity. This takes a few seconds…".to_owned(),
        ));
        let sent = form.with_value(|form| AchForm {
            email: form.email.clone(),
            first_name: form.first_name.clone(),
            last_name: form.last_name.clone(),
            date_of_birth: date_of_birth.get_untracked(),
            // An ACH check is of a US resident (ACH is the US bank network).
            country: "US".to_owned(),
            customer_id: String::new(),
        });
        let session = session.clone();
        leptos::task::spawn_local(async move {
            let answer = widget_verify_identity(session, sent).await;
            let text = match answer {
                Ok(IdentityAnswer { approved: true, .. }) => return on_approved.run(()),
                Ok(IdentityAnswer { message, .. }) => message,
                Err(error) => error_text(&error),
            };
            message.set(Some(text));
            busy.set(false);
        });
    };
    let no_message = Signal::derive(|| None::<String>);

    view! {
        <form class="ck-form" novalidate on:submit=submit data-testid="identity-step">
            <h2 id=TITLE_ID tabindex="-1">"Verify your identity"</h2>
            <p class="ck-muted">
                "Deposits above $1,000.00 need a verified identity, checked once for "{person}
                " (US residents)."
            </p>
            <TextField id="ck-id-birth" label="Date of birth" input_type="date" autocomplete="bday"
                value=date_of_birth.into()
                on_input=move |value| date_of_birth.set(value)
                on_leave=|| {} message=no_message/>
            <p class="ck-muted" role="status" data-testid="identity-message">
                {move || message.get()}
            </p>
            <button type="submit" class="ck-primary" data-testid="send-identity"
                disabled=move || busy.get()>
                "Verify identity"
            </button>
            <button type="button" class="ck-link" on:click=move |_| on_back.run(())>
                "Back to the card form"
            </button>
        </form>
    }
}
