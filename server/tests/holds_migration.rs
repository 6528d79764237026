//! The migration that keeps holds beside balances, run on data written under the schema before it,
//! on SQLite and PostgreSQL: each card's `held` becomes what its pending authorizations hold, and
//! from then on the database refuses a balance below it.

mod support;

use app::domain::{ledger::LedgerState, CardStatus, Cents};
use server::store::{Database, Pool};
use support::{test_database::execute, TestDatabase};

/// The last migration before the holds column (the same number on both backends).
const BEFORE_HOLDS: i64 = 8;

#[tokio::test]
async fn sqlite_pending_authorizations_become_the_held_amount() {
    let db = TestDatabase::sqlite_at(Some(BEFORE_HOLDS)).await;
    pending_authorizations_become_the_held_amount(&db.database).await;
}

#[tokio::test]
async fn postgres_pending_authorizations_become_the_held_amount() {
    let db = TestDatabase::postgres_at(Some(BEFORE_HOLDS)).await;
    pending_authorizations_become_the_held_amount(&db.database).await;
}

async fn held(db: &Database, account: &str) -> i64 {
    let sql = "SELECT held FROM account_balances WHERE account = $1";
    match db.pool() {
        Pool::Sqlite(pool, _) => sqlx::query_scalar(sql).bind(account).fetch_one(pool).await,
        Pool::Postgres(pool) => sqlx::query_scalar(sql).bind(account).fetch_one(pool).await,
    }
    .unwrap()
}

async fn pending_authorizations_become_the_held_amount(db: &Database) {
    // A merchant with $50.00 in its wallet and two ACTIVE cards, written as the old schema had
    // them: the first has $50.00 on it and four authorizations, two of them pending.
    let old_data = [
        "INSERT INTO merchants (id, name, created_at_ms) VALUES ('m_1', 'Acme', 1)",
        "INSERT INTO card_ranges (id, bin, brand, currency, pan_length, valid_months, \
         fee_one_cents, fee_two_cents, fee_three_cents) \
         VALUES ('r_1', '472593', 'VISA', 'USD', 16, 36, 100, 200, 300)",
        "INSERT INTO cards (id, merchant_id, order_no, request_hash, range_id, holder_id, seq_no, \
         first_name, last_name, fee_type, callback_url, status, stage, created_at_ms, updated_at_ms) \
         VALUES ('c_1', 'm_1', 'o-1', 'h', 'r_1', 'ch_1', 's1', 'Milton', 'Schmitt', 'ONE', '', \
         'ACTIVE', 'Activated', 1, 1), \
         ('c_2', 'm_1', 'o-2', 'h', 'r_1', 'ch_2', 's2', 'Milton', 'Schmitt', 'ONE', '', \
         'ACTIVE', 'Activated', 1, 1)",
        "INSERT INTO authorizations (id, card_id, amount, currency, merchant_name, category, \
         status, created_at_ms) VALUES \
         ('a_1', 'c_1', 1200, 'USD', 'Shop', '5734', 'PENDING', 1), \
         ('a_2', 'c_1', 300, 'USD', 'Shop', '5734', 'PENDING', 2), \
         ('a_3', 'c_1', 999, 'USD', 'Shop', '5734', 'CAPTURED', 3), \
         ('a_4', 'c_1', 50, 'USD', 'Shop', '5734', 'DECLINED', 4)",
        "INSERT INTO journal_entries (kind, merchant_id, card_id, reference, created_at_ms) \
         VALUES ('wallet_funding', 'm_1', NULL, 'f-1', 1), \
         ('card_deposit', 'm_1', 'c_1', 'd-1', 1), ('card_deposit', 'm_1', 'c_2', 'd-2', 1)",
        "INSERT INTO postings (entry_id, account, amount) \
         SELECT id, 'funding', -15000 FROM journal_entries WHERE reference = 'f-1' UNION ALL \
         SELECT id, 'wallet:m_1', 15000 FROM journal_entries WHERE reference = 'f-1' UNION ALL \
         SELECT id, 'wallet:m_1', -5000 FROM journal_entries WHERE reference = 'd-1' UNION ALL \
         SELECT id, 'card:c_1', 5000 FROM journal_entries WHERE reference = 'd-1' UNION ALL \
         SELECT id, 'wallet:m_1', -5000 FROM journal_entries WHERE reference = 'd-2' UNION ALL \
         SELECT id, 'card:c_2', 5000 FROM journal_entries WHERE reference = 'd-2'",
        "INSERT INTO account_balances (account, balance) VALUES \
         ('funding', -15000), ('wallet:m_1', 5000), ('card:c_1', 5000), ('card:c_2', 5000)",
    ];
    for sql in old_data {
        execute(db, sql).await.unwrap();
    }

    db.migrate()
        .await
        .expect("the holds migration applies to existing data");

    assert_eq!(held(db, "card:c_1").await, 1500, "the two pending ones");
    assert_eq!(held(db, "card:c_2").await, 0);
    assert_eq!(held(db, "wallet:m_1").await, 0);
    assert_eq!(held(db, "funding").await, 0);
    let standings = db.card_standings().await.expect("held agrees with pending");
    assert_eq!(
        standings
            .iter()
            .map(|standing| (standing.card.as_str(), standing.status, standing.held))
            .collect::<Vec<_>>(),
        [
            ("c_1", CardStatus::Active, Cents(1500)),
            ("c_2", CardStatus::Active, Cents(0)),
        ]
    );
    let state = LedgerState::replay(&db.journal().await.unwrap()).unwrap();
    state.check_standing(&standings).unwrap();

    // From now on the database itself keeps the balance at or above what is held.
    let below_holds = "UPDATE account_balances SET balance = 1499 WHERE account = 'card:c_1'";
    let refused = execute(db, below_holds).await.unwrap_err();
    assert!(
        server::store::dispatch::is_check_violation(&refused),
        "{refused}"
    );
    execute(
        db,
        "UPDATE account_balances SET balance = 1500 WHERE account = 'card:c_1'",
    )
    .await
    .expect("exactly the held amount is allowed");
}
