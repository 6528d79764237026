//! Card creations that share one transaction (the creation batcher's unit of work), and the expiry
//! job, on SQLite and PostgreSQL.

mod support;

use app::domain::ids::MerchantId;

use app::domain::{
    cardholder_name::CardholderName,
    fee_type::FeeType,
    issuing::NewCard,
    ledger::{Account, LedgerState},
    order_no::OrderNo,
    recharge::Recharge,
    CardStatus, Cents,
};
use server::store::{
    creation_batcher::CreationBatcher, CardCreation, CreateCardError, CreateOutcome,
    CreationAttempt, Database, Pool,
};
use support::{test_server::test_worker, TestServer};

fn creation(merchant_id: &MerchantId, order_no: &str, cents: i64, hash: &str) -> CardCreation {
    CardCreation {
        merchant_id: merchant_id.to_owned(),
        request: NewCard {
            range_id: "vab_069af8a792ad".into(),
            first_name: CardholderName::parse("Milton").unwrap(),
            last_name: CardholderName::parse("Schmitt").unwrap(),
            deposit: Recharge::new(Cents(cents)).unwrap(),
            order_no: OrderNo::parse(order_no).unwrap(),
            callback_url: Some("https://merchant.example/cb".into()),
            fee_type: FeeType::One,
            customer_email: None,
            customer_external_id: None,
            holder_address: None,
            tags: Vec::new(),
        },
        request_hash: hash.to_owned(),
        customer_id: None,
    }
}

on_every_backend!(
    one_transaction_keeps_the_good_creations_and_refuses_the_bad_alone,
    the_batcher_answers_every_concurrent_caller_exactly,
    cards_past_their_expiry_month_expire_once,
);

async fn one_transaction_keeps_the_good_creations_and_refuses_the_bad_alone(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, _) = server.merchant(2_100).await;
    let batch = [
        creation(&merchant, "b-1", 800, "h1"),
        // Same orderNo, same request, in the same transaction: the first card, not a second.
        creation(&merchant, "b-1", 800, "h1"),
        // Same orderNo, another request: a conflict.
        creation(&merchant, "b-1", 900, "h-other"),
        creation(&merchant, "b-2", 800, "h2"),
        // 1600 of 2100 reserved by now: 800 more cannot be covered...
        creation(&merchant, "b-3", 800, "h3"),
        // ...but the 500 left can, after the refusal.
        creation(&merchant, "b-4", 500, "h4"),
    ];
    let attempts = db.insert_cards(&batch).await;
    assert!(
        matches!(
            attempts.as_slice(),
            [
                Ok(CreationAttempt::Created(_)),
                Ok(CreationAttempt::OrderNoTaken),
                Ok(CreationAttempt::OrderNoTaken),
                Ok(CreationAttempt::Created(_)),
                Ok(CreationAttempt::Overdrawn),
                Ok(CreationAttempt::Created(_)),
            ]
        ),
        "{attempts:?}"
    );
    let mut outcomes = Vec::new();
    for (creation, attempt) in batch.iter().zip(attempts) {
        outcomes.push(db.settle_creation(creation, attempt).await);
    }
    let first = match &outcomes[0] {
        Ok(CreateOutcome::Created(card)) => card.id.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        outcomes[1].as_ref().unwrap(),
        &CreateOutcome::Existing(first)
    );
    assert!(matches!(outcomes[2], Err(CreateCardError::OrderNoConflict)));
    assert!(matches!(outcomes[3], Ok(CreateOutcome::Created(_))));
    // The refusal reports what the wallet holds once the whole batch is in: nothing.
    assert!(
        matches!(
            outcomes[4],
            Err(CreateCardError::InsufficientFunds {
                available: Cents(0)
            })
        ),
        "{:?}",
        outcomes[4]
    );
    assert!(
        matches!(outcomes[5], Ok(CreateOutcome::Created(_))),
        "{:?}",
        outcomes[5]
    );

    let (cards, total) = db
        .cards(&merchant, &Default::default(), 1, 100)
        .await
        .unwrap();
    assert_eq!(total, 3, "{cards:?}");
    assert_eq!(
        db.balance(&Account::MerchantWallet(merchant.clone()))
            .await
            .unwrap(),
        Cents::ZERO
    );
    // Only the created cards left a callback behind; the refused ones left nothing at all.
    assert_eq!(outbox_size(db).await, 3);
    LedgerState::replay(&db.journal().await.unwrap()).expect("ledger invariants");
}

async fn the_batcher_answers_every_concurrent_caller_exactly(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, _) = server.merchant(100 * 1_000).await;
    let batcher = CreationBatcher::start(db.clone());
    // 150 callers at once for 100 affordable cards; every tenth repeats an earlier orderNo.
    let callers = (0..150).map(|n| {
        let batcher = batcher.clone();
        let order_no = if n % 10 == 9 {
            format!("c-{}", n - 9)
        } else {
            format!("c-{n}")
        };
        let hash = format!("hash-{order_no}");
        let request = creation(&merchant, &order_no, 1_000, &hash);
        async move { (order_no, batcher.create(request).await) }
    });
    let answers = futures::future::join_all(callers).await;
    let mut created = std::collections::HashMap::new();
    let mut refused = std::collections::HashSet::new();
    for (order_no, answer) in &answers {
        match answer {
            Ok(CreateOutcome::Created(card)) => {
                assert!(created.insert(order_no.clone(), card.id.clone()).is_none());
            }
            Ok(CreateOutcome::Existing(_)) => {}
            Err(CreateCardError::InsufficientFunds { .. }) => {
                refused.insert(order_no.clone());
            }
            other => panic!("{order_no}: {other:?}"),
        }
    }
    // Repeats name the same card their first request made (whichever of the two ran first).
    for (order_no, answer) in &answers {
        if let Ok(CreateOutcome::Existing(id)) = answer {
            assert_eq!(created.get(order_no), Some(id), "{order_no}");
        }
    }
    assert_eq!(created.len(), 100);
    assert_eq!(
        refused.len(),
        135 - 100,
        "135 distinct orderNos, 100 affordable"
    );
    assert!(refused
        .iter()
        .all(|order_no| !created.contains_key(order_no)));
    assert_eq!(
        db.balance(&Account::MerchantWallet(merchant))
            .await
            .unwrap(),
        Cents::ZERO
    );
    LedgerState::replay(&db.journal().await.unwrap()).expect("ledger invariants");
}

async fn cards_past_their_expiry_month_expire_once(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, _) = server.merchant(10_000).await;
    let mut ids = Vec::new();
    for n in 0..2 {
        let request = creation(&merchant, &format!("x-{n}"), 1_000, "h").request;
        match db
            .create_card(&merchant, &request, "h", None)
            .await
            .unwrap()
        {
            CreateOutcome::Created(card) => ids.push(card.id),
            other => panic!("{other:?}"),
        }
    }
    test_worker(db, "expiry").run_once().await.unwrap();
    db.transition_card(&merchant, &ids[1], CardStatus::Freeze)
        .await
        .unwrap();
    let card = db.card(&merchant, &ids[0]).await.unwrap().unwrap();
    let (year, month) = (card.exp_year.unwrap(), card.exp_month.unwrap());

    // Still valid on the last day of the expiry month, expired on the first of the next.
    let last_day = month_start(year, month + 1) - 1;
    assert_eq!(db.expire_due_cards(last_day, 10).await.unwrap(), 0);
    let next_month = last_day + 1;
    assert_eq!(db.expire_due_cards(next_month, 10).await.unwrap(), 2);
    assert_eq!(
        db.expire_due_cards(next_month, 10).await.unwrap(),
        0,
        "once"
    );

    for id in &ids {
        let card = db.card(&merchant, id).await.unwrap().unwrap();
        assert_eq!(card.status, CardStatus::Expired);
        assert_eq!(card.events.last().unwrap().status, CardStatus::Expired);
    }
    // The balance stays on an expired card until the merchant deletes it, then returns in full.
    let returned = db.delete_card(&merchant, &ids[0]).await.unwrap();
    assert_eq!(
        returned,
        Cents(1_000 - 100),
        "deposit less the first month's fee"
    );
    LedgerState::replay(&db.journal().await.unwrap()).expect("ledger invariants");
}

/// Epoch ms of 00:00 UTC on the first day of `month` (which may be 13: January of the next year).
fn month_start(year: i64, month: i64) -> i64 {
    app::domain::calendar::days_from_civil(year, month, 1) * 86_400_000
}

async fn outbox_size(db: &Database) -> i64 {
    let sql = "SELECT COUNT(*) FROM webhook_outbox";
    match db.pool() {
        Pool::Sqlite(pool, _) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
        Pool::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
    }
}

/// PostgreSQL's one-statement path must really carry clean batches (a silent failure would only
/// show as slowness, since the card-by-card path would take over), write everything the
/// card-by-card path writes, and write nothing when it refuses.
#[tokio::test]
async fn postgres_creates_a_clean_batch_in_one_statement_or_writes_nothing() {
    use server::store::card_creation_postgres::create_all_or_none;
    let test_db = support::TestDatabase::postgres().await;
    let db = &test_db.database;
    let Pool::Postgres(pool) = db.pool() else {
        unreachable!()
    };
    let server = TestServer::start_with(db, false).await;
    let (first, _) = server.merchant(5_000).await;
    let (second, _) = server.merchant(5_000).await;
    let clean: Vec<CardCreation> = (0..4)
        .map(|n| {
            creation(
                if n % 2 == 0 { &first } else { &second },
                &format!("s-{n}"),
                2_000,
                "h",
            )
        })
        .collect();
    let created = create_all_or_none(pool, &clean, db.now_ms())
        .await
        .expect("a clean batch is created at once");
    assert_eq!(created.len(), 4);
    for (creation, card) in clean.iter().zip(&created) {
        let view = db
            .card(&creation.merchant_id, &card.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(view.order_no, creation.request.order_no.as_str());
        assert_eq!(
            (view.status, view.balance),
            (CardStatus::Init, Cents(2_000))
        );
        assert_eq!(view.events.len(), 1);
    }
    assert_eq!(outbox_size(db).await, 4);
    for merchant in [&first, &second] {
        let wallet = db
            .balance(&Account::MerchantWallet(merchant.clone()))
            .await
            .unwrap();
        assert_eq!(wallet, Cents(1_000));
    }

    // One card too many for the first wallet, one repeated orderNo: each refuses the whole batch.
    let overdraft = vec![
        creation(&second, "s-9", 500, "h"),
        creation(&first, "s-8", 2_000, "h"),
    ];
    let repeat = vec![
        creation(&second, "s-7", 500, "h"),
        creation(&first, "s-0", 500, "h"),
    ];
    assert!(create_all_or_none(pool, &overdraft, db.now_ms())
        .await
        .is_none());
    assert!(create_all_or_none(pool, &repeat, db.now_ms())
        .await
        .is_none());
    assert_eq!(
        db.cards(&second, &Default::default(), 1, 100)
            .await
            .unwrap()
            .1,
        2,
        "nothing of a refused batch"
    );
    assert_eq!(outbox_size(db).await, 4);
    LedgerState::replay(&db.journal().await.unwrap()).expect("ledger invariants");
}
