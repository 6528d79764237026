//! Balance reads the tests compare before and after an operation.

use app::domain::{ids::MerchantId, ledger::Account, Cents};
use server::store::Database;

/// The merchant's wallet balance.
pub async fn wallet(db: &Database, merchant: &MerchantId) -> Cents {
    db.balance(&Account::MerchantWallet(merchant.to_owned()))
        .await
        .unwrap()
}
