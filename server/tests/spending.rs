//! Spend controls, authorizations and withdrawals in the store, on SQLite and PostgreSQL, with the
//! clock injected: every control at its boundary, rolling windows across time, holds, capture and
//! reversal through the ledger, and concurrent purchases that never overspend.

mod support;

use app::domain::ids::{CardId, MerchantId};

use app::domain::{
    ledger::{Account, LedgerState},
    spend_controls::{AuthorizationStatus, LimitInterval, Purchase, SpendControls, SpendLimit},
    CardStatus, Cents,
};
use server::store::{spend_controls::StoredControls, CardOperationError, CreateOutcome, Database};
use support::{new_cards::new_card, test_server::test_worker, TestServer};

const DAY: i64 = 86_400_000;
const T0: i64 = 1_800_000_000_000;

on_every_backend!(
    every_control_admits_its_boundary_and_declines_a_cent_past_it,
    rolling_windows_release_spend_exactly_a_window_later,
    holds_captures_and_reversals_move_money_once,
    withdrawals_count_and_never_touch_held_funds,
    concurrent_purchases_never_overspend,
);

/// An ACTIVE card of a fresh merchant with `deposit` cents on it (the first month's 1.00 fee
/// already taken): (merchant, card, balance).
async fn active_card(db: &Database, deposit: i64) -> (MerchantId, CardId, Cents) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, _) = server.merchant(1_000_000).await;
    let request = new_card("spend-1", deposit);
    let CreateOutcome::Created(card) = db
        .create_card(&merchant, &request, "h", None)
        .await
        .unwrap()
    else {
        panic!("expected a new card")
    };
    test_worker(db, "spend").run_once().await.unwrap();
    let view = db.card(&merchant, &card.id).await.unwrap().unwrap();
    assert_eq!(view.status, CardStatus::Active);
    (merchant, card.id, view.balance)
}

fn purchase(cents: i64, at_ms: i64) -> Purchase {
    Purchase {
        amount: Cents(cents),
        currency: "USD".into(),
        merchant_name: "Acme".into(),
        at_ms,
    }
}

async fn decide(
    db: &Database,
    merchant: &MerchantId,
    card: &CardId,
    purchase: &Purchase,
) -> Option<String> {
    let authorization = db
        .authorize_purchase(merchant, card, purchase, "5734", &[])
        .await
        .unwrap();
    match authorization.status {
        AuthorizationStatus::Pending => None,
        AuthorizationStatus::Declined => Some(authorization.decline_reason.unwrap()),
        other => panic!("{other:?}"),
    }
}

async fn set_controls(db: &Database, card: &CardId, controls: SpendControls) {
    let stored = StoredControls {
        controls,
        nick_name: Some("ads".into()),
    };
    db.set_card_controls(card, &stored, false).await.unwrap();
}

async fn every_control_admits_its_boundary_and_declines_a_cent_past_it(db: &Database) {
    let (merchant, card, balance) = active_card(db, 100_000).await;
    assert_eq!(balance, Cents(99_900));
    let mut controls = SpendControls::initial(balance);
    controls.is_autolimit = false;
    controls.limit_per_transaction = Cents(30_000);
    controls.limits = vec![SpendLimit {
        interval: LimitInterval::PerTransaction,
        amount: Cents(20_000),
    }];
    controls.active_from_ms = Some(T0);
    controls.active_to_ms = Some(T0 + 10 * DAY);
    controls.allowed_currencies = vec!["USD".into()];
    set_controls(db, &card, controls).await;

    assert_eq!(
        decide(db, &merchant, &card, &purchase(20_000, T0)).await,
        None
    );
    assert_eq!(
        decide(db, &merchant, &card, &purchase(20_001, T0))
            .await
            .as_deref(),
        Some("EXCEEDS_PER_TRANSACTION_LIMIT")
    );
    assert_eq!(
        decide(db, &merchant, &card, &purchase(100, T0 - 1))
            .await
            .as_deref(),
        Some("CARD_NOT_YET_ACTIVE")
    );
    assert_eq!(
        decide(db, &merchant, &card, &purchase(100, T0 + 10 * DAY)).await,
        None
    );
    assert_eq!(
        decide(db, &merchant, &card, &purchase(100, T0 + 10 * DAY + 1))
            .await
            .as_deref(),
        Some("CARD_ACTIVE_PERIOD_ENDED")
    );
    let euros = Purchase {
        currency: "EUR".into(),
        ..purchase(100, T0)
    };
    assert_eq!(
        decide(db, &merchant, &card, &euros).await.as_deref(),
        Some("CURRENCY_NOT_ALLOWED")
    );
    // The BIN allow-list.
    let facebook_only = ["Facebook".to_owned()];
    let refused = db
        .authorize_purchase(&merchant, &card, &purchase(100, T0), "5734", &facebook_only)
        .await
        .unwrap();
    assert_eq!(
        refused.decline_reason.as_deref(),
        Some("MERCHANT_NOT_ALLOWED")
    );

    // Funds: 99 900 - 20 000 - 100 held so far; the rest is spendable to the cent.
    let spendable = 99_900 - 20_000 - 100;
    let mut wide = SpendControls::initial(balance);
    wide.limits = vec![];
    set_controls(db, &card, wide).await;
    assert_eq!(
        decide(db, &merchant, &card, &purchase(spendable + 1, T0))
            .await
            .as_deref(),
        Some("INSUFFICIENT_FUNDS")
    );
    assert_eq!(
        decide(db, &merchant, &card, &purchase(spendable, T0)).await,
        None
    );

    // A frozen card authorizes nothing.
    db.transition_card(&merchant, &card, CardStatus::Freeze)
        .await
        .unwrap();
    let mut roomy = SpendControls::initial(Cents(1_000_000));
    roomy.limits = vec![];
    set_controls(db, &card, roomy).await;
    assert_eq!(
        decide(db, &merchant, &card, &purchase(1, T0))
            .await
            .as_deref(),
        Some("CARD_NOT_ACTIVE")
    );
}

async fn rolling_windows_release_spend_exactly_a_window_later(db: &Database) {
    let (merchant, card, balance) = active_card(db, 100_000).await;
    let mut controls = SpendControls::initial(balance);
    controls.limits = vec![
        SpendLimit {
            interval: LimitInterval::Daily,
            amount: Cents(5_000),
        },
        SpendLimit {
            interval: LimitInterval::Weekly,
            amount: Cents(12_000),
        },
    ];
    set_controls(db, &card, controls).await;
    assert_eq!(
        decide(db, &merchant, &card, &purchase(3_000, T0)).await,
        None
    );
    assert_eq!(
        decide(db, &merchant, &card, &purchase(2_000, T0 + 1)).await,
        None
    );
    assert_eq!(
        decide(db, &merchant, &card, &purchase(1, T0 + 2))
            .await
            .as_deref(),
        Some("EXCEEDS_DAILY_LIMIT")
    );
    // A day after the first purchase it leaves the window; the second has not yet.
    assert_eq!(
        decide(db, &merchant, &card, &purchase(3_001, T0 + DAY))
            .await
            .as_deref(),
        Some("EXCEEDS_DAILY_LIMIT")
    );
    assert_eq!(
        decide(db, &merchant, &card, &purchase(3_000, T0 + DAY)).await,
        None
    );
    // Day 2: the weekly limit (12 000) now binds: 8 000 spent this week.
    assert_eq!(
        decide(db, &merchant, &card, &purchase(4_000, T0 + 2 * DAY)).await,
        None
    );
    assert_eq!(
        decide(db, &merchant, &card, &purchase(1, T0 + 3 * DAY))
            .await
            .as_deref(),
        Some("EXCEEDS_WEEKLY_LIMIT")
    );
    // A week after the first purchase, its 3 000 leave the weekly window.
    assert_eq!(
        decide(db, &merchant, &card, &purchase(3_000, T0 + 7 * DAY)).await,
        None
    );
    assert_eq!(
        decide(db, &merchant, &card, &purchase(1, T0 + 7 * DAY))
            .await
            .as_deref(),
        Some("EXCEEDS_WEEKLY_LIMIT")
    );
}

async fn holds_captures_and_reversals_move_money_once(db: &Database) {
    let (merchant, card, balance) = active_card(db, 10_000).await;
    let first = db
        .authorize_purchase(&merchant, &card, &purchase(4_000, T0), "5734", &[])
        .await
        .unwrap();
    let second = db
        .authorize_purchase(&merchant, &card, &purchase(3_000, T0), "5734", &[])
        .await
        .unwrap();
    assert_eq!(db.pending_holds(&card).await.unwrap(), Cents(7_000));
    // Holds do not move money yet.
    assert_eq!(
        db.card(&merchant, &card).await.unwrap().unwrap().balance,
        balance
    );

    let captured = db
        .settle_authorization(&merchant, &first.id, true, T0 + 5)
        .await
        .unwrap();
    assert_eq!(captured.status, AuthorizationStatus::Captured);
    let reversed = db
        .settle_authorization(&merchant, &second.id, false, T0 + 6)
        .await
        .unwrap();
    assert_eq!(reversed.status, AuthorizationStatus::Reversed);
    assert!(matches!(
        db.settle_authorization(&merchant, &first.id, true, T0 + 7)
            .await,
        Err(CardOperationError::NotPending("CAPTURED"))
    ));
    assert!(matches!(
        db.settle_authorization(&merchant, &second.id, true, T0 + 7)
            .await,
        Err(CardOperationError::NotPending("REVERSED"))
    ));
    // Another merchant cannot see or settle it.
    let server = TestServer::start_with(db, false).await;
    let (stranger, _) = server.merchant(0).await;
    assert!(matches!(
        db.settle_authorization(&stranger, &first.id, false, T0)
            .await,
        Err(CardOperationError::NotFound)
    ));

    let view = db.card(&merchant, &card).await.unwrap().unwrap();
    assert_eq!(
        (view.consume, view.balance),
        (Cents(4_000), Cents(balance.0 - 4_000))
    );
    assert_eq!(db.pending_holds(&card).await.unwrap(), Cents::ZERO);
    let statuses: Vec<_> = db
        .card_authorizations(&card)
        .await
        .unwrap()
        .into_iter()
        .map(|authorization| authorization.status)
        .collect();
    assert_eq!(statuses.len(), 2);
    LedgerState::replay(&db.journal().await.unwrap()).expect("ledger invariants");
}

async fn withdrawals_count_and_never_touch_held_funds(db: &Database) {
    let (merchant, card, balance) = active_card(db, 10_000).await;
    let wallet = Account::MerchantWallet(merchant.clone());
    let wallet_before = db.balance(&wallet).await.unwrap();
    db.authorize_purchase(&merchant, &card, &purchase(6_000, T0), "5734", &[])
        .await
        .unwrap();
    let free = balance.0 - 6_000;
    assert!(matches!(
        db.withdraw_from_card(&merchant, &card, Cents(free + 1), "w-1").await,
        Err(CardOperationError::InsufficientFunds { available }) if available == Cents(free)
    ));
    assert!(db
        .withdraw_from_card(&merchant, &card, Cents(free), "w-1")
        .await
        .unwrap());
    assert!(
        !db.withdraw_from_card(&merchant, &card, Cents(free), "w-1")
            .await
            .unwrap(),
        "once"
    );
    let view = db.card(&merchant, &card).await.unwrap().unwrap();
    assert_eq!((view.withdrawn, view.balance), (Cents(free), Cents(6_000)));
    assert_eq!(
        db.balance(&wallet).await.unwrap(),
        Cents(wallet_before.0 + free)
    );
    // The per-transaction ceiling never stays above the balance.
    let stored = db.card_controls(&merchant, &card).await.unwrap().unwrap();
    assert_eq!(stored.controls.limit_per_transaction, Cents(6_000));
    LedgerState::replay(&db.journal().await.unwrap()).expect("ledger invariants");
}

async fn concurrent_purchases_never_overspend(db: &Database) {
    let (merchant, card, balance) = active_card(db, 10_000).await;
    let mut controls = SpendControls::initial(balance);
    controls.limits = vec![];
    set_controls(db, &card, controls).await;
    let attempts = (0..25).map(|n| {
        let (db, merchant, card) = (db.clone(), merchant.clone(), card.clone());
        async move {
            db.authorize_purchase(&merchant, &card, &purchase(1_000, T0 + n), "5734", &[])
                .await
                .unwrap()
        }
    });
    let decided = futures::future::join_all(attempts).await;
    let approved = decided
        .iter()
        .filter(|authorization| authorization.status == AuthorizationStatus::Pending)
        .count();
    assert_eq!(approved as i64, balance.0 / 1_000);
    assert!(db.pending_holds(&card).await.unwrap() <= balance);
}
