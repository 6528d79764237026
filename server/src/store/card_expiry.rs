//! Expiry: a card is valid through the last day of its expiry month (UTC); from the first day of the
//! next month the background worker moves it to EXPIRED. Its balance stays on it, as the seed's
//! state machine has it: the merchant reclaims it by deleting the card (EXPIRED → CANCELLING →
//! DELETED), and monthly fees stop.

use app::domain::ids::{CardId, MerchantId};
use app::domain::{calendar::month_after, provisioning::ProvisioningStage, CardStatus};

use crate::change_feed::Change;

use super::{card_operations::set_status, Database, StoreError};

impl Database {
    /// Moves up to `limit` live cards whose expiry month ended before `now` (epoch ms; a
    /// parameter so tests can travel in time) to EXPIRED, each with its event and callback.
    /// Returns how many it moved.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn expire_due_cards(&self, now: i64, limit: i64) -> Result<usize, StoreError> {
        let (year, month) = month_after(now, 0);
        let sql = "SELECT id, merchant_id, status, stage FROM cards WHERE status IN ('ACTIVE', 'FREEZE') \
                   AND (exp_year, exp_month) < ($1, $2) ORDER BY exp_year, exp_month LIMIT $3";
        let due: Vec<(String, String, String, String)> = self
            .fetch_all(sql, &[year.into(), i64::from(month).into(), limit.into()])
            .await?;
        let mut expired = 0;
        for (card_id, merchant_id, status, stage) in due {
            let (card_id, merchant_id) = (CardId::new(card_id), MerchantId::new(merchant_id));
            let corrupt = || StoreError::Corrupt(format!("card {card_id}"));
            let from = CardStatus::parse(&status).ok_or_else(corrupt)?;
            let stage = ProvisioningStage::parse(&stage).ok_or_else(corrupt)?;
            if from.transition(CardStatus::Expired).is_err() {
                return Err(corrupt());
            }
            // Guarded on the status read: a card frozen or deleted meanwhile is left to the next
            // round, and of two instances only one moves it.
            let mut tx = self.begin().await?;
            let expiry = CardStatus::Expired;
            let moved = set_status(&mut tx.conn(), &card_id, from, expiry, stage, now).await?;
            if moved {
                tx.announce(Change::card(&merchant_id, &card_id));
                tx.announce(Change::CallbackDue);
            }
            tx.commit().await?;
            expired += usize::from(moved);
        }
        Ok(expired)
    }
}
