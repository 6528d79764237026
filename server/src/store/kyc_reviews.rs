//! KYC reviews: ACH submissions decided by the simulated verifier when their time comes, and
//! attestations synced from other platforms. The customer's KYC status follows the latest review.

use app::domain::{
    kyc::KycStatus,
    kyc_identity::{simulated_decision, AchIdentity},
};

use super::{
    dispatch::{in_transaction, now_ms, on_pool},
    Customer, Database, StoreError,
};
use crate::secrets::random;

impl Database {
    /// Records an ACH submission; the customer is PENDING until `decide_at_ms`.
    pub async fn submit_ach_review(
        &self,
        merchant_id: &str,
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
        let now = now_ms();
        in_transaction!(self, tx => {
            sqlx::query(
                "INSERT INTO kyc_reviews (id, customer_id, source, first_name, last_name, date_of_birth, country, \
                 submitted_at_ms, decide_at_ms) VALUES ($1, $2, 'ACH', $3, $4, $5, $6, $7, $8)",
            )
            .bind(random::id("kyc_"))
            .bind(&customer.id)
            .bind(identity.first_name.as_str())
            .bind(identity.last_name.as_str())
            .bind(&identity.date_of_birth)
            .bind(&identity.country)
            .bind(now)
            .bind(decide_at_ms)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE customers SET kyc_status = $1, kyc_source = 'ACH', kyc_updated_at_ms = $2 WHERE id = $3")
                .bind(KycStatus::Pending.code())
                .bind(now)
                .bind(&customer.id)
                .execute(&mut *tx)
                .await?;
        });
        Ok(Customer {
            kyc_status: KycStatus::Pending,
            ..customer
        })
    }

    /// The merchant attests the customer was verified on another platform: APPROVED at once.
    pub async fn sync_shared_kyc(
        &self,
        merchant_id: &str,
        email: &str,
        external_id: Option<&str>,
        provider: &str,
        reference: &str,
    ) -> Result<Customer, StoreError> {
        let customer = self
            .upsert_customer(merchant_id, email, external_id)
            .await?;
        let now = now_ms();
        let source = format!("SHARED:{provider}");
        in_transaction!(self, tx => {
            sqlx::query(
                "INSERT INTO kyc_reviews (id, customer_id, source, first_name, last_name, reference, submitted_at_ms, \
                 decision) VALUES ($1, $2, $3, '', '', $4, $5, $6)",
            )
            .bind(random::id("kyc_"))
            .bind(&customer.id)
            .bind(&source)
            .bind(reference)
            .bind(now)
            .bind(KycStatus::Approved.code())
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE customers SET kyc_status = $1, kyc_source = $2, kyc_updated_at_ms = $3 WHERE id = $4")
                .bind(KycStatus::Approved.code())
                .bind(&source)
                .bind(now)
                .bind(&customer.id)
                .execute(&mut *tx)
                .await?;
        });
        Ok(Customer {
            kyc_status: KycStatus::Approved,
            ..customer
        })
    }

    /// The customer with any ACH review that has come due decided first, so the answer is current.
    pub async fn customer_with_kyc(
        &self,
        merchant_id: &str,
        email: &str,
    ) -> Result<Option<Customer>, StoreError> {
        let Some(customer) = self.customer_by_email(merchant_id, email).await? else {
            return Ok(None);
        };
        let now = now_ms();
        let due: Vec<(String, String, Option<String>)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT id, last_name, date_of_birth FROM kyc_reviews WHERE customer_id = $1 AND decide_at_ms <= $2 \
             ORDER BY submitted_at_ms")
            .bind(&customer.id).bind(now).fetch_all(pool).await)?;
        for (review_id, last_name, date_of_birth) in due {
            let decision =
                simulated_decision(&last_name, date_of_birth.as_deref().unwrap_or(""), now);
            let status = if decision.is_ok() {
                KycStatus::Approved
            } else {
                KycStatus::Rejected
            };
            in_transaction!(self, tx => {
                // Guarded on decide_at_ms so a concurrent reader cannot decide the review twice.
                let decided = sqlx::query(
                    "UPDATE kyc_reviews SET decide_at_ms = NULL, decision = $1, reason = $2 \
                     WHERE id = $3 AND decide_at_ms IS NOT NULL",
                )
                .bind(status.code())
                .bind(decision.err())
                .bind(&review_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if decided == 1 {
                    sqlx::query(
                        "UPDATE customers SET kyc_status = $1, kyc_updated_at_ms = $2 WHERE id = $3 AND kyc_status = $4",
                    )
                    .bind(status.code())
                    .bind(now)
                    .bind(&customer.id)
                    .bind(KycStatus::Pending.code())
                    .execute(&mut *tx)
                    .await?;
                }
            });
        }
        self.customer_by_email(merchant_id, email).await
    }

    /// The reason of the customer's latest rejected review, if the latest decision was a rejection.
    pub async fn latest_kyc_rejection(
        &self,
        customer_id: &str,
    ) -> Result<Option<String>, StoreError> {
        let sql = "SELECT reason FROM kyc_reviews WHERE customer_id = $1 AND decision IS NOT NULL \
                   ORDER BY submitted_at_ms DESC LIMIT 1";
        let reason: Option<Option<String>> = on_pool!(self, pool => sqlx::query_scalar(sql).bind(customer_id).fetch_optional(pool).await)?;
        Ok(reason.flatten())
    }
}
