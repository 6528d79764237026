//! What a merchant does with a live card's status: freeze, unfreeze, delete (its balance going back
//! to the wallet), and read its transactions; the card lock every money path takes. Each change is
//! one transaction: status, timeline event and ledger entry together. Top-ups and withdrawals are
//! in `card_money_movements`.

use app::domain::ids::{CardId, MerchantId};
use app::domain::{
    ledger::{Account, EntryKind, JournalEntry},
    provisioning::ProvisioningStage,
    CardStatus, Cents,
};

use crate::change_feed::Change;

use super::{
    ledger::{funds_of, post_entry},
    provisioning_steps::append_event,
    sql::Conn,
    webhook_outbox::{enqueue_status_callback, StatusChange},
    Database, StoreError,
};

#[derive(Debug, thiserror::Error)]
pub enum CardOperationError {
    #[error("card not found")]
    NotFound,
    #[error("a card in status {from} cannot become {to}")]
    Illegal { from: CardStatus, to: CardStatus },
    #[error("insufficient funds: {available} available")]
    InsufficientFunds { available: Cents },
    #[error("the authorization is {0}, not PENDING")]
    NotPending(&'static str),
    #[error("the idempotency key {0} was already used for a different request")]
    KeyReused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for CardOperationError {
    fn from(error: sqlx::Error) -> Self {
        CardOperationError::Store(error.into())
    }
}

/// One money movement on a card, as its statement shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardTransaction {
    pub id: i64,
    pub kind: EntryKind,
    pub reference: String,
    /// Positive: money onto the card; negative: off it.
    pub amount: Cents,
    pub at_ms: i64,
}

/// A guarded status change plus its event and callback; whether the card was still in `from`.
pub(super) async fn set_status(
    conn: &mut Conn<'_>,
    card_id: &CardId,
    from: CardStatus,
    to: CardStatus,
    stage: ProvisioningStage,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let updated = conn
        .execute(
            "UPDATE cards SET status = $1, updated_at_ms = $2 WHERE id = $3 AND status = $4",
            &[
                to.code().into(),
                now_ms.into(),
                card_id.into(),
                from.code().into(),
            ],
        )
        .await?;
    if updated == 1 {
        let change = StatusChange {
            card_id,
            status: to,
            stage,
            at_ms: now_ms,
        };
        append_event(conn, &change).await?;
        enqueue_status_callback(conn, &change).await?;
    }
    Ok(updated == 1)
}

/// Locks the merchant's card row until commit and reads its current status (`None`: no such
/// card). Every operation that moves a card's money or changes its status takes this lock first,
/// so each decides on the card as it is and none interleaves with another; on SQLite, whose
/// writers queue anyway, it is only the read.
pub(super) async fn lock_card(
    conn: &mut Conn<'_>,
    merchant_id: &MerchantId,
    card_id: &CardId,
) -> Result<Option<CardStatus>, StoreError> {
    let status: Option<String> = conn
        .scalar_optional(
            "UPDATE cards SET updated_at_ms = updated_at_ms WHERE id = $1 AND merchant_id = $2 \
             RETURNING status",
            &[card_id.into(), merchant_id.into()],
        )
        .await?;
    status
        .map(|status| {
            CardStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("card {card_id}")))
        })
        .transpose()
}

impl Database {
    #[tracing::instrument(level = "debug", skip_all, fields(%merchant_id, %card_id))]
    async fn card_state(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<(CardStatus, ProvisioningStage), CardOperationError> {
        let sql = "SELECT status, stage FROM cards WHERE merchant_id = $1 AND id = $2";
        let row: Option<(String, String)> = self
            .fetch_optional(sql, &[merchant_id.into(), card_id.into()])
            .await?;
        let (status, stage) = row.ok_or(CardOperationError::NotFound)?;
        let corrupt = || StoreError::Corrupt(format!("card {card_id}"));
        Ok((
            CardStatus::parse(&status).ok_or_else(corrupt)?,
            ProvisioningStage::parse(&stage).ok_or_else(corrupt)?,
        ))
    }

    /// Moves a merchant's card to `to` if the transition table allows it from its current status.
    #[tracing::instrument(level = "debug", skip_all, fields(%merchant_id, %card_id))]
    pub async fn transition_card(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
        to: CardStatus,
    ) -> Result<(), CardOperationError> {
        let (from, stage) = self.card_state(merchant_id, card_id).await?;
        from.transition(to)
            .map_err(|_| CardOperationError::Illegal { from, to })?;
        let now = self.now_ms();
        let mut tx = self.begin().await?;
        let changed = set_status(&mut tx.conn(), card_id, from, to, stage, now).await?;
        if changed {
            tx.announce(Change::card(merchant_id, card_id));
            tx.announce(Change::CallbackDue);
        }
        tx.commit().await?;
        if changed {
            Ok(())
        } else {
            // Someone else changed the card meanwhile; report against what it is now.
            let (current, _) = self.card_state(merchant_id, card_id).await?;
            Err(CardOperationError::Illegal { from: current, to })
        }
    }

    /// Deletes a card: CANCELLING, what no authorization holds back to the wallet, DELETED —
    /// atomically. What pending authorizations hold stays on the closed card, as a card network
    /// keeps an approved authorization capturable after the card is closed: a capture takes it to
    /// spend, a reversal returns it to the wallet ([`Database::settle_authorization`]).
    #[tracing::instrument(level = "debug", skip_all, fields(%merchant_id, %card_id))]
    pub async fn delete_card(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<Cents, CardOperationError> {
        let (from, stage) = self.card_state(merchant_id, card_id).await?;
        from.transition(CardStatus::Cancelling)
            .map_err(|_| CardOperationError::Illegal {
                from,
                to: CardStatus::Deleted,
            })?;
        let now = self.now_ms();
        let card = Account::Card(card_id.to_owned());
        let mut tx = self.begin().await?;
        let mut conn = tx.conn();
        // Guarded on the status read, and the card row stays locked until commit.
        if !set_status(&mut conn, card_id, from, CardStatus::Cancelling, stage, now).await? {
            return Err(CardOperationError::Illegal {
                from,
                to: CardStatus::Deleted,
            });
        }
        let returned = funds_of(&mut conn, &card).await?.unheld();
        if returned.is_positive() {
            let wallet = Account::MerchantWallet(merchant_id.to_owned());
            let entry =
                JournalEntry::transfer(EntryKind::CardClosure, card.clone(), wallet, returned)
                    .map_err(|error| StoreError::Invalid(error.to_string()))?;
            let reference = format!("closure:{card_id}");
            post_entry(
                &mut conn,
                &entry,
                merchant_id,
                Some(card_id),
                &reference,
                now,
            )
            .await?;
        }
        let closed = CardStatus::Deleted;
        set_status(
            &mut conn,
            card_id,
            CardStatus::Cancelling,
            closed,
            stage,
            now,
        )
        .await?;
        tx.announce(Change::card(merchant_id, card_id));
        tx.announce(Change::CallbackDue);
        tx.commit().await?;
        Ok(returned)
    }

    /// The card's statement, oldest first.
    #[tracing::instrument(level = "debug", skip_all, fields(%merchant_id, %card_id))]
    pub async fn card_transactions(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<Vec<CardTransaction>, CardOperationError> {
        self.card_state(merchant_id, card_id).await?;
        let sql = "SELECT e.id, e.kind, e.reference, p.amount, e.created_at_ms FROM postings p \
                   JOIN journal_entries e ON e.id = p.entry_id WHERE p.account = $1 ORDER BY e.id";
        let account = Account::Card(card_id.to_owned()).code();
        let rows: Vec<(i64, String, String, i64, i64)> =
            self.fetch_all(sql, &[(&account).into()]).await?;
        rows.into_iter()
            .map(|(id, kind, reference, amount, at_ms)| {
                let kind = EntryKind::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("entry {id}")))?;
                Ok(CardTransaction {
                    id,
                    kind,
                    reference,
                    amount: Cents(amount),
                    at_ms,
                })
            })
            .collect()
    }

    /// The customer a card was issued for, if any: (email, KYC status code).
    #[tracing::instrument(level = "debug", skip_all, fields(%merchant_id, %card_id))]
    pub async fn card_customer_email(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<Option<String>, StoreError> {
        let sql = "SELECT u.email FROM cards c JOIN customers u ON u.id = c.customer_id \
                   WHERE c.merchant_id = $1 AND c.id = $2";
        self.scalar_optional(sql, &[merchant_id.into(), card_id.into()])
            .await
    }
}
