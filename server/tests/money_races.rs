//! Every pair of money operations raced on one card and one wallet, many rounds, on SQLite and
//! PostgreSQL; after each round the money invariants must hold and every approved authorization
//! must still be capturable. Even rounds race on a card with two pending authorizations, odd
//! rounds on a card without any. A refusal (wrong status, insufficient funds) is a fair outcome of a
//! race; a storage error, a cent created or lost, or a hold the balance cannot cover is not.

mod support;

use app::domain::ids::{AuthorizationId, CardId, MerchantId};
use std::{
    fmt::{self, Display},
    sync::Arc,
};

use app::domain::{
    spend_controls::{AuthorizationStatus, Purchase, SpendControls},
    CardStatus, Cents,
};
use server::clock::system_now_ms as now_ms;
use server::{
    onboarding::onboard_merchant,
    store::{
        spend_controls::StoredControls, CardOperationError, CreateCardError, CreateOutcome,
        Database, StoreError,
    },
};
use support::{
    money_invariants::check_money_invariants_of, new_cards::new_card, test_server::test_worker,
};
use tokio::sync::Barrier;

/// Rounds per pair of operations: 45 pairs, so this many times 45 races per backend.
const ROUNDS: usize = 4;
const DEPOSIT: i64 = 6_000;
/// What the wallet keeps after the card's deposit: one recharge or one new card, not both.
const WALLET_LEFT: i64 = 1_000;
/// Each of the two authorizations approved before the race.
const HELD: i64 = 1_000;
const FEE_MONTH_MS: i64 = 31 * 86_400_000;

on_every_backend!(
    multi_thread: every_pair_of_money_operations_keeps_the_invariants,
    recharges_racing_a_close_are_returned_by_it_or_refused,
    withdrawals_racing_purchases_never_leave_holds_above_the_balance,
);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operation {
    Create,
    Recharge,
    Withdraw,
    Authorize,
    Capture,
    Reverse,
    Freeze,
    Delete,
    Fee,
}

const OPERATIONS: [Operation; 9] = [
    Operation::Create,
    Operation::Recharge,
    Operation::Withdraw,
    Operation::Authorize,
    Operation::Capture,
    Operation::Reverse,
    Operation::Freeze,
    Operation::Delete,
    Operation::Fee,
];

impl Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

/// One round's card: ACTIVE, with or without two pending authorizations, and the wallet nearly
/// drained.
struct Stage {
    merchant: MerchantId,
    card: CardId,
    /// The first authorization (a capture's target) and the second (a reversal's); ids of no
    /// authorization on a card without holds.
    holds: [AuthorizationId; 2],
    /// The card's balance less what is held: what a withdrawal or a purchase can take.
    available: Cents,
}

fn purchase(cents: i64) -> Purchase {
    Purchase {
        amount: Cents(cents),
        currency: "USD".into(),
        merchant_name: "Acme".into(),
        at_ms: now_ms(),
    }
}

async fn stage(db: &Database, round: &str, with_holds: bool) -> Stage {
    let onboarded = onboard_merchant(db, "Race Merchant", Cents(DEPOSIT + WALLET_LEFT))
        .await
        .unwrap();
    let merchant = onboarded.merchant.id;
    let CreateOutcome::Created(card) = db
        .create_card(&merchant, &new_card(round, DEPOSIT), round, None)
        .await
        .unwrap()
    else {
        panic!("expected a new card")
    };
    test_worker(db, round).run_once().await.unwrap();
    let view = db.card(&merchant, &card.id).await.unwrap().unwrap();
    assert_eq!(view.status, CardStatus::Active);
    let mut controls = SpendControls::initial(view.balance);
    controls.limits = vec![];
    let stored = StoredControls {
        controls,
        nick_name: None,
    };
    db.set_card_controls(&card.id, &stored, false)
        .await
        .unwrap();
    let mut holds = vec![
        AuthorizationId::new("auth_none_1"),
        AuthorizationId::new("auth_none_2"),
    ];
    if with_holds {
        for hold in &mut holds {
            let authorization = db
                .authorize_purchase(&merchant, &card.id, &purchase(HELD), "5734", &[])
                .await
                .unwrap();
            assert_eq!(authorization.status, AuthorizationStatus::Pending);
            *hold = authorization.id;
        }
    }
    let held = if with_holds { 2 * HELD } else { 0 };
    Stage {
        merchant,
        card: card.id,
        holds: holds.try_into().unwrap(),
        available: Cents(view.balance.0 - held),
    }
}

/// Runs one operation; `Err` only for what must never happen (a storage error: the API's 500).
async fn perform(
    db: &Database,
    stage: &Stage,
    operation: Operation,
    key: &str,
) -> Result<(), String> {
    let (merchant, card) = (&stage.merchant, &stage.card);
    let refused = |error: CardOperationError| match error {
        CardOperationError::Store(error) => Err(error.to_string()),
        _ => Ok(()),
    };
    match operation {
        Operation::Create => {
            match db
                .create_card(merchant, &new_card(key, WALLET_LEFT), key, None)
                .await
            {
                Ok(_) | Err(CreateCardError::InsufficientFunds { .. }) => Ok(()),
                Err(error) => Err(error.to_string()),
            }
        }
        Operation::Recharge => db
            .recharge_card(merchant, card, Cents(WALLET_LEFT), key)
            .await
            .map(drop)
            .or_else(refused),
        Operation::Withdraw => db
            .withdraw_from_card(merchant, card, stage.available, key)
            .await
            .map(drop)
            .or_else(refused),
        Operation::Authorize => db
            .authorize_purchase(merchant, card, &purchase(stage.available.0), "5734", &[])
            .await
            .map(drop)
            .or_else(refused),
        Operation::Capture => db
            .settle_authorization(merchant, &stage.holds[0], true, now_ms())
            .await
            .map(drop)
            .or_else(refused),
        Operation::Reverse => db
            .settle_authorization(merchant, &stage.holds[1], false, now_ms())
            .await
            .map(drop)
            .or_else(refused),
        Operation::Freeze => db
            .transition_card(merchant, card, CardStatus::Freeze)
            .await
            .or_else(refused),
        Operation::Delete => db
            .delete_card(merchant, card)
            .await
            .map(drop)
            .or_else(refused),
        Operation::Fee => db
            .charge_due_fees(now_ms() + FEE_MONTH_MS, 1_000)
            .await
            .map(drop)
            .map_err(|error: StoreError| error.to_string()),
    }
}

/// Captures every authorization still pending on the round's card: each must succeed.
async fn capture_what_is_pending(db: &Database, stage: &Stage) -> Result<(), String> {
    for authorization in db.card_authorizations(&stage.card).await.unwrap() {
        if authorization.status == AuthorizationStatus::Pending {
            db.settle_authorization(&stage.merchant, &authorization.id, true, now_ms())
                .await
                .map_err(|error| format!("capturing {} failed: {error}", authorization.id))?;
        }
    }
    Ok(())
}

async fn race(
    db: &Database,
    first: Operation,
    second: Operation,
    round: &str,
    with_holds: bool,
) -> Vec<String> {
    let stage = Arc::new(stage(db, round, with_holds).await);
    let start = Arc::new(Barrier::new(2));
    let tasks = [(first, "a"), (second, "b")].map(|(operation, side)| {
        let (db, stage, start) = (db.clone(), stage.clone(), start.clone());
        let key = format!("{round}-{side}");
        tokio::spawn(async move {
            start.wait().await;
            perform(&db, &stage, operation, &key)
                .await
                .map_err(|error| format!("{operation} failed: {error}"))
        })
    });
    let mut problems = Vec::new();
    for task in tasks {
        if let Err(problem) = task.await.unwrap() {
            problems.push(problem);
        }
    }
    let card = [stage.card.as_str()];
    if let Err(violation) = check_money_invariants_of(db, &card).await {
        problems.push(format!("after the race: {violation}"));
    }
    if let Err(problem) = capture_what_is_pending(db, &stage).await {
        problems.push(problem);
    }
    if let Err(violation) = check_money_invariants_of(db, &card).await {
        problems.push(format!("after capturing the holds: {violation}"));
    }
    problems
}

async fn every_pair_of_money_operations_keeps_the_invariants(db: &Database) {
    for range in server::issuing::catalog::card_ranges() {
        db.upsert_card_range(&range).await.unwrap();
    }
    let mut failures = Vec::new();
    for (i, &first) in OPERATIONS.iter().enumerate() {
        for &second in &OPERATIONS[i..] {
            for round in 0..ROUNDS {
                let name = format!("{first}-{second}-{round}").to_lowercase();
                let with_holds = round % 2 == 0;
                for problem in race(db, first, second, &name, with_holds).await {
                    let holds = if with_holds { "with holds" } else { "no holds" };
                    failures.push(format!(
                        "{first} × {second}, round {round} ({holds}): {problem}"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Six recharges of one card race its close, round after round: each recharge either lands
/// before the close (and the close returns it) or is refused; a closed card never keeps money.
async fn recharges_racing_a_close_are_returned_by_it_or_refused(db: &Database) {
    for range in server::issuing::catalog::card_ranges() {
        db.upsert_card_range(&range).await.unwrap();
    }
    let mut failures = Vec::new();
    for round in 0..10 {
        let name = format!("close-{round}");
        let stage = Arc::new(stage(db, &name, false).await);
        // The wallet holds one recharge; fund it for all six.
        db.fund_wallet(
            &stage.merchant,
            Cents(5 * WALLET_LEFT),
            &format!("{name}-funds"),
        )
        .await
        .unwrap();
        let start = Arc::new(Barrier::new(7));
        let mut tasks = Vec::new();
        for n in 0..7 {
            let (db, stage, start) = (db.clone(), stage.clone(), start.clone());
            let operation = if n == 3 {
                Operation::Delete
            } else {
                Operation::Recharge
            };
            let key = format!("{name}-{n}");
            tasks.push(tokio::spawn(async move {
                start.wait().await;
                perform(&db, &stage, operation, &key).await
            }));
        }
        for task in tasks {
            if let Err(problem) = task.await.unwrap() {
                failures.push(format!("round {round}: {problem}"));
            }
        }
        if let Err(violation) = check_money_invariants_of(db, &[stage.card.as_str()]).await {
            failures.push(format!("round {round}: {violation}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Purchases (authorize, then capture) and withdrawals race on one card, round after round:
/// what pending authorizations hold never exceeds the balance, so every one stays capturable.
async fn withdrawals_racing_purchases_never_leave_holds_above_the_balance(db: &Database) {
    for range in server::issuing::catalog::card_ranges() {
        db.upsert_card_range(&range).await.unwrap();
    }
    let mut failures = Vec::new();
    for round in 0..10 {
        let name = format!("spend-{round}");
        let stage = Arc::new(stage(db, &name, false).await);
        let start = Arc::new(Barrier::new(10));
        let mut tasks = Vec::new();
        for n in 0..10 {
            let (db, stage, start) = (db.clone(), stage.clone(), start.clone());
            tasks.push(tokio::spawn(async move {
                start.wait().await;
                for step in 0..3 {
                    if n % 2 == 0 {
                        let key = format!("{}-w{n}-{step}", stage.card);
                        let withdrawn = db
                            .withdraw_from_card(&stage.merchant, &stage.card, Cents(500), &key)
                            .await;
                        if let Err(CardOperationError::Store(error)) = withdrawn {
                            return Err(format!("withdraw failed: {error}"));
                        }
                    } else {
                        let authorization = db
                            .authorize_purchase(
                                &stage.merchant,
                                &stage.card,
                                &purchase(500),
                                "5734",
                                &[],
                            )
                            .await
                            .map_err(|error| format!("authorize failed: {error}"))?;
                        if authorization.status == AuthorizationStatus::Pending {
                            db.settle_authorization(
                                &stage.merchant,
                                &authorization.id,
                                true,
                                now_ms(),
                            )
                            .await
                            .map_err(|error| format!("capture failed: {error}"))?;
                        }
                    }
                }
                Ok(())
            }));
        }
        for task in tasks {
            if let Err(problem) = task.await.unwrap() {
                failures.push(format!("round {round}: {problem}"));
            }
        }
        if let Err(violation) = check_money_invariants_of(db, &[stage.card.as_str()]).await {
            failures.push(format!("round {round}: {violation}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
