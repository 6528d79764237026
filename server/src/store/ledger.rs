//! The persisted ledger: journal entries, their postings, and a running balance per account.

use app::domain::{
    ledger::{Account, CardStanding, EntryKind, JournalEntry, Posting},
    CardStatus, Cents,
};

use super::{dispatch::on_pool, Database, StoreError};

/// `post_entry!(conn, &entry, merchant_id, card_id, reference, now_ms)` writes one balanced entry
/// inside the caller's transaction. `reference` is unique: the same business operation cannot be
/// posted twice ([`StoreError::AlreadyPosted`]). A balance pushed below zero fails the table's CHECK
/// (or finds no row to debit) and comes back as [`StoreError::Overdrawn`], whatever the caller
/// checked before.
///
/// Statement order matters for throughput: credits first, the debits last, because a debited
/// account (typically a merchant's wallet, shared by all its requests) stays row-locked from its
/// UPDATE until commit on PostgreSQL.
macro_rules! post_entry {
    ($conn:expr, $entry:expr, $merchant:expr, $card:expr, $reference:expr, $now:expr) => {
        async {
            let conn = $conn;
            let entry: &app::domain::ledger::JournalEntry = $entry;
            let entry_id: i64 = sqlx::query_scalar(
                "INSERT INTO journal_entries (kind, merchant_id, card_id, reference, created_at_ms) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(entry.kind.code())
            .bind($merchant)
            .bind($card)
            .bind($reference)
            .bind($now)
            .fetch_one(&mut *conn)
            .await
            .map_err(|error| {
                if $crate::store::dispatch::is_unique_violation(&error) {
                    $crate::store::StoreError::AlreadyPosted($reference.to_string())
                } else {
                    error.into()
                }
            })?;
            let postings: Vec<(String, i64)> =
                entry.postings.iter().map(|posting| (posting.account.code(), posting.amount.0)).collect();
            let values: Vec<String> = (0..postings.len())
                .map(|i| format!("($1, ${}, ${})", 2 * i + 2, 2 * i + 3))
                .collect();
            let insert = format!("INSERT INTO postings (entry_id, account, amount) VALUES {}", values.join(", "));
            let mut query = sqlx::query(&insert).bind(entry_id);
            for (account, amount) in &postings {
                query = query.bind(account).bind(*amount);
            }
            query.execute(&mut *conn).await?;

            let (credits, debits): (Vec<_>, Vec<_>) = postings
                .iter()
                .partition(|(account, amount)| *amount >= 0 || account == "funding");
            for (account, amount) in credits {
                // A credit cannot break the CHECK, so an upsert is safe (and the only statement).
                sqlx::query(
                    "INSERT INTO account_balances (account, balance) VALUES ($1, $2) \
                     ON CONFLICT (account) DO UPDATE SET balance = account_balances.balance + excluded.balance",
                )
                .bind(account)
                .bind(*amount)
                .execute(&mut *conn)
                .await?;
            }
            for (account, amount) in debits {
                let overdrawn = || $crate::store::StoreError::Overdrawn(account.clone());
                let updated = sqlx::query("UPDATE account_balances SET balance = balance + $2 WHERE account = $1")
                    .bind(account)
                    .bind(*amount)
                    .execute(&mut *conn)
                    .await
                    .map_err(|error| {
                        if $crate::store::dispatch::is_check_violation(&error) {
                            overdrawn()
                        } else {
                            error.into()
                        }
                    })?
                    .rows_affected();
                if updated == 0 {
                    // No row: the account never held money.
                    return Err(overdrawn());
                }
            }
            Ok::<(), $crate::store::StoreError>(())
        }
        .await
    };
}
pub(crate) use post_entry;

/// A card account's money: its balance, and the part of it that pending authorizations hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Funds {
    pub balance: Cents,
    pub held: Cents,
}

impl Funds {
    /// What no authorization holds: all that a purchase, a withdrawal, a fee or a closure may
    /// take. Never negative (the table's CHECK keeps holds within the balance).
    pub fn unheld(self) -> Cents {
        self.balance
            .checked_sub(self.held)
            .filter(|unheld| unheld.0 > 0)
            .unwrap_or(Cents::ZERO)
    }
}

/// `funds_of!(conn, account_code)`: an account's [`Funds`] inside a transaction.
macro_rules! funds_of {
    ($conn:expr, $account:expr) => {
        sqlx::query_as::<_, (i64, i64)>(
            "SELECT balance, held FROM account_balances WHERE account = $1",
        )
        .bind($account)
        .fetch_optional($conn)
        .await
        .map(|row| {
            let (balance, held) = row.unwrap_or((0, 0));
            $crate::store::ledger::Funds {
                balance: app::domain::Cents(balance),
                held: app::domain::Cents(held),
            }
        })
    };
}
pub(crate) use funds_of;

/// `change_hold!(conn, account_code, delta)`: adds `delta` cents (negative: releases them) to what
/// the account's pending authorizations hold. A hold its balance cannot cover fails the table's
/// CHECK and comes back as [`StoreError::Overdrawn`], like an overdraft.
macro_rules! change_hold {
    ($conn:expr, $account:expr, $delta:expr) => {
        async {
            let account: &str = $account;
            let overdrawn = || $crate::store::StoreError::Overdrawn(account.to_owned());
            let updated =
                sqlx::query("UPDATE account_balances SET held = held + $2 WHERE account = $1")
                    .bind(account)
                    .bind($delta)
                    .execute($conn)
                    .await
                    .map_err(|error| {
                        if $crate::store::dispatch::is_check_violation(&error) {
                            overdrawn()
                        } else {
                            $crate::store::StoreError::from(error)
                        }
                    })?
                    .rows_affected();
            if updated == 1 {
                Ok::<(), $crate::store::StoreError>(())
            } else {
                Err(overdrawn())
            }
        }
        .await
    };
}
pub(crate) use change_hold;

/// `balance_of!(conn, account_code)`: an account's balance inside a transaction.
macro_rules! balance_of {
    ($conn:expr, $account:expr) => {
        sqlx::query_scalar::<_, i64>("SELECT balance FROM account_balances WHERE account = $1")
            .bind($account)
            .fetch_optional($conn)
            .await
            .map(|balance| app::domain::Cents(balance.unwrap_or(0)))
    };
}
pub(crate) use balance_of;

impl Database {
    pub async fn balance(&self, account: &Account) -> Result<Cents, StoreError> {
        let code = account.code();
        Ok(on_pool!(self, pool => balance_of!(pool, &code))?)
    }

    /// Every journal entry in posting order: the input of the ledger's invariant check.
    pub async fn journal(&self) -> Result<Vec<JournalEntry>, StoreError> {
        let sql = "SELECT e.id, e.kind, p.account, p.amount FROM journal_entries e \
                   JOIN postings p ON p.entry_id = e.id ORDER BY e.id, p.amount";
        let rows: Vec<(i64, String, String, i64)> =
            on_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await)?;
        let mut entries: Vec<(i64, JournalEntry)> = Vec::new();
        for (id, kind, account, amount) in rows {
            let corrupt = || StoreError::Corrupt(format!("journal entry {id}"));
            let posting = Posting {
                account: Account::parse(&account).ok_or_else(corrupt)?,
                amount: Cents(amount),
            };
            match entries.last_mut() {
                Some((last, entry)) if *last == id => entry.postings.push(posting),
                _ => {
                    let kind = EntryKind::parse(&kind).ok_or_else(corrupt)?;
                    entries.push((
                        id,
                        JournalEntry {
                            kind,
                            postings: vec![posting],
                        },
                    ));
                }
            }
        }
        Ok(entries.into_iter().map(|(_, entry)| entry).collect())
    }

    /// The stored running balances, to compare with a replay of the journal.
    pub async fn stored_balances(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let sql = "SELECT account, balance FROM account_balances ORDER BY account";
        Ok(on_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await)?)
    }

    /// Every card's status and the funds its pending authorizations hold: with [`Self::journal`],
    /// the input of [`app::domain::ledger::LedgerState::check_standing`].
    /// The held amount kept beside each balance must equal the sum of the pending authorizations;
    /// a difference is reported as [`StoreError::Corrupt`].
    pub async fn card_standings(&self) -> Result<Vec<CardStanding>, StoreError> {
        let sql = "SELECT c.id, c.status, CAST(COALESCE(SUM(a.amount), 0) AS BIGINT), \
                   COALESCE(MAX(b.held), 0) FROM cards c \
                   LEFT JOIN authorizations a ON a.card_id = c.id AND a.status = 'PENDING' \
                   LEFT JOIN account_balances b ON b.account = 'card:' || c.id \
                   GROUP BY c.id, c.status ORDER BY c.id";
        let rows: Vec<(String, String, i64, i64)> =
            on_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await)?;
        rows.into_iter()
            .map(|(card, status, held, held_column)| {
                if held != held_column {
                    return Err(StoreError::Corrupt(format!(
                        "card {card}: {held_column} marked held, {held} pending"
                    )));
                }
                let status = CardStatus::parse(&status)
                    .ok_or_else(|| StoreError::Corrupt(format!("card {card}")))?;
                Ok(CardStanding {
                    card,
                    status,
                    held: Cents(held),
                })
            })
            .collect()
    }
}
