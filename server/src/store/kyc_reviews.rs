//! KYC reviews: ACH submissions decided by the simulated verifier when their time comes, and
//! attestations synced from other platforms. The customer's KYC status follows the latest review.

use app::domain::ids::{CustomerId, MerchantId};
use app::domain::{
    kyc::KycStatus,
    kyc_identity::{simulated_decision, AchIdentity},
};

use super::{Customer, Database, StoreError};

/// An ACH review whose time has come: its id, its customer, and what the verifier looks at.
type DueReview = (String, String, String, Option<String>);
use crate::secrets::random;

impl Database {
    /// Records an ACH submission; the customer is PENDING until `decide_at_ms`.
    pub async fn submit_ach_review(
        &self,
        merchant_id: &MerchantId,
        identity: &AchIdentity,
        decide_at_ms: i64,
    ) -> Result<Customer, StoreError> {
        let customer = self
            .upsert_customer(
                merchant_id,
                identity.email.as_str(),
                identity.external_id.as_deref(),
            )
            .await?;
        let now = self.now_ms();
        let mut tx = self.begin().await?;
        let mut conn = tx.conn();
        conn.execute(
            "INSERT INTO kyc_reviews (id, customer_id, source, first_name, last_name, date_of_birth, country, \
             submitted_at_ms, decide_at_ms) VALUES ($1, $2, 'ACH', $3, $4, $5, $6, $7, $8)",
            &[
                (&random::id("kyc_")).into(),
                (&customer.id).into(),
                identity.first_name.as_str().into(),
                identity.last_name.as_str().into(),
                (&identity.date_of_birth).into(),
                (&identity.country).into(),
                now.into(),
                decide_at_ms.into(),
            ],
        )
        .await?;
        conn.execute(
            "UPDATE customers SET kyc_status = $1, kyc_source = 'ACH', kyc_updated_at_ms = $2 WHERE id = $3",
            &[KycStatus::Pending.code().into(), now.into(), (&customer.id).into()],
        )
        .await?;
        tx.commit().await?;
        Ok(Customer {
            kyc_status: KycStatus::Pending,
            ..customer
        })
    }

    /// The merchant attests the customer was verified on another platform: APPROVED at once.
    pub async fn sync_shared_kyc(
        &self,
        merchant_id: &MerchantId,
        email: &str,
        external_id: Option<&str>,
        provider: &str,
        reference: &str,
    ) -> Result<Customer, StoreError> {
        let customer = self
            .upsert_customer(merchant_id, email, external_id)
            .await?;
        let now = self.now_ms();
        let source = format!("SHARED:{provider}");
        let mut tx = self.begin().await?;
        let mut conn = tx.conn();
        conn.execute(
            "INSERT INTO kyc_reviews (id, customer_id, source, first_name, last_name, reference, submitted_at_ms, \
             decision) VALUES ($1, $2, $3, '', '', $4, $5, $6)",
            &[
                (&random::id("kyc_")).into(),
                (&customer.id).into(),
                (&source).into(),
                reference.into(),
                now.into(),
                KycStatus::Approved.code().into(),
            ],
        )
        .await?;
        conn.execute(
            "UPDATE customers SET kyc_status = $1, kyc_source = $2, kyc_updated_at_ms = $3 WHERE id = $4",
            &[
                KycStatus::Approved.code().into(),
                (&source).into(),
                now.into(),
                (&customer.id).into(),
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(Customer {
            kyc_status: KycStatus::Approved,
            ..customer
        })
    }

    /// The customer with any ACH review that has come due decided first, so the answer is current.
    pub async fn customer_with_kyc(
        &self,
        merchant_id: &MerchantId,
        email: &str,
    ) -> Result<Option<Customer>, StoreError> {
        let Some(customer) = self.customer_by_email(merchant_id, email).await? else {
            return Ok(None);
        };
        let due: Vec<DueReview> = self
            .fetch_all(
                "SELECT id, customer_id, last_name, date_of_birth FROM kyc_reviews \
                 WHERE customer_id = $1 AND decide_at_ms <= $2 ORDER BY submitted_at_ms",
                &[(&customer.id).into(), self.now_ms().into()],
            )
            .await?;
        self.decide_reviews(due).await?;
        self.customer_by_email(merchant_id, email).await
    }

    /// Decides every ACH review of the merchant that has come due (the console's customers table
    /// does this before it reads, so a status filter sees the verdicts). Only pending reviews are
    /// in `kyc_reviews_due`, so this reads little however many customers the merchant has.
    pub async fn decide_due_kyc_reviews(&self, merchant_id: &MerchantId) -> Result<(), StoreError> {
        let due: Vec<DueReview> = self
            .fetch_all(
                "SELECT r.id, r.customer_id, r.last_name, r.date_of_birth FROM kyc_reviews r \
                 JOIN customers c ON c.id = r.customer_id \
                 WHERE r.decide_at_ms <= $1 AND c.merchant_id = $2 ORDER BY r.submitted_at_ms",
                &[self.now_ms().into(), merchant_id.into()],
            )
            .await?;
        self.decide_reviews(due).await
    }

    /// The simulated verifier's verdict on each review, and the customer's status with it.
    async fn decide_reviews(&self, due: Vec<DueReview>) -> Result<(), StoreError> {
        let now = self.now_ms();
        for (review_id, customer_id, last_name, date_of_birth) in due {
            let decision =
                simulated_decision(&last_name, date_of_birth.as_deref().unwrap_or(""), now);
            let status = if decision.is_ok() {
                KycStatus::Approved
            } else {
                KycStatus::Rejected
            };
            let mut tx = self.begin().await?;
            let mut conn = tx.conn();
            // Guarded on decide_at_ms so a concurrent reader cannot decide the review twice.
            let decided = conn
                .execute(
                    "UPDATE kyc_reviews SET decide_at_ms = NULL, decision = $1, reason = $2 \
                     WHERE id = $3 AND decide_at_ms IS NOT NULL",
                    &[
                        status.code().into(),
                        (&decision.err()).into(),
                        (&review_id).into(),
                    ],
                )
                .await?;
            if decided == 1 {
                conn.execute(
                    "UPDATE customers SET kyc_status = $1, kyc_updated_at_ms = $2 WHERE id = $3 AND kyc_status = $4",
                    &[
                        status.code().into(),
                        now.into(),
                        (&customer_id).into(),
                        KycStatus::Pending.code().into(),
                    ],
                )
                .await?;
            }
            tx.commit().await?;
        }
        Ok(())
    }

    /// The reason of the customer's latest rejected review, if the latest decision was a rejection.
    pub async fn latest_kyc_rejection(
        &self,
        customer_id: &CustomerId,
    ) -> Result<Option<String>, StoreError> {
        let sql = "SELECT reason FROM kyc_reviews WHERE customer_id = $1 AND decision IS NOT NULL \
                   ORDER BY submitted_at_ms DESC LIMIT 1";
        let reason: Option<Option<String>> =
            self.scalar_optional(sql, &[customer_id.into()]).await?;
        Ok(reason.flatten())
    }
}
