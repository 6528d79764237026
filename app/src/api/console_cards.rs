//! The console's card page and audit log: read a card, act on it, reveal it. Each call is
//! checked on the server by the [`ConsoleCards`](crate::ports::ConsoleCards) port (roles,
//! re-authentication, audit); the calls that change something also refuse a cross-site request.
//!
//! Arguments are plain strings, as a form sends them, so the pages' forms work with JavaScript
//! off as well (the server then answers the form with a redirect back to the page).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use crate::domain::console_card::ConsoleCardDetail;
use crate::domain::{audit::AuditEntry, console_user::ConsoleUser, issuing::RevealedCard};

#[server(name = ConsoleCard, prefix = "/api/console", endpoint = "card")]
pub async fn console_card(card_id: String) -> Result<ConsoleCardDetail, ServerFnError> {
    backend::card(card_id).await
}

/// `action` is one of `top_up`, `withdraw`, `freeze`, `unfreeze`, `delete`; the money actions
/// also take `amount` (dollars, e.g. `25.00`) and the page's `reference`.
#[server(name = ConsoleCardAct, prefix = "/api/console", endpoint = "card_act")]
pub async fn console_card_act(
    card_id: String,
    action: String,
    amount: Option<String>,
    reference: Option<String>,
) -> Result<(), ServerFnError> {
    backend::act(card_id, action, amount, reference).await
}

/// The card's number and CVC, for the browser that asked, never in a page or a URL.
#[server(name = ConsoleCardReveal, prefix = "/api/console", endpoint = "card_reveal")]
pub async fn console_card_reveal(
    card_id: String,
    password: Option<String>,
    code: Option<String>,
) -> Result<RevealedCard, ServerFnError> {
    backend::reveal(card_id, password, code).await
}

/// A page of the audit log and who is reading it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub user: ConsoleUser,
    pub entries: Vec<AuditEntry>,
}

/// Adds test money (`amount` in dollars) to a sandbox merchant's wallet; the owner only. The
/// overview's `reference` makes a form sent twice add the money once.
#[server(name = ConsoleAddTestFunds, prefix = "/api/console", endpoint = "add_test_funds")]
pub async fn console_add_test_funds(
    amount: String,
    reference: String,
) -> Result<(), ServerFnError> {
    backend::add_test_funds(amount, reference).await
}

#[server(name = ConsoleAudit, prefix = "/api/console", endpoint = "audit")]
pub async fn console_audit(
    action: Option<String>,
    object: Option<String>,
    before: Option<String>,
) -> Result<AuditPage, ServerFnError> {
    let query = crate::domain::audit::AuditQuery::from_params(
        action.as_deref(),
        object.as_deref(),
        before.as_deref(),
    );
    backend::audit(query).await
}

#[cfg(feature = "ssr")]
mod backend {
    use leptos::prelude::{expect_context, ServerFnError};

    use super::{AuditPage, ConsoleCardDetail};
    use crate::{
        api::console::backend::{denied, refuse_cross_site, signed_in_user},
        domain::{audit::AuditQuery, console_card::CardAction, ids::CardId, Cents},
        ports::{ConsoleDenied, RevealedCard, SharedConsoleCards},
    };

    fn cards() -> SharedConsoleCards {
        expect_context::<SharedConsoleCards>()
    }

    pub async fn card(card_id: String) -> Result<ConsoleCardDetail, ServerFnError> {
        let (_, token) = signed_in_user().await?;
        cards()
            .card(&token, &CardId::new(card_id))
            .await
            .map_err(denied)
    }

    pub(super) fn money(amount: Option<String>) -> Result<Cents, ServerFnError> {
        Cents::parse_dollars(amount.as_deref().unwrap_or("").trim()).map_err(|_| {
            denied(ConsoleDenied::Invalid(
                "Enter an amount in dollars, such as 25.00.".to_owned(),
            ))
        })
    }

    pub async fn act(
        card_id: String,
        action: String,
        amount: Option<String>,
        reference: Option<String>,
    ) -> Result<(), ServerFnError> {
        refuse_cross_site()?;
        let (user, _) = signed_in_user().await?;
        let reference = reference.unwrap_or_default();
        let action = match action.as_str() {
            "top_up" => CardAction::TopUp {
                amount: money(amount)?,
                reference,
            },
            "withdraw" => CardAction::Withdraw {
                amount: money(amount)?,
                reference,
            },
            "freeze" => CardAction::Freeze,
            "unfreeze" => CardAction::Unfreeze,
            "delete" => CardAction::Delete,
            _ => {
                return Err(denied(ConsoleDenied::Invalid(format!(
                    "There is no card action called {action:?}."
                ))))
            }
        };
        cards()
            .act(&user, &CardId::new(card_id), action)
            .await
            .map(|_| ())
            .map_err(denied)
    }

    pub async fn add_test_funds(amount: String, reference: String) -> Result<(), ServerFnError> {
        refuse_cross_site()?;
        let (user, _) = signed_in_user().await?;
        cards()
            .add_test_funds(&user, money(Some(amount))?, &reference)
            .await
            .map_err(denied)
    }

    pub async fn reveal(
        card_id: String,
        password: Option<String>,
        code: Option<String>,
    ) -> Result<RevealedCard, ServerFnError> {
        refuse_cross_site()?;
        let (_, token) = signed_in_user().await?;
        cards()
            .reveal(
                &token,
                &CardId::new(card_id),
                password.as_deref(),
                code.as_deref(),
            )
            .await
            .map_err(denied)
    }

    pub async fn audit(query: AuditQuery) -> Result<AuditPage, ServerFnError> {
        let (user, _) = signed_in_user().await?;
        let entries = cards().audit_log(&user, &query).await.map_err(denied)?;
        Ok(AuditPage { user, entries })
    }
}
