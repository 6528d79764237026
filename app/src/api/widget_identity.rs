//! The widget's identity step: a deposit above the KYC threshold for a customer whose identity
//! check (KYC) is not approved is not a dead end. The cardholder sends their identity for an ACH
//! review from the widget, waits for the verifier, and the card is then made.

use leptos::prelude::*;
use leptos::server_fn::codec::PostUrl;
use serde::{Deserialize, Serialize};

use super::browser_json::BrowserJson;
use crate::domain::{console_customers::AchForm, kyc::KycStatus};

/// Where a customer's identity check stands, with the sentence the widget shows for it (worded
/// here, so the browser's bundle carries no wording of its own). `status` is `None` when nothing
/// was sent because a field needs fixing (the sentence names every one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityAnswer {
    /// What the widget acts on: the card can be made now.
    pub approved: bool,
    /// Sent for whoever reads the answer (tests, logs); the widget's bundle skips reading it.
    #[serde(skip_deserializing)]
    pub status: Option<KycStatus>,
    pub message: String,
}

/// Sends the cardholder's identity for review, unless the customer's check is approved or under
/// way already (a session token must not be able to restart, or undo, a check), and waits up to
/// [`DECISION_WAIT`] for the verifier's decision, so the browser needs no polling of its own: a
/// check still pending after that is answered as pending, and asking again waits again.
/// `identity.customer_id` is ignored: the widget names a customer by email only.
#[server(
    name = WidgetVerifyIdentity,
    prefix = "/api/widget",
    endpoint = "verify_identity",
    input = PostUrl,
    output = BrowserJson
)]
pub async fn widget_verify_identity(
    session: String,
    identity: AchForm,
) -> Result<IdentityAnswer, ServerFnError> {
    backend::verify(&session, identity).await
}

/// How long [`widget_verify_identity`] waits for a decision.
pub const DECISION_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

#[cfg(feature = "ssr")]
mod backend {
    use leptos::prelude::ServerFnError;

    use super::IdentityAnswer;
    use crate::{
        api::widget::backend::{open, refusal, unavailable},
        domain::{
            console_customers::AchForm,
            issuing::IssueError,
            kyc::{KycStatus, KycView},
        },
        ports::{SharedCardIssuing, WidgetAction, WidgetGrant},
    };

    fn checked(view: KycView) -> IdentityAnswer {
        let message = match view.status {
            KycStatus::Approved => "Your identity is verified.".to_owned(),
            KycStatus::Pending => "Your identity is still being checked. Press \"Verify \
                                   identity\" again in a moment."
                .to_owned(),
            KycStatus::Rejected | KycStatus::None => format!(
                "Your identity could not be verified ({}). Check the details and send them \
                 again, or go back and lower the deposit.",
                view.rejection_reason
                    .as_deref()
                    .unwrap_or("it was not sent")
            ),
        };
        IdentityAnswer {
            approved: view.status == KycStatus::Approved,
            status: Some(view.status),
            message,
        }
    }

    /// The customer's check, `None` when the merchant has no customer with this email.
    async fn current(
        grant: &WidgetGrant,
        issuing: &SharedCardIssuing,
        email: &str,
    ) -> Result<Option<KycView>, ServerFnError> {
        match issuing.kyc(&grant.merchant_id, email).await {
            Ok(view) => Ok(Some(view)),
            Err(IssueError::CustomerNotFound(_)) => Ok(None),
            Err(error) => Err(unavailable(error)),
        }
    }

    /// How often a pending check is looked at while waiting.
    const LOOK_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

    pub async fn verify(session: &str, form: AchForm) -> Result<IdentityAnswer, ServerFnError> {
        let (grant, access, issuing) = open(session).await?;
        let mut form = AchForm {
            customer_id: String::new(),
            ..form
        };
        if form.email.trim().is_empty() {
            form.email = grant.customer_email.clone().unwrap_or_default();
        }
        let identity = match form.identity() {
            Ok(identity) => identity,
            Err(problems) => {
                return Ok(IdentityAnswer {
                    approved: false,
                    status: None,
                    message: problems,
                })
            }
        };
        let email = identity.email.as_str().to_owned();
        match current(&grant, &issuing, &email).await? {
            Some(view) if view.status == KycStatus::Approved => return Ok(checked(view)),
            // Under way: wait for it below, without sending it again.
            Some(view) if view.status == KycStatus::Pending => {}
            _ => {
                // A step of making a card: limited like one, and not once the session has ended.
                access
                    .admit(&grant, WidgetAction::CreateCard)
                    .map_err(refusal)?;
                issuing
                    .submit_ach_kyc(&grant.merchant_id, identity)
                    .await
                    .map_err(unavailable)?;
            }
        }
        let waited = tokio::time::Instant::now();
        loop {
            // Reading a check whose time has come is what decides it.
            let view = current(&grant, &issuing, &email)
                .await?
                .ok_or_else(|| unavailable(IssueError::CustomerNotFound(email.clone())))?;
            if view.status != KycStatus::Pending || waited.elapsed() >= super::DECISION_WAIT {
                return Ok(checked(view));
            }
            tokio::time::sleep(LOOK_EVERY).await;
        }
    }
}
