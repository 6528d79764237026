//! The card page's spend-controls form: one server function whose arguments are the form's
//! fields, one each, so the form works as plain HTML too (hence the lint allowance below: the
//! `#[server]` macro's output does not carry an attribute on the function).
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

/// New spend controls for the card (owners and admins), read by the console's form under
/// dialect B's rules; every problem comes back at once, as one sentence per field.
#[server(name = ConsoleCardControls, prefix = "/api/console", endpoint = "card_controls")]
pub async fn console_card_controls(
    card_id: String,
    limit_per_transaction: String,
    is_autolimit: Option<String>,
    interval_per_transaction: Option<String>,
    interval_daily: Option<String>,
    interval_weekly: Option<String>,
    interval_monthly: Option<String>,
    interval_yearly: Option<String>,
    interval_all_time: Option<String>,
    allowed_currencies: Option<String>,
    active_from: Option<String>,
    active_to: Option<String>,
) -> Result<(), ServerFnError> {
    use crate::domain::controls_form::ControlsForm;
    let form = ControlsForm {
        limit_per_transaction,
        is_autolimit: is_autolimit.is_some(),
        limits: [
            interval_per_transaction,
            interval_daily,
            interval_weekly,
            interval_monthly,
            interval_yearly,
            interval_all_time,
        ]
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect(),
        allowed_currencies: allowed_currencies.unwrap_or_default(),
        active_from: active_from.unwrap_or_default(),
        active_to: active_to.unwrap_or_default(),
    };
    backend::set_controls(card_id, form).await
}

#[cfg(feature = "ssr")]
mod backend {
    use leptos::prelude::{expect_context, ServerFnError};

    use crate::{
        api::console::backend::{denied, refuse_cross_site, signed_in_user},
        domain::{console_card::CardAction, controls_form::ControlsForm, ids::CardId},
        ports::{ConsoleDenied, SharedConsoleCards},
    };

    pub async fn set_controls(card_id: String, form: ControlsForm) -> Result<(), ServerFnError> {
        refuse_cross_site()?;
        let (user, _) = signed_in_user().await?;
        let controls = form.parse().map_err(|problems| {
            let sentences: Vec<String> = problems
                .iter()
                .map(|problem| format!("{}: {}", field_label(&problem.field), problem.message))
                .collect();
            denied(ConsoleDenied::Invalid(sentences.join(". ")))
        })?;
        expect_context::<SharedConsoleCards>()
            .act(
                &user,
                &CardId::new(card_id),
                CardAction::SetControls(controls),
            )
            .await
            .map(|_| ())
            .map_err(denied)
    }

    /// How the form names a field to the person.
    fn field_label(field: &str) -> &str {
        match field {
            "limit_per_transaction" => "Largest single purchase",
            "allowed_currencies" => "Currencies",
            "active_from" => "Active from",
            "active_to" => "Active through",
            other => other.strip_prefix("interval_").unwrap_or(other),
        }
    }
}
