//! Money that must never be stranded, created or overspent, shown one operation after another on
//! SQLite and PostgreSQL: reused idempotency keys, closing a card with pending authorizations, and
//! the monthly fee beside held funds. (The races between operations are in `money_races.rs`.)

mod support;

use app::domain::ids::{AuthorizationId, CardId, MerchantId};

use app::domain::{
    ledger::Account,
    spend_controls::{AuthorizationStatus, Purchase, SpendControls},
    CardStatus, Cents,
};
use server::clock::system_now_ms as now_ms;
use server::{
    onboarding::onboard_merchant,
    store::{
        fees::FEE_PERIOD_MS, spend_controls::StoredControls, CardOperationError, CreateOutcome,
        Database,
    },
};
use support::{
    money_invariants::assert_money_invariants, new_cards::new_card, test_server::test_worker,
};

on_every_backend!(
    a_recharge_key_reused_for_another_card_or_amount_conflicts_and_moves_nothing,
    a_withdrawal_key_reused_for_another_card_or_amount_conflicts_and_moves_nothing,
    recharge_and_withdrawal_keys_are_separate_per_merchant_and_operation,
    a_closed_cards_pending_authorizations_stay_capturable_and_reversals_return_to_the_wallet,
    the_monthly_fee_takes_only_funds_no_authorization_holds,
);

/// A merchant with `wallet` cents left after issuing `cards` ACTIVE cards of 6,000 cents each
/// (5,900 on each after the first month's fee), without spend limits.
async fn merchant_with_cards(
    db: &Database,
    cards: usize,
    wallet: i64,
) -> (MerchantId, Vec<CardId>) {
    for range in server::issuing::catalog::card_ranges() {
        db.upsert_card_range(&range).await.unwrap();
    }
    let funding = Cents(6_000 * cards as i64 + wallet);
    let merchant = onboard_merchant(db, "Safe Merchant", funding)
        .await
        .unwrap()
        .merchant
        .id;
    let mut ids = Vec::new();
    for n in 0..cards {
        let order_no = format!("{merchant}-{n}");
        let request = new_card(&order_no, 6_000);
        let CreateOutcome::Created(card) = db
            .create_card(&merchant, &request, &order_no, None)
            .await
            .unwrap()
        else {
            panic!("expected a new card")
        };
        ids.push(card.id);
    }
    test_worker(db, "safety").run_once().await.unwrap();
    for card in &ids {
        let view = db.card(&merchant, card).await.unwrap().unwrap();
        assert_eq!(
            (view.status, view.balance),
            (CardStatus::Active, Cents(5_900))
        );
        let mut controls = SpendControls::initial(view.balance);
        controls.limits = vec![];
        let stored = StoredControls {
            controls,
            nick_name: None,
        };
        db.set_card_controls(card, &stored, false).await.unwrap();
    }
    (merchant, ids)
}

async fn balance(db: &Database, account: Account) -> Cents {
    db.balance(&account).await.unwrap()
}

fn wallet(merchant: &MerchantId) -> Account {
    Account::MerchantWallet(merchant.to_owned())
}

fn card(id: &CardId) -> Account {
    Account::Card(id.to_owned())
}

async fn authorize(
    db: &Database,
    merchant: &MerchantId,
    card: &CardId,
    cents: i64,
) -> AuthorizationId {
    let purchase = Purchase {
        amount: Cents(cents),
        currency: "USD".into(),
        merchant_name: "Acme".into(),
        at_ms: now_ms(),
    };
    let authorization = db
        .authorize_purchase(merchant, card, &purchase, "5734", &[])
        .await
        .unwrap();
    assert_eq!(authorization.status, AuthorizationStatus::Pending);
    authorization.id
}

fn is_key_reused<T: std::fmt::Debug>(result: &Result<T, CardOperationError>) -> bool {
    matches!(result, Err(CardOperationError::KeyReused(key)) if key == "k-1")
}

async fn a_recharge_key_reused_for_another_card_or_amount_conflicts_and_moves_nothing(
    db: &Database,
) {
    let (merchant, cards) = merchant_with_cards(db, 2, 10_000).await;
    let (first, second) = (&cards[0], &cards[1]);

    let posted = db
        .recharge_card(&merchant, first, Cents(1_000), "k-1")
        .await;
    assert!(posted.unwrap(), "the first use of a key moves money");
    let repeated = db
        .recharge_card(&merchant, first, Cents(1_000), "k-1")
        .await;
    assert!(
        !repeated.unwrap(),
        "the same key and request answer as before"
    );
    let other_amount = db
        .recharge_card(&merchant, first, Cents(2_000), "k-1")
        .await;
    assert!(is_key_reused(&other_amount), "{other_amount:?}");
    let other_card = db
        .recharge_card(&merchant, second, Cents(1_000), "k-1")
        .await;
    assert!(is_key_reused(&other_card), "{other_card:?}");

    assert_eq!(balance(db, card(first)).await, Cents(6_900));
    assert_eq!(balance(db, card(second)).await, Cents(5_900));
    assert_eq!(balance(db, wallet(&merchant)).await, Cents(9_000));
    assert_money_invariants(db).await;
}

async fn a_withdrawal_key_reused_for_another_card_or_amount_conflicts_and_moves_nothing(
    db: &Database,
) {
    let (merchant, cards) = merchant_with_cards(db, 2, 0).await;
    let (first, second) = (&cards[0], &cards[1]);

    let posted = db
        .withdraw_from_card(&merchant, first, Cents(900), "k-1")
        .await;
    assert!(posted.unwrap());
    let repeated = db
        .withdraw_from_card(&merchant, first, Cents(900), "k-1")
        .await;
    assert!(!repeated.unwrap());
    let other_amount = db
        .withdraw_from_card(&merchant, first, Cents(901), "k-1")
        .await;
    assert!(is_key_reused(&other_amount), "{other_amount:?}");
    let other_card = db
        .withdraw_from_card(&merchant, second, Cents(900), "k-1")
        .await;
    assert!(is_key_reused(&other_card), "{other_card:?}");

    assert_eq!(balance(db, card(first)).await, Cents(5_000));
    assert_eq!(balance(db, card(second)).await, Cents(5_900));
    assert_eq!(balance(db, wallet(&merchant)).await, Cents(900));
    assert_money_invariants(db).await;
}

async fn recharge_and_withdrawal_keys_are_separate_per_merchant_and_operation(db: &Database) {
    let (merchant, cards) = merchant_with_cards(db, 1, 1_000).await;
    let (other_merchant, other_cards) = merchant_with_cards(db, 1, 1_000).await;
    assert!(db
        .recharge_card(&merchant, &cards[0], Cents(1_000), "k-1")
        .await
        .unwrap());
    assert!(
        db.withdraw_from_card(&merchant, &cards[0], Cents(500), "k-1")
            .await
            .unwrap(),
        "a withdrawal's key is not a recharge's"
    );
    assert!(
        db.recharge_card(&other_merchant, &other_cards[0], Cents(1_000), "k-1")
            .await
            .unwrap(),
        "another merchant's key is its own"
    );
    assert_eq!(balance(db, card(&cards[0])).await, Cents(6_400));
    assert_eq!(balance(db, card(&other_cards[0])).await, Cents(6_900));
    assert_money_invariants(db).await;
}

async fn a_closed_cards_pending_authorizations_stay_capturable_and_reversals_return_to_the_wallet(
    db: &Database,
) {
    let (merchant, cards) = merchant_with_cards(db, 1, 0).await;
    let id = &cards[0];
    let captured = authorize(db, &merchant, id, 1_500).await;
    let reversed = authorize(db, &merchant, id, 400).await;

    let returned = db.delete_card(&merchant, id).await.unwrap();
    assert_eq!(returned, Cents(4_000), "all but the 1,900 held goes back");
    let view = db.card(&merchant, id).await.unwrap().unwrap();
    assert_eq!(view.status, CardStatus::Deleted);
    assert_eq!(balance(db, card(id)).await, Cents(1_900));
    assert_eq!(balance(db, wallet(&merchant)).await, Cents(4_000));
    assert_money_invariants(db).await;

    let late = Purchase {
        amount: Cents(1),
        currency: "USD".into(),
        merchant_name: "Acme".into(),
        at_ms: now_ms(),
    };
    let declined = db
        .authorize_purchase(&merchant, id, &late, "5734", &[])
        .await
        .unwrap();
    assert_eq!(declined.status, AuthorizationStatus::Declined);

    let capture = db
        .settle_authorization(&merchant, &captured, true, now_ms())
        .await
        .expect("an approved authorization stays capturable after the card closed");
    assert_eq!(capture.status, AuthorizationStatus::Captured);
    assert_eq!(balance(db, Account::Spend).await, Cents(1_500));
    assert_money_invariants(db).await;

    db.settle_authorization(&merchant, &reversed, false, now_ms())
        .await
        .unwrap();
    assert_eq!(
        balance(db, card(id)).await,
        Cents(0),
        "a closed card ends empty"
    );
    assert_eq!(balance(db, wallet(&merchant)).await, Cents(4_400));
    assert_money_invariants(db).await;
}

async fn the_monthly_fee_takes_only_funds_no_authorization_holds(db: &Database) {
    let (merchant, cards) = merchant_with_cards(db, 2, 0).await;
    let (all_held, mostly_held) = (&cards[0], &cards[1]);
    let first = authorize(db, &merchant, all_held, 5_900).await;
    let second = authorize(db, &merchant, mostly_held, 5_860).await;

    let charged = db
        .charge_due_fees(now_ms() + FEE_PERIOD_MS + 1, 100)
        .await
        .unwrap();
    assert_eq!(charged, 2, "both cards' fee months moved on");
    assert_eq!(balance(db, card(all_held)).await, Cents(5_900));
    assert_eq!(
        balance(db, card(mostly_held)).await,
        Cents(5_860),
        "only the 40 cents no authorization holds"
    );
    assert_money_invariants(db).await;

    for id in [first, second] {
        db.settle_authorization(&merchant, &id, true, now_ms())
            .await
            .expect("the fee left the held funds capturable");
    }
    assert_eq!(balance(db, Account::Spend).await, Cents(11_760));
    assert_money_invariants(db).await;
}
