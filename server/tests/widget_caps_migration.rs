//! The migration that caps widget sessions, run on data written under the schema before it, on
//! SQLite and PostgreSQL: a session's cards (recognised by their orderNo then) stay its own with
//! their deposits, other cards do not become its own, and a session minted before caps existed
//! keeps no cap until it expires. The later chain migration makes each of those sessions the first
//! of its own chain, which is how its cards are found here.

mod support;

use app::domain::ids::{CardId, MerchantId, SessionId};
use app::domain::Cents;
use server::store::{Database, Pool, WidgetReservation};
use support::{test_database::execute, TestDatabase};

/// The last migration before the caps (the same number on both backends).
const BEFORE_CAPS: i64 = 10;

#[tokio::test]
async fn sqlite_sessions_keep_their_cards_and_their_promise() {
    let db = TestDatabase::sqlite_at(Some(BEFORE_CAPS)).await;
    sessions_keep_their_cards_and_their_promise(&db.database).await;
}

#[tokio::test]
async fn postgres_sessions_keep_their_cards_and_their_promise() {
    let db = TestDatabase::postgres_at(Some(BEFORE_CAPS)).await;
    sessions_keep_their_cards_and_their_promise(&db.database).await;
}

async fn sessions_keep_their_cards_and_their_promise(db: &Database) {
    // Session s1 made card c_1 with a $25.00 deposit; c_2 is an API card of the same merchant.
    let old_data = [
        "INSERT INTO merchants (id, name, created_at_ms) VALUES ('m_1', 'Acme', 1)",
        "INSERT INTO card_ranges (id, bin, brand, currency, pan_length, valid_months, \
         fee_one_cents, fee_two_cents, fee_three_cents) \
         VALUES ('r_1', '472593', 'VISA', 'USD', 16, 36, 100, 200, 300)",
        "INSERT INTO widget_sessions (id, token_hash, merchant_id, allowed_origins, \
         customer_email, created_at_ms, expires_at_ms) \
         VALUES ('s1', 'h1', 'm_1', '[]', NULL, 1, 9999999999999)",
        "INSERT INTO cards (id, merchant_id, order_no, request_hash, range_id, holder_id, seq_no, \
         first_name, last_name, fee_type, callback_url, status, stage, created_at_ms, updated_at_ms) \
         VALUES ('c_1', 'm_1', 'ws1-k1k1k1k1k1', 'h', 'r_1', 'ch_1', 's1', 'Milton', 'Schmitt', \
         'ONE', '', 'ACTIVE', 'Activated', 2, 2), \
         ('c_2', 'm_1', 'order-2', 'h', 'r_1', 'ch_2', 's2', 'Milton', 'Schmitt', 'ONE', '', \
         'ACTIVE', 'Activated', 3, 3)",
        "INSERT INTO journal_entries (kind, merchant_id, card_id, reference, created_at_ms) \
         VALUES ('card_deposit', 'm_1', 'c_1', 'd-1', 2), ('card_deposit', 'm_1', 'c_2', 'd-2', 3)",
        "INSERT INTO postings (entry_id, account, amount) \
         SELECT id, 'wallet:m_1', -2500 FROM journal_entries WHERE reference = 'd-1' UNION ALL \
         SELECT id, 'card:c_1', 2500 FROM journal_entries WHERE reference = 'd-1' UNION ALL \
         SELECT id, 'wallet:m_1', -4000 FROM journal_entries WHERE reference = 'd-2' UNION ALL \
         SELECT id, 'card:c_2', 4000 FROM journal_entries WHERE reference = 'd-2'",
    ];
    for sql in old_data {
        execute(db, sql).await.unwrap();
    }

    db.migrate()
        .await
        .expect("the caps migration applies to existing data");

    assert!(db
        .widget_chain_reserved(
            &MerchantId::new("m_1"),
            &SessionId::new("s1"),
            "ws1-k1k1k1k1k1"
        )
        .await
        .unwrap());
    assert!(!db
        .widget_chain_reserved(&MerchantId::new("m_1"), &SessionId::new("s1"), "order-2")
        .await
        .unwrap());
    assert_eq!(
        db.latest_widget_card(&MerchantId::new("m_1"), &SessionId::new("s1"))
            .await
            .unwrap()
            .as_ref()
            .map(CardId::as_str),
        Some("c_1")
    );
    let deposits =
        "SELECT deposit_cents FROM widget_session_cards WHERE order_no = 'ws1-k1k1k1k1k1'";
    let deposit: i64 = match db.pool() {
        Pool::Sqlite(pool, _) => sqlx::query_scalar(deposits).fetch_one(pool).await,
        Pool::Postgres(pool) => sqlx::query_scalar(deposits).fetch_one(pool).await,
    }
    .unwrap();
    assert_eq!(deposit, 2500);

    // Minted without caps, it keeps making cards until it expires.
    for key in ["k2k2k2k2k2", "k3k3k3k3k3"] {
        let order_no = format!("ws1-{key}");
        let reservation = db
            .reserve_widget_card(
                &MerchantId::new("m_1"),
                &SessionId::new("s1"),
                &order_no,
                Cents(500_000),
                4,
            )
            .await
            .unwrap();
        assert_eq!(reservation, WidgetReservation::Reserved);
    }
}
