//! Test money for sandbox merchants: the console's owner adds it to the wallet, from `funding`,
//! as its own entry kind (`test_funding`), so statements and exports tell it from real funding.
//! A live merchant cannot: the flag is checked in the same transaction that posts the entry.

use app::domain::{
    ids::MerchantId,
    ledger::{Account, EntryKind, JournalEntry},
    Cents,
};

use super::{ledger::post_entry, Database, StoreError};

/// What adding test funds did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestFunding {
    Added,
    /// The same reference was added before: nothing more was (a form sent twice).
    AlreadyAdded,
    /// The merchant is not a sandbox merchant.
    NotSandbox,
}

impl Database {
    /// Marks the merchant as a sandbox merchant (the seeded sandbox, `create-merchant --sandbox`).
    pub async fn mark_sandbox(&self, merchant_id: &MerchantId) -> Result<(), StoreError> {
        self.execute(
            "UPDATE merchants SET sandbox = $2 WHERE id = $1",
            &[merchant_id.into(), true.into()],
        )
        .await
        .map(|_| ())
    }

    pub async fn is_sandbox(&self, merchant_id: &MerchantId) -> Result<bool, StoreError> {
        let flag: Option<bool> = self
            .scalar_optional(
                "SELECT sandbox FROM merchants WHERE id = $1",
                &[merchant_id.into()],
            )
            .await?;
        Ok(flag.unwrap_or(false))
    }

    /// Adds `amount` of test money to a sandbox merchant's wallet, once per `reference` (which is
    /// the merchant's own: it is stored under the merchant's id).
    pub async fn add_test_funds(
        &self,
        merchant_id: &MerchantId,
        amount: Cents,
        reference: &str,
    ) -> Result<TestFunding, StoreError> {
        let entry = JournalEntry::transfer(
            EntryKind::TestFunding,
            Account::Funding,
            Account::MerchantWallet(merchant_id.clone()),
            amount,
        )
        .map_err(|error| StoreError::Invalid(error.to_string()))?;
        let mut tx = self.begin().await?;
        let mut conn = tx.conn();
        let sandbox: Option<bool> = conn
            .scalar_optional(
                "SELECT sandbox FROM merchants WHERE id = $1",
                &[merchant_id.into()],
            )
            .await?;
        if sandbox != Some(true) {
            return Ok(TestFunding::NotSandbox);
        }
        let reference = format!("test-funds:{merchant_id}:{reference}");
        let posted = post_entry(
            &mut conn,
            &entry,
            merchant_id,
            None,
            &reference,
            self.now_ms(),
        )
        .await;
        match posted {
            Ok(()) => {
                tx.commit().await?;
                Ok(TestFunding::Added)
            }
            Err(StoreError::AlreadyPosted(_)) => Ok(TestFunding::AlreadyAdded),
            Err(error) => Err(error),
        }
    }
}
