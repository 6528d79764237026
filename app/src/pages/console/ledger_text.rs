//! How the console writes ledger lines for people: what an entry was, and its signed amount.

use crate::domain::{ledger::EntryKind, Cents};

/// The ledger entry as the merchant reads it.
pub fn entry_label(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::WalletFunding => "Wallet funded",
        EntryKind::TestFunding => "Test funds added",
        EntryKind::CardDeposit => "Opening deposit",
        EntryKind::CardRecharge => "Top-up",
        EntryKind::DepositRefund => "Deposit refunded (card failed)",
        EntryKind::Consumption => "Purchase",
        EntryKind::CardFee => "Card fee",
        EntryKind::CardClosure => "Balance returned (card deleted)",
        EntryKind::CardWithdrawal => "Withdrawal",
    }
}

/// A statement amount with its direction: + into the account, − out of it.
pub fn signed(amount: Cents) -> String {
    if amount.0 < 0 {
        format!("−{}", Cents(-amount.0))
    } else {
        format!("+{amount}")
    }
}
