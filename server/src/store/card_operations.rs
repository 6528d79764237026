//! What a merchant does with a live card: freeze, unfreeze, delete, recharge, and read its
//! transactions. Each change is one transaction: status, timeline event and ledger entry together.

use app::domain::ids::{CardId, MerchantId};
use app::domain::{
    ledger::{Account, EntryKind, JournalEntry},
    provisioning::ProvisioningStage,
    CardStatus, Cents,
};

use super::{
    ledger::{balance_of, funds_of, post_entry},
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

/// A money movement already posted under an idempotency key.
#[derive(Debug, PartialEq, Eq)]
struct PriorMovement {
    card: Option<String>,
    amount: Cents,
}

impl PriorMovement {
    /// The same key with the same card and amount is a repeat, answered as the first time was
    /// (`Ok(false)`: nothing moved now); with anything else it is a conflict and moves nothing.
    fn repeat_or_conflict(
        &self,
        card_id: &CardId,
        amount: Cents,
        key: &str,
    ) -> Result<bool, CardOperationError> {
        if self.card.as_deref() == Some(card_id.as_str()) && self.amount == amount {
            Ok(false)
        } else {
            Err(CardOperationError::KeyReused(key.to_owned()))
        }
    }
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

/// Which way money moves between a card and its merchant's wallet.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    TopUp,
    Withdrawal,
}

/// A top-up or withdrawal as it is posted: the entry and where it goes in the ledger.
struct Movement<'a> {
    entry: &'a JournalEntry,
    merchant_id: &'a MerchantId,
    card_id: &'a CardId,
    reference: &'a str,
    /// What the paying account had free: the answer to an overdraft.
    available: Cents,
    /// A top-up (the ceiling may rise with autolimit) rather than a withdrawal.
    topped_up: bool,
}

/// Posts a movement and lets the card's ceiling follow the new balance. An overdraft reports
/// `available`; a reference posted meanwhile by a concurrent request comes back as
/// [`StoreError::AlreadyPosted`], for the caller to compare with this request.
async fn post_movement(
    conn: &mut Conn<'_>,
    movement: &Movement<'_>,
    now_ms: i64,
) -> Result<(), CardOperationError> {
    let posted = post_entry(
        conn,
        movement.entry,
        movement.merchant_id,
        Some(movement.card_id),
        movement.reference,
        now_ms,
    )
    .await;
    match posted {
        Ok(()) => {
            ceiling_follows_balance(conn, movement.card_id, movement.topped_up).await?;
            Ok(())
        }
        Err(StoreError::Overdrawn(_)) => Err(CardOperationError::InsufficientFunds {
            available: movement.available,
        }),
        Err(error) => Err(error.into()),
    }
}

/// The card and amount of the movement already posted under this ledger reference, if any.
async fn prior_movement(
    conn: &mut Conn<'_>,
    reference: &str,
) -> Result<Option<PriorMovement>, StoreError> {
    let row: Option<(Option<String>, i64)> = conn
        .fetch_optional(
            "SELECT e.card_id, MAX(p.amount) FROM journal_entries e \
             JOIN postings p ON p.entry_id = e.id WHERE e.reference = $1 GROUP BY e.id, e.card_id",
            &[reference.into()],
        )
        .await?;
    Ok(row.map(|(card, amount)| PriorMovement {
        card,
        amount: Cents(amount),
    }))
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

/// After money moved on or off a card, its per-transaction ceiling follows the balance: set to it
/// after a top-up when autolimit is on, and never left above it.
async fn ceiling_follows_balance(
    conn: &mut Conn<'_>,
    card_id: &CardId,
    topped_up: bool,
) -> Result<(), StoreError> {
    let balance = balance_of(conn, &Account::Card(card_id.to_owned())).await?;
    conn.execute(
        "UPDATE card_controls SET limit_per_transaction = CASE \
         WHEN $3 AND is_autolimit THEN $2 WHEN limit_per_transaction > $2 THEN $2 \
         ELSE limit_per_transaction END WHERE card_id = $1",
        &[card_id.into(), balance.0.into(), topped_up.into()],
    )
    .await?;
    Ok(())
}

impl Database {
    /// Takes part of a live card's balance back to the wallet (a limit decrease). What pending
    /// authorizations hold cannot be withdrawn. `key`, the merchant's idempotency key for
    /// withdrawals, makes it happen once: the same key and request again changes nothing and
    /// reports `false`; the same key with another card or amount is
    /// [`CardOperationError::KeyReused`].
    #[tracing::instrument(level = "debug", skip_all, fields(%merchant_id, %card_id))]
    pub async fn withdraw_from_card(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
        amount: Cents,
        key: &str,
    ) -> Result<bool, CardOperationError> {
        let reference = format!("withdrawal:{merchant_id}:{key}");
        let outcome = self
            .try_move(
                merchant_id,
                card_id,
                amount,
                &reference,
                key,
                Direction::Withdrawal,
            )
            .await;
        self.after_key_race(outcome, &reference, card_id, amount, key)
            .await
    }

    /// A concurrent request with the same key posted first (its ledger reference is unique):
    /// this one is answered as if it had come just after it, a repeat or a conflict.
    #[tracing::instrument(level = "debug", skip_all, fields(%card_id))]
    async fn after_key_race(
        &self,
        outcome: Result<bool, CardOperationError>,
        reference: &str,
        card_id: &CardId,
        amount: Cents,
        key: &str,
    ) -> Result<bool, CardOperationError> {
        match outcome {
            Err(CardOperationError::Store(StoreError::AlreadyPosted(_))) => {
                let prior = prior_movement(&mut self.connection().await?.conn(), reference).await?;
                prior
                    .ok_or_else(|| StoreError::Corrupt(format!("ledger reference {reference}")))?
                    .repeat_or_conflict(card_id, amount, key)
            }
            other => other,
        }
    }

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
        tx.commit().await?;
        Ok(returned)
    }

    /// Tops an ACTIVE card up from the wallet. `key`, the merchant's idempotency key for
    /// recharges (dialect A's `orderNo`, dialect B's `Idempotency-Key`), makes it happen once: the
    /// same key and request again changes nothing and reports `false`; the same key with another
    /// card or amount is [`CardOperationError::KeyReused`].
    #[tracing::instrument(level = "debug", skip_all, fields(%merchant_id, %card_id))]
    pub async fn recharge_card(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
        amount: Cents,
        key: &str,
    ) -> Result<bool, CardOperationError> {
        let reference = format!("recharge:{merchant_id}:{key}");
        let outcome = self
            .try_move(
                merchant_id,
                card_id,
                amount,
                &reference,
                key,
                Direction::TopUp,
            )
            .await;
        self.after_key_race(outcome, &reference, card_id, amount, key)
            .await
    }

    /// A top-up or withdrawal under the card's lock: a close cannot slip in between the status
    /// check and the movement (either the movement comes first and the close returns it, or it
    /// is refused), and a repeated key is answered before anything moves.
    #[tracing::instrument(level = "debug", skip_all, fields(%merchant_id, %card_id))]
    async fn try_move(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
        amount: Cents,
        reference: &str,
        key: &str,
        direction: Direction,
    ) -> Result<bool, CardOperationError> {
        let card = Account::Card(card_id.to_owned());
        let wallet = Account::MerchantWallet(merchant_id.to_owned());
        let (kind, from, to) = match direction {
            Direction::TopUp => (EntryKind::CardRecharge, wallet, card),
            Direction::Withdrawal => (EntryKind::CardWithdrawal, card, wallet),
        };
        let entry = JournalEntry::transfer(kind, from.clone(), to, amount)
            .map_err(|error| StoreError::Invalid(error.to_string()))?;
        let now = self.now_ms();
        let mut tx = self.begin().await?;
        let mut conn = tx.conn();
        let status = lock_card(&mut conn, merchant_id, card_id)
            .await?
            .ok_or(CardOperationError::NotFound)?;
        if let Some(prior) = prior_movement(&mut conn, reference).await? {
            return prior.repeat_or_conflict(card_id, amount, key);
        }
        let available = match direction {
            Direction::TopUp if status != CardStatus::Active => {
                let to = CardStatus::Active;
                return Err(CardOperationError::Illegal { from: status, to });
            }
            Direction::Withdrawal if !matches!(status, CardStatus::Active | CardStatus::Freeze) => {
                let to = status;
                return Err(CardOperationError::Illegal { from: status, to });
            }
            Direction::TopUp => balance_of(&mut conn, &from).await?,
            // What pending authorizations hold cannot be taken off the card.
            Direction::Withdrawal => funds_of(&mut conn, &from).await?.unheld(),
        };
        if available < amount {
            return Err(CardOperationError::InsufficientFunds { available });
        }
        let movement = Movement {
            entry: &entry,
            merchant_id,
            card_id,
            reference,
            available,
            topped_up: direction == Direction::TopUp,
        };
        post_movement(&mut conn, &movement, now).await?;
        tx.commit().await?;
        Ok(true)
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
