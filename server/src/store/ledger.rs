//! The persisted ledger: journal entries, their postings, and a running balance per account.

use app::domain::{
    ledger::{Account, EntryKind, JournalEntry, Posting},
    Cents,
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
}
