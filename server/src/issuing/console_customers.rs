//! The console's customers ([`ConsoleCustomers`]) over the issuing core: the table is read from
//! the store, a submission goes through the very KYC calls of dialect A's interfaces (so the
//! console and the API vouch for a customer the same way), and is written to the audit log.

use app::{
    domain::{
        audit::AuditAction,
        console_customers::{CustomerPage, CustomerQuery, KycSubmission, CUSTOMERS_PER_PAGE},
        console_user::ConsoleUser,
    },
    ports::{ConsoleCustomers, ConsoleDenied, KycView, SharedCardIssuing},
};

use super::console_cards::refused;
use crate::store::Database;

#[derive(Clone)]
pub struct ConsoleCustomerService {
    database: Database,
    issuing: SharedCardIssuing,
}

fn unavailable(error: impl std::fmt::Display) -> ConsoleDenied {
    tracing::warn!(%error, "console customers store failed");
    ConsoleDenied::Unavailable
}

impl ConsoleCustomerService {
    pub fn new(database: Database, issuing: SharedCardIssuing) -> Self {
        Self { database, issuing }
    }
}

#[async_trait::async_trait]
impl ConsoleCustomers for ConsoleCustomerService {
    #[tracing::instrument(skip_all, fields(merchant_id = %user.merchant_id))]
    async fn customers(
        &self,
        user: &ConsoleUser,
        query: &CustomerQuery,
    ) -> Result<CustomerPage, ConsoleDenied> {
        // An ACH review is decided when its time comes and someone looks (as dialect A's status
        // query does): decide the merchant's due ones first, so the table (and its status
        // filter) never shows a verdict as still pending.
        self.database
            .decide_due_kyc_reviews(&user.merchant_id)
            .await
            .map_err(unavailable)?;
        let mut rows = self
            .database
            .console_customers(&user.merchant_id, query, CUSTOMERS_PER_PAGE + 1)
            .await
            .map_err(unavailable)?;
        let more = rows.len() as i64 > CUSTOMERS_PER_PAGE;
        rows.truncate(CUSTOMERS_PER_PAGE as usize);
        let next_after = more
            .then(|| rows.last().map(|row| row.email.clone()))
            .flatten();
        Ok(CustomerPage {
            rows,
            next_after,
            may_submit: user.role.may_move_money(),
        })
    }

    #[tracing::instrument(skip_all, fields(merchant_id = %user.merchant_id))]
    async fn submit_kyc(
        &self,
        user: &ConsoleUser,
        submission: KycSubmission,
    ) -> Result<KycView, ConsoleDenied> {
        if !user.role.may_move_money() {
            return Err(ConsoleDenied::Forbidden(
                "only owners and admins vouch for a customer's identity",
            ));
        }
        let detail = submission.describe();
        let view = match submission {
            KycSubmission::Ach(identity) => {
                self.issuing
                    .submit_ach_kyc(&user.merchant_id, identity)
                    .await
            }
            KycSubmission::Shared(attestation) => {
                self.issuing
                    .sync_shared_kyc(&user.merchant_id, attestation)
                    .await
            }
        }
        .map_err(refused)?;
        self.database
            .record_user_audit(
                user,
                AuditAction::KycSubmitted,
                &view.user_id,
                &detail,
                None,
            )
            .await
            .map_err(unavailable)?;
        Ok(view)
    }
}
