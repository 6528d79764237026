//! KYC in the issuing core: the seed's rule that recharges above 1000 USD need a KYC-approved
//! customer, and the two ways a customer gets there (ACH review, a shared attestation).

use app::{
    domain::{
        ids::MerchantId,
        issuing::{IssueError, NewCard},
        kyc::KycStatus,
        kyc_identity::AchIdentity,
    },
    ports::{KycView, SharedKyc},
};

use super::{errors::store_failure, IssuingService};
use crate::store::Customer;

impl IssuingService {
    pub(super) async fn kyc_gate(
        &self,
        merchant_id: &MerchantId,
        request: &NewCard,
    ) -> Result<Option<Customer>, IssueError> {
        let customer = match &request.customer_email {
            Some(email) => Some(
                self.database
                    .upsert_customer(
                        merchant_id,
                        email.as_str(),
                        request.customer_external_id.as_deref(),
                    )
                    .await
                    .map_err(store_failure)?,
            ),
            None => None,
        };
        if request.deposit.requires_kyc() {
            self.require_approved(
                merchant_id,
                customer.as_ref().map(|customer| customer.email.as_str()),
            )
            .await?;
        }
        Ok(customer)
    }

    /// The KYC rule of the seed: recharges above 1000 USD need the customer ("the user's email
    /// account": the merchant's customer with that email) to be KYC-approved.
    pub(super) async fn require_approved(
        &self,
        merchant_id: &MerchantId,
        email: Option<&str>,
    ) -> Result<(), IssueError> {
        let Some(email) = email else {
            return Err(IssueError::KycRequired {
                email: "the customer's email".to_owned(),
            });
        };
        let customer = self
            .database
            .customer_with_kyc(merchant_id, email)
            .await
            .map_err(store_failure)?;
        match customer {
            Some(customer) if customer.kyc_status == KycStatus::Approved => Ok(()),
            _ => Err(IssueError::KycRequired {
                email: email.to_owned(),
            }),
        }
    }

    async fn kyc_view(&self, customer: Customer) -> Result<KycView, IssueError> {
        let rejection_reason = if customer.kyc_status == KycStatus::Rejected {
            self.database
                .latest_kyc_rejection(&customer.id)
                .await
                .map_err(store_failure)?
        } else {
            None
        };
        Ok(KycView {
            user_id: customer.id.into_string(),
            email: customer.email,
            customer_id: customer.external_id,
            status: customer.kyc_status,
            rejection_reason,
        })
    }

    pub(super) async fn submit_ach(
        &self,
        merchant_id: &MerchantId,
        identity: AchIdentity,
    ) -> Result<KycView, IssueError> {
        let delay = i64::try_from(self.kyc_review_delay.as_millis()).unwrap_or(i64::MAX);
        let customer = self
            .database
            .submit_ach_review(
                merchant_id,
                &identity,
                self.database.now_ms().saturating_add(delay),
            )
            .await
            .map_err(store_failure)?;
        tracing::info!(%merchant_id, user_id = %customer.id, "ACH KYC submitted");
        self.kyc_view(customer).await
    }

    pub(super) async fn sync_shared(
        &self,
        merchant_id: &MerchantId,
        attestation: SharedKyc,
    ) -> Result<KycView, IssueError> {
        let customer = self
            .database
            .sync_shared_kyc(
                merchant_id,
                attestation.email.as_str(),
                attestation.external_id.as_deref(),
                &attestation.provider,
                &attestation.reference,
            )
            .await
            .map_err(store_failure)?;
        tracing::info!(%merchant_id, user_id = %customer.id, provider = %attestation.provider, "shared KYC synced");
        self.kyc_view(customer).await
    }

    pub(super) async fn customer_kyc(
        &self,
        merchant_id: &MerchantId,
        email: &str,
    ) -> Result<KycView, IssueError> {
        let email = email.trim().to_ascii_lowercase();
        let customer = self
            .database
            .customer_with_kyc(merchant_id, &email)
            .await
            .map_err(store_failure)?;
        self.kyc_view(customer.ok_or(IssueError::CustomerNotFound(email))?)
            .await
    }
}
