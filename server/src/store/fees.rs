//! Monthly card fees. The first month is charged in the activation's transaction; later months by
//! [`Database::charge_due_fees`], run by the background worker. Each period's charge has its own
//! ledger reference, so it is posted at most once, whichever instance gets there.

use app::domain::ids::{CardId, MerchantId};
use app::domain::{
    ledger::{Account, EntryKind, JournalEntry},
    Cents,
};

use crate::change_feed::Change;

use super::{
    ledger::{funds_of, post_entry},
    sql::Conn,
    Database, StoreError,
};

/// A fee month: 30 days.
pub const FEE_PERIOD_MS: i64 = 30 * 86_400_000;

/// The range's monthly fee for the card's fee type (SQL over `cards c JOIN card_ranges r`).
pub const MONTHLY_FEE_SQL: &str =
    "CASE c.fee_type WHEN 'ONE' THEN r.fee_one_cents WHEN 'TWO' THEN r.fee_two_cents ELSE r.fee_three_cents END";

/// Moves the month's fee from the card to fee income, at most what no authorization holds: a card
/// is never overdrawn by its fee, and an approved purchase stays capturable.
pub async fn charge_fee(
    conn: &mut Conn<'_>,
    merchant_id: &MerchantId,
    card_id: &CardId,
    fee: Cents,
    reference: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    let card = Account::Card(card_id.to_owned());
    let unheld = funds_of(conn, &card).await?.unheld();
    let amount = std::cmp::min(fee, unheld);
    if amount.is_positive() {
        let entry = JournalEntry::transfer(EntryKind::CardFee, card, Account::FeeIncome, amount)
            .map_err(|error| StoreError::Invalid(error.to_string()))?;
        post_entry(conn, &entry, merchant_id, Some(card_id), reference, now_ms).await?;
    }
    Ok(())
}

impl Database {
    /// Charges every live card whose fee month has come by `now` (epoch ms; a parameter so tests can
    /// move through months), and moves each on by a month. Returns how many cards were charged.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn charge_due_fees(&self, now: i64, limit: i64) -> Result<usize, StoreError> {
        let sql = format!(
            "SELECT c.id, c.merchant_id, c.next_fee_at_ms, {MONTHLY_FEE_SQL} FROM cards c \
             JOIN card_ranges r ON r.id = c.range_id WHERE c.next_fee_at_ms <= $1 \
             AND c.status IN ('ACTIVE', 'FREEZE') ORDER BY c.next_fee_at_ms LIMIT $2"
        );
        let due: Vec<(String, String, i64, i64)> =
            self.fetch_all(&sql, &[now.into(), limit.into()]).await?;
        let mut charged = 0;
        for (card_id, merchant_id, due_at, fee) in due {
            let (card_id, merchant_id) = (CardId::new(card_id), MerchantId::new(merchant_id));
            let mut tx = self.begin().await?;
            // Guarded on the due time and the status (the card row stays locked until commit):
            // of two instances only one moves the month on, and a card closed since it was read
            // is not charged.
            let moved = tx
                .conn()
                .execute(
                    "UPDATE cards SET next_fee_at_ms = $1 WHERE id = $2 AND next_fee_at_ms = $3 \
                     AND status IN ('ACTIVE', 'FREEZE')",
                    &[
                        (due_at + FEE_PERIOD_MS).into(),
                        (&card_id).into(),
                        due_at.into(),
                    ],
                )
                .await?
                == 1;
            if moved {
                let reference = format!("fee:{card_id}:{due_at}");
                let fee = Cents(fee);
                charge_fee(&mut tx.conn(), &merchant_id, &card_id, fee, &reference, now).await?;
                tx.announce(Change::card(&merchant_id, &card_id));
            }
            tx.commit().await?;
            charged += usize::from(moved);
        }
        Ok(charged)
    }
}
