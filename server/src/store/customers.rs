//! A merchant's customers, identified by email, and their KYC state.

use app::domain::ids::{CustomerId, MerchantId};
use app::domain::kyc::KycStatus;

use super::{Database, StoreError};
use crate::secrets::random;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Customer {
    pub id: CustomerId,
    pub email: String,
    pub external_id: Option<String>,
    pub kyc_status: KycStatus,
}

type CustomerRow = (String, String, Option<String>, String);

fn customer(row: CustomerRow) -> Result<Customer, StoreError> {
    let (id, email, external_id, kyc) = row;
    let kyc_status = KycStatus::parse(&kyc)
        .ok_or_else(|| StoreError::Corrupt(format!("customer {id} KYC status")))?;
    Ok(Customer {
        id: CustomerId::new(id),
        email,
        external_id,
        kyc_status,
    })
}

impl Database {
    /// The merchant's customer with this email, created on first use. A given external id is kept.
    pub async fn upsert_customer(
        &self,
        merchant_id: &MerchantId,
        email: &str,
        external_id: Option<&str>,
    ) -> Result<Customer, StoreError> {
        let sql = "INSERT INTO customers (id, merchant_id, email, external_id, kyc_status, created_at_ms) \
                   VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (merchant_id, email) \
                   DO UPDATE SET external_id = COALESCE(excluded.external_id, customers.external_id) \
                   RETURNING id, email, external_id, kyc_status";
        let row: CustomerRow = self
            .fetch_one(
                sql,
                &[
                    (&random::id("u_")).into(),
                    merchant_id.into(),
                    email.into(),
                    external_id.into(),
                    (KycStatus::None.code()).into(),
                    (self.now_ms()).into(),
                ],
            )
            .await?;
        customer(row)
    }

    pub async fn customer_by_email(
        &self,
        merchant_id: &MerchantId,
        email: &str,
    ) -> Result<Option<Customer>, StoreError> {
        let sql = "SELECT id, email, external_id, kyc_status FROM customers WHERE merchant_id = $1 AND email = $2";
        let row: Option<CustomerRow> = self
            .fetch_optional(sql, &[merchant_id.into(), email.into()])
            .await?;
        row.map(customer).transpose()
    }

    pub async fn set_kyc_status(
        &self,
        merchant_id: &MerchantId,
        email: &str,
        status: KycStatus,
        source: &str,
    ) -> Result<(), StoreError> {
        let sql = "UPDATE customers SET kyc_status = $1, kyc_source = $2, kyc_updated_at_ms = $3 \
                   WHERE merchant_id = $4 AND email = $5";
        self.execute(
            sql,
            &[
                (status.code()).into(),
                source.into(),
                (self.now_ms()).into(),
                merchant_id.into(),
                email.into(),
            ],
        )
        .await?;
        Ok(())
    }
}
