//! Issuing a card from the console: the widget's form (`components::card_form_view`), checked by
//! the same `card_form::validate`, sent here instead of to a widget session. The role is checked
//! by the server (`ConsoleCards::issue`), the card is audited with its issuer, and the form's
//! idempotency key makes a double submit one card.

use leptos::prelude::*;

use crate::{
    api::widget::{CreateAnswer, RangeOption},
    domain::card_form::CardForm,
};

/// The ranges the form offers.
#[server(name = ConsoleIssueOptions, prefix = "/api/console", endpoint = "issue_options")]
pub async fn console_issue_options() -> Result<Vec<RangeOption>, ServerFnError> {
    backend::options().await
}

#[server(name = ConsoleIssueCard, prefix = "/api/console", endpoint = "issue_card")]
pub async fn console_issue_card(
    form: CardForm,
    idempotency_key: String,
) -> Result<CreateAnswer, ServerFnError> {
    backend::issue(form, idempotency_key).await
}

#[cfg(feature = "ssr")]
mod backend {
    use leptos::prelude::{expect_context, ServerFnError};

    use crate::{
        api::{
            console::backend::{denied, refuse_cross_site, signed_in_user},
            widget::{
                backend::{form_refusal, refused},
                CreateAnswer, RangeOption,
            },
        },
        domain::{
            card_form::{validate, CardForm},
            issuing::IssueError,
            order_no::OrderNo,
            widget_card::WidgetCard,
        },
        ports::SharedConsoleCards,
    };

    pub async fn options() -> Result<Vec<RangeOption>, ServerFnError> {
        let (user, _) = signed_in_user().await?;
        let cards = expect_context::<SharedConsoleCards>();
        let ranges = cards.card_ranges(&user).await.map_err(denied)?;
        Ok(ranges.into_iter().map(RangeOption::from).collect())
    }

    pub async fn issue(form: CardForm, key: String) -> Result<CreateAnswer, ServerFnError> {
        refuse_cross_site()?;
        let (user, _) = signed_in_user().await?;
        let key_ok =
            (8..=32).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric());
        let Some(order_no) = OrderNo::parse(&format!("console-{key}"))
            .ok()
            .filter(|_| key_ok)
        else {
            return Ok(refused(
                None,
                "This form could not be sent. Reload the page and try again.".into(),
            ));
        };
        let valid = match validate(&form) {
            Ok(valid) => valid,
            Err(fields) => {
                return Ok(CreateAnswer::Refused {
                    fields,
                    message: None,
                })
            }
        };
        let request = valid.into_new_card(order_no);
        let cards = expect_context::<SharedConsoleCards>();
        Ok(match cards.issue(&user, request).await.map_err(denied)? {
            Ok(card) => CreateAnswer::Created(WidgetCard::from_view(&card)),
            Err(IssueError::InsufficientFunds { available, needed }) => refused(
                Some("deposit"),
                format!(
                    "The wallet holds {available}; this card needs {needed} (its deposit and \
                     first month's fee). Lower the deposit or add funds to the wallet."
                ),
            ),
            Err(error) => form_refusal(error),
        })
    }
}
