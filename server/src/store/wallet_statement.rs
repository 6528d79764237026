//! The merchant wallet's statement for the console: its ledger postings with their entries,
//! newest first, a page at a time by entry id (index `postings_by_account_entry`, migration 0018).

use app::domain::{
    console_views::WalletLine,
    ids::{CardId, MerchantId},
    ledger::{Account, EntryKind},
    Cents,
};

use super::{Database, StoreError};

impl Database {
    /// Up to `limit` lines before entry `before_id` (`None`: from the newest).
    pub async fn wallet_statement(
        &self,
        merchant_id: &MerchantId,
        before_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<WalletLine>, StoreError> {
        let account = Account::MerchantWallet(merchant_id.clone()).code();
        let rows: Vec<(i64, String, String, Option<String>, i64, i64)> = self
            .fetch_all(
                "SELECT e.id, e.kind, e.reference, e.card_id, p.amount, e.created_at_ms \
                 FROM postings p JOIN journal_entries e ON e.id = p.entry_id \
                 WHERE p.account = $1 AND ($2 IS NULL OR p.entry_id < $2) \
                 ORDER BY p.entry_id DESC LIMIT $3",
                &[account.as_str().into(), before_id.into(), limit.into()],
            )
            .await?;
        rows.into_iter()
            .map(|(entry_id, kind, reference, card_id, amount, at_ms)| {
                Ok(WalletLine {
                    entry_id,
                    kind: EntryKind::parse(&kind).ok_or_else(|| {
                        StoreError::Corrupt(format!("journal entry {entry_id} has kind {kind}"))
                    })?,
                    reference,
                    card_id: card_id.map(CardId::new),
                    amount: Cents(amount),
                    at_ms,
                })
            })
            .collect()
    }
}
