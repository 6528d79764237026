//! The overview's thirty days, counted in the database: cards issued per UTC day (index
//! `cards_by_merchant_newest`), captured purchases per day and the wallet's money in and out
//! (index `journal_entries_by_merchant_time`, migration 0019). Days without anything are not
//! rows here; the domain fills them in.

use app::domain::{
    ids::MerchantId,
    ledger::{Account, EntryKind},
    merchant_activity::{days_of_window, window_start_ms, MerchantActivity},
    Cents,
};

use super::{Database, StoreError};

impl Database {
    pub async fn merchant_activity(
        &self,
        merchant_id: &MerchantId,
    ) -> Result<MerchantActivity, StoreError> {
        let now = self.now_ms();
        let since = window_start_ms(now);
        let mut read = self.begin_read().await?;
        let mut conn = read.conn();
        let issued: Vec<(i64, i64)> = conn
            .fetch_all(
                // Days since 1970 by integer division, which both backends read alike.
                "SELECT CAST(created_at_ms / 86400000 AS BIGINT), CAST(COUNT(*) AS BIGINT) \
                 FROM cards WHERE merchant_id = $1 AND created_at_ms >= $2 GROUP BY 1",
                &[merchant_id.into(), since.into()],
            )
            .await?;
        let spent: Vec<(i64, i64)> = conn
            .fetch_all(
                "SELECT CAST(e.created_at_ms / 86400000 AS BIGINT), CAST(SUM(p.amount) AS BIGINT) \
                 FROM journal_entries e JOIN postings p ON p.entry_id = e.id \
                 WHERE e.merchant_id = $1 AND e.created_at_ms >= $2 AND e.kind = $3 \
                 AND p.account = $4 GROUP BY 1",
                &[
                    merchant_id.into(),
                    since.into(),
                    EntryKind::Consumption.code().into(),
                    Account::Spend.code().as_str().into(),
                ],
            )
            .await?;
        let wallet = Account::MerchantWallet(merchant_id.clone()).code();
        let (money_in, money_out): (i64, i64) = conn
            .fetch_one(
                "SELECT \
                 CAST(COALESCE(SUM(CASE WHEN p.amount > 0 THEN p.amount ELSE 0 END), 0) AS BIGINT), \
                 CAST(COALESCE(SUM(CASE WHEN p.amount < 0 THEN -p.amount ELSE 0 END), 0) AS BIGINT) \
                 FROM journal_entries e JOIN postings p ON p.entry_id = e.id \
                 WHERE e.merchant_id = $1 AND e.created_at_ms >= $2 AND p.account = $3",
                &[merchant_id.into(), since.into(), wallet.as_str().into()],
            )
            .await?;
        read.commit().await?;
        Ok(MerchantActivity {
            days: days_of_window(now, &issued, &spent),
            money_in: Cents(money_in),
            money_out: Cents(money_out),
        })
    }
}
