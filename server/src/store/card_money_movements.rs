//! Money moved between a live card and its merchant's wallet: top-ups (recharges) and
//! withdrawals, each once per idempotency key, under the card's lock, with the card's ceiling
//! following its new balance.

use app::domain::ids::{CardId, MerchantId};
use app::domain::{
    ledger::{Account, EntryKind, JournalEntry},
    CardStatus, Cents,
};

use crate::change_feed::Change;

use super::{
    card_operations::{lock_card, CardOperationError},
    ledger::{balance_of, funds_of, post_entry},
    sql::Conn,
    Database, StoreError,
};

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
        self.move_once(merchant_id, card_id, amount, key, Direction::Withdrawal)
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
        self.move_once(merchant_id, card_id, amount, key, Direction::TopUp)
            .await
    }

    /// One movement per (merchant, direction, key): its ledger reference is unique, so a key can
    /// move money once.
    async fn move_once(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
        amount: Cents,
        key: &str,
        direction: Direction,
    ) -> Result<bool, CardOperationError> {
        let kind = match direction {
            Direction::TopUp => "recharge",
            Direction::Withdrawal => "withdrawal",
        };
        let reference = format!("{kind}:{merchant_id}:{key}");
        let outcome = self
            .try_move(merchant_id, card_id, amount, &reference, key, direction)
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
        tx.announce(Change::card(merchant_id, card_id));
        tx.commit().await?;
        Ok(true)
    }
}
