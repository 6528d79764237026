//! The migration that gives every card a user, run on cards written under the schema before it,
//! on SQLite and PostgreSQL: a card of a customer belongs to that customer's user id, a card made
//! without an email gets a user id of its own (the seed's `u_` form, one per card), and both read
//! back with no address of their own and no labels.

mod support;

use app::domain::ids::{CardId, MerchantId};
use server::store::Database;
use support::{test_database::execute, TestDatabase};

/// The last migration before card owners (the same number on both backends).
const BEFORE_OWNERS: i64 = 12;

#[tokio::test]
async fn sqlite_every_existing_card_gets_a_user() {
    let db = TestDatabase::sqlite_at(Some(BEFORE_OWNERS)).await;
    every_existing_card_gets_a_user(&db.database).await;
}

#[tokio::test]
async fn postgres_every_existing_card_gets_a_user() {
    let db = TestDatabase::postgres_at(Some(BEFORE_OWNERS)).await;
    every_existing_card_gets_a_user(&db.database).await;
}

async fn every_existing_card_gets_a_user(db: &Database) {
    let old_data = [
        "INSERT INTO merchants (id, name, created_at_ms) VALUES ('m_1', 'Acme', 1)",
        "INSERT INTO card_ranges (id, bin, brand, currency, pan_length, valid_months, \
         fee_one_cents, fee_two_cents, fee_three_cents) \
         VALUES ('r_1', '472593', 'VISA', 'USD', 16, 36, 100, 200, 300)",
        "INSERT INTO customers (id, merchant_id, email, external_id, kyc_status, created_at_ms) \
         VALUES ('u_0123456789abcdef', 'm_1', 'una@example.com', 'crm-1', 'NONE', 1)",
        "INSERT INTO cards (id, merchant_id, order_no, request_hash, range_id, customer_id, holder_id, \
         seq_no, first_name, last_name, fee_type, callback_url, status, stage, created_at_ms, updated_at_ms) \
         VALUES ('c_1', 'm_1', 'o-1', 'h', 'r_1', 'u_0123456789abcdef', 'ch_1', 's1', 'Milton', \
         'Schmitt', 'ONE', '', 'INIT', 'opening_card', 2, 2), \
         ('c_2', 'm_1', 'o-2', 'h', 'r_1', NULL, 'ch_2', 's2', 'Milton', 'Schmitt', 'ONE', '', \
         'INIT', 'opening_card', 3, 3), \
         ('c_3', 'm_1', 'o-3', 'h', 'r_1', NULL, 'ch_3', 's3', 'Milton', 'Schmitt', 'ONE', '', \
         'INIT', 'opening_card', 4, 4)",
    ];
    for sql in old_data {
        execute(db, sql).await.unwrap();
    }

    db.migrate()
        .await
        .expect("the card owner migration applies to existing data");

    let card = |id: &'static str| async move {
        db.card(&MerchantId::new("m_1"), &CardId::new(id.to_owned()))
            .await
            .unwrap()
            .unwrap()
    };
    let with_customer = card("c_1").await;
    assert_eq!(with_customer.user_id, "u_0123456789abcdef");
    assert_eq!(with_customer.customer_external_id.as_deref(), Some("crm-1"));
    let (own, other) = (card("c_2").await, card("c_3").await);
    for view in [&own, &other] {
        assert!(
            view.user_id.starts_with("u_") && view.user_id.len() == 18,
            "{}",
            view.user_id
        );
        assert_eq!(view.customer_external_id, None);
        assert_eq!(view.holder_address, None);
        assert!(view.tags.is_empty());
    }
    assert_ne!(
        own.user_id, other.user_id,
        "one user per card without an email"
    );
}
