//! Durability of the issuing core, on SQLite and PostgreSQL: concurrent reservations never
//! overdraw, a crashed worker's card is resumed by another without repeating a stage, and card
//! numbers never reach the database in clear.

mod support;

use app::domain::ids::CardId;
use std::{sync::Arc, time::Duration};

use app::domain::{
    cardholder_name::CardholderName,
    ledger::{Account, LedgerState},
    provisioning::ProvisioningStage,
    CardStatus, Cents,
};
use server::store::{fees::FEE_PERIOD_MS, Activation, CreateCardError, CreateOutcome, Database};
use support::{new_cards::new_card, test_server::test_worker, TestServer};

on_every_backend!(
    many_concurrent_creations_beside_the_worker_all_finish,
    monthly_fees_are_charged_once_per_month_and_never_overdraw,
    concurrent_reservations_never_overdraw_the_wallet,
    a_crashed_workers_card_is_resumed_once,
    a_new_card_does_not_wait_for_cards_already_in_provisioning,
    stage_completions_committed_together_keep_each_cards_guard,
);

async fn concurrent_reservations_never_overdraw_the_wallet(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, _) = server.merchant(1_000).await;
    let attempts = (0..10).map(|n| {
        let (db, merchant) = (db.clone(), merchant.clone());
        async move {
            let request = new_card(&format!("drain-{n}"), 600);
            db.create_card(&merchant, &request, &format!("hash-{n}"), None)
                .await
        }
    });
    let results = futures::future::join_all(attempts).await;
    let created = results
        .iter()
        .filter(|result| matches!(result, Ok(CreateOutcome::Created(_))))
        .count();
    let refused = results
        .iter()
        .filter(|result| matches!(result, Err(CreateCardError::InsufficientFunds { .. })))
        .count();
    assert_eq!((created, refused), (1, 9), "{results:?}");
    assert_eq!(
        db.balance(&Account::MerchantWallet(merchant))
            .await
            .unwrap(),
        Cents(400)
    );
    LedgerState::replay(&db.journal().await.unwrap()).expect("ledger invariants");
}

async fn a_crashed_workers_card_is_resumed_once(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, _) = server.merchant(10_000).await;
    let CreateOutcome::Created(created) = db
        .create_card(&merchant, &new_card("crash-1", 1000), "h", None)
        .await
        .unwrap()
    else {
        panic!("expected a new card")
    };
    let card_id = created.id;

    // A worker claims the card with a short lease, completes one stage, and dies.
    assert_eq!(
        db.claim_due_cards("dead-worker", 100, 10).await.unwrap(),
        vec![card_id.clone()]
    );
    let advanced = db
        .advance_stage(
            &card_id,
            "dead-worker",
            ProvisioningStage::OpeningCard,
            ProvisioningStage::CreatingCardholder,
            100,
            None,
        )
        .await
        .unwrap();
    assert!(advanced);

    // While its lease lives, nobody else may take the card.
    let survivor = test_worker(db, "survivor");
    assert_eq!(survivor.run_once().await.unwrap(), 0);

    // Once it expires, the card is taken over and finished from where it stopped.
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(survivor.run_once().await.unwrap(), 1);
    let card = db.card(&merchant, &card_id).await.unwrap().unwrap();
    assert_eq!(card.status, CardStatus::Active);
    let stages: Vec<ProvisioningStage> = card.events.iter().map(|event| event.stage).collect();
    assert_eq!(
        stages,
        ProvisioningStage::ALL,
        "each stage recorded exactly once"
    );

    // The dead worker cannot write anything any more.
    let late = db
        .advance_stage(
            &card_id,
            "dead-worker",
            ProvisioningStage::CreatingCardholder,
            ProvisioningStage::CreatingVirtualCard,
            100,
            None,
        )
        .await
        .unwrap();
    assert!(!late);
    assert!(
        db.claim_due_cards("anyone", 100, 10)
            .await
            .unwrap()
            .is_empty(),
        "an active card is never due"
    );
}

#[tokio::test]
async fn card_numbers_and_cvcs_never_reach_the_database_file_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cardkit.db");
    let db = Database::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    let server = TestServer::start(&db).await;
    let (merchant, key) = server.merchant(100_000).await;

    let mut revealed = Vec::new();
    for n in 0..5 {
        let body = serde_json::json!({
            "cardHolder": { "firstName": "Milton", "lastName": "Schmitt" },
            "deposit": "1000", "vid": "vab_069af8a792ad", "orderNo": format!("secret-{n}"),
            "callbackUrl": "https://example.com/hook"
        });
        let created = support::http_client::request(
            server.addr,
            "POST",
            "/api/vcc/v1/cards",
            Some(&key),
            Some(&body.to_string()),
        )
        .await
        .json();
        let card_id = created["model"]["card"]["cardId"]
            .as_str()
            .unwrap()
            .to_owned();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while db
            .card(&merchant, &CardId::new(card_id.to_owned()))
            .await
            .unwrap()
            .unwrap()
            .status
            != CardStatus::Active
        {
            assert!(
                std::time::Instant::now() < deadline,
                "card did not activate"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let path = format!("/api/vcc/v1/cards/{card_id}/reveal");
        let secrets = support::http_client::request(server.addr, "POST", &path, Some(&key), None)
            .await
            .json();
        revealed.push(secrets["model"]["number"].as_str().unwrap().to_owned());
    }

    let mut stored = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        if let Ok(bytes) = std::fs::read(format!("{}{suffix}", file.display())) {
            stored.extend(bytes);
        }
    }
    assert!(stored.len() > 10_000, "read the database files");
    for pan in &revealed {
        assert_eq!(pan.len(), 16);
        let middle = &pan[6..12]; // neither BIN nor last4, which are stored in clear on purpose
        assert!(
            !stored.windows(16).any(|window| window == pan.as_bytes()),
            "PAN {pan} found in clear"
        );
        assert!(!String::from_utf8_lossy(&stored).contains(&format!("{middle}{}", &pan[12..])));
    }
}

async fn monthly_fees_are_charged_once_per_month_and_never_overdraw(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, _) = server.merchant(10_000).await;
    let CreateOutcome::Created(created) = db
        .create_card(&merchant, &new_card("fees-1", 500), "h", None)
        .await
        .unwrap()
    else {
        panic!("expected a new card")
    };
    let worker = test_worker(db, "biller");
    worker.run_once().await.unwrap();
    let card = db.card(&merchant, &created.id).await.unwrap().unwrap();
    assert_eq!(card.status, CardStatus::Active);
    assert_eq!(
        (card.fees, card.balance),
        (Cents(100), Cents(400)),
        "first month charged at activation"
    );

    let activated_at = card.events.last().unwrap().at_ms;
    let month = |n: i64| activated_at + n * FEE_PERIOD_MS + 1;

    // Not due yet: nothing happens, even a day before the month is over.
    assert_eq!(
        db.charge_due_fees(month(1) - 86_400_000, 10).await.unwrap(),
        0
    );

    // A month later, two billers race: the month is charged once.
    let (a, b) = tokio::join!(
        db.charge_due_fees(month(1), 10),
        db.charge_due_fees(month(1), 10)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    let card = db.card(&merchant, &created.id).await.unwrap().unwrap();
    assert_eq!((card.fees, card.balance), (Cents(200), Cents(300)));

    // Months go on until the balance is gone; a fee never takes more than is left.
    for n in 2..=7 {
        db.charge_due_fees(month(n), 10).await.unwrap();
    }
    let card = db.card(&merchant, &created.id).await.unwrap().unwrap();
    assert_eq!(
        (card.fees, card.balance, card.deposit),
        (Cents(500), Cents(0), Cents(500))
    );
    LedgerState::replay(&db.journal().await.unwrap()).expect("ledger invariants");
}

/// More concurrent writers than pooled connections, with the worker claiming work at the same time:
/// nobody may hold the SQLite writer gate while waiting for a connection (that deadlocked once).
async fn many_concurrent_creations_beside_the_worker_all_finish(db: &Database) {
    let server = TestServer::start(db).await;
    let (merchant, _) = server.merchant(1_000_000).await;
    let creations = (0..64).map(|n| {
        let (db, merchant) = (db.clone(), merchant.clone());
        async move {
            db.create_card(
                &merchant,
                &new_card(&format!("load-{n}"), 500),
                &format!("h{n}"),
                None,
            )
            .await
        }
    });
    let all = tokio::time::timeout(
        Duration::from_secs(30),
        futures::future::join_all(creations),
    )
    .await
    .expect("creations finished (no deadlock)");
    let failures: Vec<_> = all
        .iter()
        .filter(|result| !matches!(result, Ok(CreateOutcome::Created(_))))
        .collect();
    assert!(failures.is_empty(), "{failures:?}");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (cards, _) = db
            .cards(&merchant, &Default::default(), 1, 100)
            .await
            .unwrap();
        if cards.iter().all(|card| card.status == CardStatus::Active) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "provisioning stalled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    LedgerState::replay(&db.journal().await.unwrap()).expect("ledger invariants");
}

/// A processor whose stages for last name `Waiting` block until the test opens the gate, and
/// whose other stages are instant.
struct GatedProcessor {
    gate: Arc<tokio::sync::Semaphore>,
}

#[async_trait::async_trait]
impl app::ports::CardProcessor for GatedProcessor {
    async fn perform(
        &self,
        _card_id: &CardId,
        holder: (&str, &str),
        _stage: ProvisioningStage,
    ) -> Result<(), app::ports::StageError> {
        if holder.1 == "Waiting" {
            let permit = self.gate.acquire().await.expect("the gate stays open");
            drop(permit);
        }
        Ok(())
    }
}

/// Cards are provisioned independently: a card created while another is stuck at a slow stage is
/// claimed and activated at once, not after the other card's whole provisioning (the worker used
/// to claim a batch and wait for all of it before claiming more).
async fn a_new_card_does_not_wait_for_cards_already_in_provisioning(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, _) = server.merchant(100_000).await;
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let settings = server::issuing::provisioning_worker::WorkerSettings {
        owner: "gated".into(),
        lease: Duration::from_secs(30),
        poll_interval: Duration::from_millis(50),
        batch_size: 32,
    };
    let worker = server::issuing::provisioning_worker::ProvisioningWorker::new(
        db.clone(),
        server::secrets::CardCipher::new(&support::test_server::TEST_KEY),
        Arc::new(GatedProcessor { gate: gate.clone() }),
        settings,
    );
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(async move { worker.run(stopped).await });

    let mut slow = new_card("slow-1", 500);
    slow.last_name = CardholderName::parse("Waiting").unwrap();
    let CreateOutcome::Created(slow) = db
        .create_card(&merchant, &slow, "h-slow", None)
        .await
        .unwrap()
    else {
        panic!("not created")
    };
    // The slow card is claimed and stuck at its first stage.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let CreateOutcome::Created(quick) = db
        .create_card(&merchant, &new_card("quick-1", 500), "h-quick", None)
        .await
        .unwrap()
    else {
        panic!("not created")
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let card = db.card(&merchant, &quick.id).await.unwrap().unwrap();
        if card.status == CardStatus::Active {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the new card waited for the stuck one: {:?}",
            card.status
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stuck = db.card(&merchant, &slow.id).await.unwrap().unwrap();
    assert_eq!(
        stuck.status,
        CardStatus::Init,
        "the slow card is still at its gate"
    );

    gate.add_permits(100);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while db.card(&merchant, &slow.id).await.unwrap().unwrap().status != CardStatus::Active {
        assert!(
            std::time::Instant::now() < deadline,
            "the slow card did not finish"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("the worker stops")
        .unwrap();
}

/// A made-up activation: what the worker would write, with a chosen fingerprint.
fn activation_with_fingerprint(fingerprint: &str) -> Activation {
    Activation {
        card_bin: "411111".into(),
        last4: "1234".into(),
        exp_month: 12,
        exp_year: 2030,
        pan_ciphertext: vec![1, 2, 3],
        cvc_ciphertext: vec![4, 5, 6],
        pan_fingerprint: fingerprint.into(),
        first_fee: Cents(100),
    }
}

async fn stage_completions_committed_together_keep_each_cards_guard(db: &Database) {
    use server::store::stage_batches::StageAdvance;
    use ProvisioningStage::*;
    let server = TestServer::start_with(db, false).await;
    let (first_merchant, _) = server.merchant(100_000).await;
    let (second_merchant, _) = server.merchant(100_000).await;
    let mut cards = Vec::new();
    for (n, merchant) in [
        &first_merchant,
        &second_merchant,
        &first_merchant,
        &second_merchant,
    ]
    .into_iter()
    .enumerate()
    {
        let order = format!("batched-{n}");
        let Ok(CreateOutcome::Created(card)) = db
            .create_card(merchant, &new_card(&order, 1000), &order, None)
            .await
        else {
            panic!("expected a new card")
        };
        cards.push((card.id, merchant.clone()));
    }
    assert_eq!(db.claim_due_cards("w", 60_000, 10).await.unwrap().len(), 4);
    // Cards 0 and 1 are taken to the last stage one commit at a time; card 0 is activated.
    for (card_id, _) in &cards[..2] {
        for pair in ProvisioningStage::ALL[..4].windows(2) {
            assert!(db
                .advance_stage(card_id, "w", pair[0], pair[1], 60_000, None)
                .await
                .unwrap());
        }
    }
    let taken = activation_with_fingerprint("fp-taken");
    assert!(db
        .advance_stage(
            &cards[0].0,
            "w",
            ActivatingCard,
            Activated,
            60_000,
            Some(&taken)
        )
        .await
        .unwrap());
    let wallet_before = db
        .balance(&Account::MerchantWallet(second_merchant.clone()))
        .await
        .unwrap();

    let advance = |n: usize, owner: &str, from, to, activation| StageAdvance {
        card_id: cards[n].0.clone(),
        merchant_id: cards[n].1.clone(),
        owner: owner.into(),
        from,
        to,
        lease_ms: 60_000,
        activation,
    };
    let answers = db
        .advance_stages(&[
            // A PAN drawn twice: refused by the unique index, undone alone.
            advance(
                1,
                "w",
                ActivatingCard,
                Activated,
                Some(activation_with_fingerprint("fp-taken")),
            ),
            advance(2, "w", OpeningCard, CreatingCardholder, None),
            // Not this owner's lease any more: nothing written.
            advance(3, "intruder", OpeningCard, CreatingCardholder, None),
            // Not at that stage: nothing written.
            advance(2, "w", CreatingVirtualCard, ActivatingCard, None),
        ])
        .await;
    assert!(
        matches!(&answers[0], Err(server::store::StoreError::Sql(error)) if server::store::dispatch::is_unique_violation(error)),
        "{:?}",
        answers[0]
    );
    assert_eq!(
        answers[1..]
            .iter()
            .map(|a| *a.as_ref().unwrap())
            .collect::<Vec<_>>(),
        vec![true, false, false]
    );

    let stages_of = |n: usize| {
        let (card_id, merchant) = cards[n].clone();
        async move {
            let card = db.card(&merchant, &card_id).await.unwrap().unwrap();
            (
                card.status,
                card.events
                    .iter()
                    .map(|event| event.stage)
                    .collect::<Vec<_>>(),
            )
        }
    };
    assert_eq!(
        stages_of(1).await,
        (CardStatus::ActiveCard, ProvisioningStage::ALL[..4].to_vec()),
        "the refused activation left card 1 where it was"
    );
    assert_eq!(
        stages_of(2).await.1,
        vec![OpeningCard, CreatingCardholder],
        "the batch's good completion was kept"
    );
    assert_eq!(stages_of(3).await.1, vec![OpeningCard]);
    assert_eq!(
        db.balance(&Account::MerchantWallet(second_merchant))
            .await
            .unwrap(),
        wallet_before,
        "no fee was charged for the refused activation"
    );
    // A fresh PAN then activates card 1 through the same path.
    let answers = db
        .advance_stages(&[advance(
            1,
            "w",
            ActivatingCard,
            Activated,
            Some(activation_with_fingerprint("fp-fresh")),
        )])
        .await;
    assert!(matches!(answers[..], [Ok(true)]), "{answers:?}");
    assert_eq!(stages_of(1).await.0, CardStatus::Active);
    LedgerState::replay(&db.journal().await.unwrap()).expect("ledger invariants");
}
