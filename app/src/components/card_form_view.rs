//! The card-creation form, in the widget and in the console. It validates with
//! `domain::card_form::validate`, the function the server runs too, and shows each message next
//! to its field; when the server disagrees, the server's message is the one shown. Where it sends
//! the form is the caller's: the widget's session, or the console's signed-in user.

use std::future::Future;

use leptos::prelude::*;

use super::focus::focus_soon;
use crate::{
    api::widget::{error_text, CreateAnswer, RangeOption},
    domain::{
        card_form::{message_for, validate, CardForm, FieldError},
        fee_type::FeeType,
        plan_names::PlanNames,
        recharge::{KYC_THRESHOLD, MAX_RECHARGE, MIN_RECHARGE},
        widget_card::WidgetCard,
    },
};

const FEE_PLANS: [FeeType; 3] = [FeeType::One, FeeType::Two, FeeType::Three];

/// How the form names the card ranges: for a merchant (a "Card range", with its BIN) or for a
/// cardholder (a "Card type": brand and currency). A function rather than a flag, so each bundle
/// carries only the wording it uses.
#[derive(Clone, Copy)]
pub struct FormWording {
    pub range_label: &'static str,
    pub describe_range: fn(&RangeOption) -> String,
}

impl FormWording {
    pub const MERCHANT: FormWording = FormWording {
        range_label: "Card range",
        describe_range: RangeOption::label,
    };
    pub const CARDHOLDER: FormWording = FormWording {
        range_label: "Card type",
        describe_range: RangeOption::cardholder_label,
    };
}

/// The form's fields in the order they are shown, with the id of the control that takes focus
/// when the field is the first in error.
const FIELD_CONTROLS: [(&str, &str); 6] = [
    ("range_id", "ck-range"),
    ("first_name", "ck-first-name"),
    ("last_name", "ck-last-name"),
    ("deposit", "ck-deposit"),
    ("fee_type", "ck-fee-ONE"),
    ("email", "ck-email"),
];

fn focus_first_error(errors: &[FieldError]) {
    if let Some((_, control)) = FIELD_CONTROLS
        .iter()
        .find(|(field, _)| message_for(errors, field).is_some())
    {
        focus_soon(control);
    }
}

/// `send` takes the form and its idempotency key (one per filled-in form) to the server.
/// `filled` starts the form with what was sent before (a "Try again"); `focus_first` puts the
/// keyboard in its first field (a form asked for, not one a page opens with); `wording` names
/// the choices for the person at the form ([`FormWording`]).
/// `send_at_once` sends it as soon as it is shown (the identity check it waited for passed).
/// With `on_verify`, a deposit refused for want of an approved identity check (KYC) offers to
/// verify the identity, handing over the form as it was sent.
#[component]
pub fn CardFormView<Sender, Sending>(
    ranges: Vec<RangeOption>,
    customer_email: Option<String>,
    send: Sender,
    #[prop(into)] on_created: Callback<WidgetCard>,
    #[prop(default = None)] filled: Option<CardForm>,
    #[prop(optional)] focus_first: bool,
    #[prop(optional)] send_at_once: bool,
    wording: FormWording,
    /// What the merchant calls its fee plans (unnamed ones show as "Plan ONE").
    #[prop(optional)]
    plan_names: PlanNames,
    #[prop(optional, into)] on_verify: Option<Callback<CardForm>>,
) -> impl IntoView
where
    Sender: Fn(CardForm, String) -> Sending + Clone + 'static,
    Sending: Future<Output = Result<CreateAnswer, ServerFnError>> + 'static,
{
    let form = RwSignal::new(filled.unwrap_or_else(|| {
        CardForm {
            range_id: ranges
                .first()
                .map(|range| range.id.clone())
                .unwrap_or_default(),
            fee_type: FeeType::One.as_str().to_owned(),
            email: customer_email.unwrap_or_default(),
            ..CardForm::default()
        }
    }));
    if focus_first {
        focus_soon(FIELD_CONTROLS[0].1);
    }
    let ranges = StoredValue::new(ranges);
    // A field's client-side message shows once the user has left it, or tried to submit.
    let touched = RwSignal::new(Vec::<&'static str>::new());
    let attempted = RwSignal::new(false);
    let server_errors = RwSignal::new(Vec::<FieldError>::new());
    let server_message = RwSignal::new(None::<String>);
    // A refusal shown next to a field is also said in the live region, once.
    let refusal_note = RwSignal::new(None::<String>);
    // The server asked for an identity check for the form as sent (until a field is edited).
    let needs_identity = RwSignal::new(false);
    let client_errors = move || validate(&form.get()).err().unwrap_or_default();
    // Server-rendered HTML is visible before the bundle runs; the button waits for it.
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));

    let message = move |field: &'static str| -> Option<String> {
        server_errors
            .with(|errors| message_for(errors, field).map(str::to_owned))
            .or_else(|| {
                (attempted.get() || touched.with(|t| t.contains(&field)))
                    .then(|| message_for(&client_errors(), field).map(str::to_owned))?
            })
    };
    let edit = move |field: &'static str, value: String| {
        form.update(|form| match field {
            "range_id" => form.range_id = value,
            "first_name" => form.first_name = value,
            "last_name" => form.last_name = value,
            "deposit" => form.deposit = value,
            "fee_type" => form.fee_type = value,
            _ => form.email = value,
        });
        server_errors.update(|errors| errors.retain(|error| error.field != field));
        server_message.set(None);
        refusal_note.set(None);
        needs_identity.set(false);
    };
    let leave = move |field: &'static str| {
        touched.update(|fields| {
            if !fields.contains(&field) {
                fields.push(field)
            }
        })
    };

    // A plain task rather than an `Action`: the widget's bundle is budgeted, and this is all the
    // bookkeeping the form needs.
    let pending = RwSignal::new(false);
    // One key per filled-in form: a double click, or a retry after a lost answer, is one card.
    let idempotency_key = StoredValue::new(None::<String>);
    let send_form = move || {
        attempted.set(true);
        if pending.get_untracked() {
            return;
        }
        if let Err(errors) = validate(&form.get_untracked()) {
            focus_first_error(&errors);
            return;
        }
        let key = idempotency_key
            .try_update_value(|key| key.get_or_insert_with(new_idempotency_key).clone())
            .unwrap_or_default();
        pending.set(true);
        let sent = send(form.get_untracked(), key);
        leptos::task::spawn_local(async move {
            match sent.await {
                Ok(CreateAnswer::Created(card)) => on_created.run(card),
                Ok(CreateAnswer::NeedsIdentity { message }) => {
                    let fields = vec![FieldError {
                        field: "email".to_owned(),
                        message,
                    }];
                    focus_first_error(&fields);
                    refusal_note.set(Some(format!("Card not created. {}", fields[0].message)));
                    server_errors.set(fields);
                    needs_identity.set(true);
                }
                Ok(CreateAnswer::Refused { fields, message }) => {
                    focus_first_error(&fields);
                    if message.is_none() {
                        refusal_note.set(
                            fields
                                .first()
                                .map(|error| format!("Card not created. {}", error.message)),
                        );
                    }
                    server_errors.set(fields);
                    server_message.set(message);
                }
                Err(error) => server_message.set(Some(error_text(&error))),
            }
            pending.set(false);
        });
    };
    let submit = {
        let send_form = send_form.clone();
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            send_form();
        }
    };
    if send_at_once {
        // Before the first render, so the form appears already sending.
        send_form();
    }

    let selected_range = move || -> Option<RangeOption> {
        let id = form.with(|form| form.range_id.clone());
        ranges.with_value(|ranges| ranges.iter().find(|range| range.id == id).cloned())
    };

    view! {
        <form class="ck-form" novalidate on:submit=submit data-ready=move || ready.get().to_string()>
            <div class="ck-field">
                <label for="ck-range">{wording.range_label}</label>
                <select
                    id="ck-range"
                    aria-describedby="ck-range-error"
                    aria-invalid=move || message("range_id").is_some().to_string()
                    on:change=move |event| edit("range_id", event_target_value(&event))
                    prop:value=move || form.with(|form| form.range_id.clone())
                >
                    {ranges
                        .get_value()
                        .into_iter()
                        .map(|range| {
                            let label = format!(
                                "{} (from {} a month)",
                                (wording.describe_range)(&range),
                                range.monthly_fee(FeeType::One).unwrap_or_default(),
                            );
                            view! { <option value=range.id.clone()>{label}</option> }
                        })
                        .collect_view()}
                </select>
                <FieldMessage id="ck-range-error" message=Signal::derive(move || message("range_id"))/>
            </div>
            <div class="ck-row">
                <TextField
                    id="ck-first-name"
                    label="First name"
                    autocomplete="given-name"
                    value=Signal::derive(move || form.with(|form| form.first_name.clone()))
                    on_input=move |value| edit("first_name", value)
                    on_leave=move || leave("first_name")
                    message=Signal::derive(move || message("first_name"))
                />
                <TextField
                    id="ck-last-name"
                    label="Last name"
                    autocomplete="family-name"
                    value=Signal::derive(move || form.with(|form| form.last_name.clone()))
                    on_input=move |value| edit("last_name", value)
                    on_leave=move || leave("last_name")
                    message=Signal::derive(move || message("last_name"))
                />
            </div>
            <TextField
                id="ck-deposit"
                label="Deposit (USD)"
                input_mode="decimal"
                autocomplete="off"
                hint=format!(
                    "Between {MIN_RECHARGE} and {MAX_RECHARGE}. Above {KYC_THRESHOLD} the customer's KYC must be approved.",
                )
                value=Signal::derive(move || form.with(|form| form.deposit.clone()))
                on_input=move |value| edit("deposit", value)
                on_leave=move || leave("deposit")
                message=Signal::derive(move || message("deposit"))
            />
            <fieldset class="ck-field ck-plans" aria-describedby="ck-fee-error">
                <legend>"Monthly fee plan"</legend>
                {FEE_PLANS
                    .into_iter()
                    .map(|plan| {
                        let id = format!("ck-fee-{}", plan.as_str());
                        let fee = move || {
                            selected_range()
                                .and_then(|range| range.monthly_fee(plan))
                                .map(|fee| format!("{fee} a month"))
                                .unwrap_or_default()
                        };
                        view! {
                            <label class="ck-plan" for=id.clone()>
                                <input
                                    type="radio"
                                    id=id.clone()
                                    name="fee_type"
                                    value=plan.as_str()
                                    prop:checked=move || form.with(|form| form.fee_type == plan.as_str())
                                    on:change=move |_| edit("fee_type", plan.as_str().to_owned())
                                />
                                <span>{plan_names.name(plan)}</span>
                                <span class="ck-muted">{fee}</span>
                            </label>
                        }
                    })
                    .collect_view()}
                <FieldMessage id="ck-fee-error" message=Signal::derive(move || message("fee_type"))/>
            </fieldset>
            <TextField
                id="ck-email"
                label="Customer email"
                input_type="email"
                autocomplete="email"
                hint="Needed for deposits above $1,000.00.".to_owned()
                value=Signal::derive(move || form.with(|form| form.email.clone()))
                on_input=move |value| edit("email", value)
                on_leave=move || leave("email")
                message=Signal::derive(move || message("email"))
            />
            <div aria-live="assertive" data-testid="form-message">
                {move || {
                    server_message
                        .get()
                        .map(|message| view! { <p class="ck-alert" role="alert">{message}</p> })
                }}
                <p class="ck-visually-hidden">{move || refusal_note.get()}</p>
            </div>
            {move || {
                let verify = on_verify.filter(|_| needs_identity.get())?;
                Some(view! {
                    <button type="button" class="ck-secondary" data-testid="verify-identity"
                        on:click=move |_| verify.run(form.get_untracked())>
                        "Verify identity to continue"
                    </button>
                })
            }}
            <button
                type="submit"
                class="ck-primary"
                data-testid="create-card"
                disabled=move || !ready.get() || pending.get()
            >
                {move || {
                    if !ready.get() {
                        "Loading…"
                    } else if pending.get() {
                        "Creating card…"
                    } else {
                        "Create card"
                    }
                }}
            </button>
        </form>
    }
}

#[component]
pub(crate) fn TextField(
    id: &'static str,
    label: &'static str,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(default = "text")] input_mode: &'static str,
    autocomplete: &'static str,
    #[prop(optional)] hint: Option<String>,
    value: Signal<String>,
    #[prop(into)] on_input: Callback<String>,
    #[prop(into)] on_leave: Callback<()>,
    message: Signal<Option<String>>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = match hint {
        Some(_) => format!("{hint_id} {error_id}"),
        None => error_id.clone(),
    };
    view! {
        <div class="ck-field">
            <label for=id>{label}</label>
            <input
                id=id
                type=input_type
                inputmode=input_mode
                autocomplete=autocomplete
                aria-describedby=described_by
                aria-invalid=move || message.get().is_some().to_string()
                prop:value=value
                on:input=move |event| on_input.run(event_target_value(&event))
                on:blur=move |_| on_leave.run(())
            />
            {hint.map(|hint| view! { <p class="ck-hint" id=hint_id>{hint}</p> })}
            <FieldMessage id=error_id message/>
        </div>
    }
}

/// The message under a field; always present (empty when fine) so `aria-describedby` resolves.
#[component]
fn FieldMessage(#[prop(into)] id: String, message: Signal<Option<String>>) -> impl IntoView {
    view! { <p class="ck-field-error" id=id>{move || message.get()}</p> }
}

/// 104 random bits from the browser, as 26 hex digits. Not a secret: it only has to differ from
/// every other form's key.
pub(crate) fn new_idempotency_key() -> String {
    #[cfg(feature = "hydrate")]
    {
        let half = || (js_sys::Math::random() * (1_u64 << 52) as f64) as u64;
        format!("{:013x}{:013x}", half(), half())
    }
    // Submit handlers only ever run in the browser.
    #[cfg(not(feature = "hydrate"))]
    String::new()
}
