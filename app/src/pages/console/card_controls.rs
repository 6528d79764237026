use leptos::{form::ActionForm, prelude::*};

use crate::{
    api::{
        console_cards::ConsoleCardDetail, console_controls::ConsoleCardControls, widget::error_text,
    },
    domain::{
        controls_form::{limit_field, ControlsForm},
        spend_controls::LimitInterval,
    },
};

/// Editing the card's spend controls (owners and admins), as dialect B's settings endpoint takes
/// them and under its rules; checked again on the server, where the core also holds the
/// per-purchase ceiling to the balance. A plain form, so it works with JavaScript off.
#[component]
pub fn CardControls(
    detail: ConsoleCardDetail,
    save: ServerAction<ConsoleCardControls>,
) -> impl IntoView {
    let Some(controls) = detail.controls.as_ref() else {
        return ().into_any();
    };
    if !detail.user.role.may_move_money() || detail.card.status.is_final() {
        return ().into_any();
    }
    let form = ControlsForm::of(controls);
    let failure = move || {
        save.value()
            .get()
            .and_then(Result::err)
            .map(|error| error_text(&error))
    };
    let field = |name: String, label: String, value: String, placeholder: &'static str| {
        view! {
            <label for=format!("controls-{name}")>{label}</label>
            <input
                id=format!("controls-{name}")
                name=name
                value=value
                inputmode="decimal"
                autocomplete="off"
                placeholder=placeholder
            />
        }
    };
    let limits = LimitInterval::ALL
        .into_iter()
        .zip(form.limits.clone())
        .map(|(interval, value)| {
            field(
                limit_field(interval),
                format!("{} limit (USD)", interval_label(interval)),
                value,
                "none",
            )
        })
        .collect_view();
    view! {
        // Open again after a refusal, so its sentence is seen next to the fields it is about.
        <details class="panel controls-editor" open=move || failure().is_some()>
            <summary>"Edit spend controls"</summary>
            <ActionForm action=save attr:class="controls-form">
                <input type="hidden" name="card_id" value=detail.card.card_id.to_string()/>
                {field(
                    "limit_per_transaction".to_owned(),
                    "Largest single purchase (USD)".to_owned(),
                    form.limit_per_transaction.clone(),
                    "100.00",
                )}
                <label class="check">
                    <input type="checkbox" name="is_autolimit" value="on" checked=form.is_autolimit/>
                    "Follow the balance after every top-up"
                </label>
                {limits}
                <label for="controls-currencies">"Currencies (blank: any)"</label>
                <input
                    id="controls-currencies"
                    name="allowed_currencies"
                    value=form.allowed_currencies.clone()
                    placeholder="USD, EUR"
                    autocomplete="off"
                />
                <label for="controls-from">"Active from (UTC day)"</label>
                <input id="controls-from" type="date" name="active_from" value=form.active_from.clone()/>
                <label for="controls-to">"Active through (UTC day)"</label>
                <input id="controls-to" type="date" name="active_to" value=form.active_to.clone()/>
                <button type="submit" disabled=move || save.pending().get() data-testid="controls-save">
                    "Save spend controls"
                </button>
            </ActionForm>
            <p class="error" role="alert" data-testid="controls-error">
                {failure}
            </p>
        </details>
    }
    .into_any()
}

fn interval_label(interval: LimitInterval) -> &'static str {
    match interval {
        LimitInterval::PerTransaction => "Per-purchase",
        LimitInterval::Daily => "24-hour",
        LimitInterval::Weekly => "7-day",
        LimitInterval::Monthly => "30-day",
        LimitInterval::Yearly => "365-day",
        LimitInterval::AllTime => "All-time",
    }
}
