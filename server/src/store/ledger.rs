//! The persisted ledger: journal entries, their postings, and a running balance per account.

use app::domain::ids::{CardId, MerchantId};
use app::domain::{
    ledger::{Account, CardStanding, EntryKind, JournalEntry, Posting},
    CardStatus, Cents,
};

use super::{
    dispatch::{is_check_violation, is_unique_violation},
    sql::{Conn, Param},
    Database, StoreError,
};

/// Writes one balanced entry inside the caller's transaction. `reference` is unique: the same
/// business operation cannot be posted twice ([`StoreError::AlreadyPosted`]). A balance pushed
/// below zero fails the table's CHECK (or finds no row to debit) and comes back as
/// [`StoreError::Overdrawn`], whatever the caller checked before.
///
/// Statement order matters for throughput: credits first, the debits last, because a debited
/// account (typically a merchant's wallet, shared by all its requests) stays row-locked from its
/// UPDATE until commit on PostgreSQL. `funding` (outside money, negative by design) is never
/// checked, so its postings count as credits.
pub async fn post_entry(
    conn: &mut Conn<'_>,
    entry: &JournalEntry,
    merchant_id: &MerchantId,
    card_id: Option<&CardId>,
    reference: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    let entry_id: i64 = conn
        .scalar(
            "INSERT INTO journal_entries (kind, merchant_id, card_id, reference, created_at_ms) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            &[
                entry.kind.code().into(),
                merchant_id.into(),
                card_id.into(),
                reference.into(),
                now_ms.into(),
            ],
        )
        .await
        .map_err(|error| {
            if is_unique_violation(&error) {
                StoreError::AlreadyPosted(reference.to_owned())
            } else {
                error.into()
            }
        })?;
    let postings: Vec<(String, &Posting)> = entry
        .postings
        .iter()
        .map(|posting| (posting.account.code(), posting))
        .collect();
    let values: Vec<String> = (0..postings.len())
        .map(|i| format!("($1, ${}, ${})", 2 * i + 2, 2 * i + 3))
        .collect();
    let insert = format!(
        "INSERT INTO postings (entry_id, account, amount) VALUES {}",
        values.join(", ")
    );
    let mut params: Vec<Param<'_>> = vec![entry_id.into()];
    for (code, posting) in &postings {
        params.push(code.into());
        params.push(posting.amount.0.into());
    }
    conn.execute(&insert, &params).await?;

    let (credits, debits): (Vec<_>, Vec<_>) = postings
        .iter()
        .partition(|(_, posting)| posting.amount.0 >= 0 || posting.account == Account::Funding);
    for (code, posting) in credits {
        // A credit cannot break the CHECK, so an upsert is safe (and the only statement).
        conn.execute(
            "INSERT INTO account_balances (account, balance) VALUES ($1, $2) \
             ON CONFLICT (account) DO UPDATE SET balance = account_balances.balance + excluded.balance",
            &[code.into(), posting.amount.0.into()],
        )
        .await?;
    }
    for (code, posting) in debits {
        let overdrawn = || StoreError::Overdrawn(code.clone());
        let updated = conn
            .execute(
                "UPDATE account_balances SET balance = balance + $2 WHERE account = $1",
                &[code.into(), posting.amount.0.into()],
            )
            .await
            .map_err(|error| {
                if is_check_violation(&error) {
                    overdrawn()
                } else {
                    error.into()
                }
            })?;
        if updated == 0 {
            // No row: the account never held money.
            return Err(overdrawn());
        }
    }
    Ok(())
}

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

/// An account's [`Funds`], inside a transaction.
pub async fn funds_of(conn: &mut Conn<'_>, account: &Account) -> Result<Funds, StoreError> {
    let row: Option<(i64, i64)> = conn
        .fetch_optional(
            "SELECT balance, held FROM account_balances WHERE account = $1",
            &[(&account.code()).into()],
        )
        .await?;
    let (balance, held) = row.unwrap_or((0, 0));
    Ok(Funds {
        balance: Cents(balance),
        held: Cents(held),
    })
}

/// Adds `delta` cents (negative: releases them) to what the account's pending authorizations
/// hold. A hold its balance cannot cover fails the table's CHECK and comes back as
/// [`StoreError::Overdrawn`], like an overdraft.
pub async fn change_hold(
    conn: &mut Conn<'_>,
    account: &Account,
    delta: Cents,
) -> Result<(), StoreError> {
    let code = account.code();
    let overdrawn = || StoreError::Overdrawn(code.clone());
    let updated = conn
        .execute(
            "UPDATE account_balances SET held = held + $2 WHERE account = $1",
            &[(&code).into(), delta.0.into()],
        )
        .await
        .map_err(|error| {
            if is_check_violation(&error) {
                overdrawn()
            } else {
                StoreError::from(error)
            }
        })?;
    if updated == 1 {
        Ok(())
    } else {
        Err(overdrawn())
    }
}

/// An account's balance (zero for an account that never held money).
pub async fn balance_of(conn: &mut Conn<'_>, account: &Account) -> Result<Cents, StoreError> {
    let balance: Option<i64> = conn
        .scalar_optional(
            "SELECT balance FROM account_balances WHERE account = $1",
            &[(&account.code()).into()],
        )
        .await?;
    Ok(Cents(balance.unwrap_or(0)))
}

impl Database {
    pub async fn balance(&self, account: &Account) -> Result<Cents, StoreError> {
        balance_of(&mut self.connection().await?.conn(), account).await
    }

    /// Every journal entry in posting order: the input of the ledger's invariant check.
    pub async fn journal(&self) -> Result<Vec<JournalEntry>, StoreError> {
        let sql = "SELECT e.id, e.kind, p.account, p.amount FROM journal_entries e \
                   JOIN postings p ON p.entry_id = e.id ORDER BY e.id, p.amount";
        let rows: Vec<(i64, String, String, i64)> = self.fetch_all(sql, &[]).await?;
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
        self.fetch_all(sql, &[]).await
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
        let rows: Vec<(String, String, i64, i64)> = self.fetch_all(sql, &[]).await?;
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
                    card: CardId::new(card),
                    status,
                    held: Cents(held),
                })
            })
            .collect()
    }
}
