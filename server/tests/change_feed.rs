//! The change feed (`server::change_feed`): a committed change wakes whoever waits for it — on
//! this instance at once, and on PostgreSQL on every other instance through `NOTIFY` — while a
//! refused or rolled-back change wakes nobody. Waits here end only on a wake-up, never on a
//! fallback poll, so a missing wake-up fails the test instead of slowing it.

mod support;

use std::time::Duration;

use app::domain::{
    ids::{MerchantId, SessionId},
    CardStatus, Cents,
};
use server::{
    change_feed::{postgres_listener, Topic, Woken},
    onboarding::onboard_merchant,
    store::{
        card_event_catch_up::CardEventCatchUp, CreateOutcome, Database, Pool, SessionClosing,
        WidgetSession,
    },
};
use support::{new_cards::new_card, test_server::test_worker, TestDatabase};

on_every_backend!(
    a_new_card_wakes_its_merchant_and_the_provisioning_worker,
    every_provisioning_stage_wakes_the_cards_tracker,
    a_status_change_and_a_top_up_wake_the_card,
    a_refused_change_wakes_nobody,
    closing_a_widget_session_wakes_its_trackers_once,
    a_card_event_whose_hint_was_lost_wakes_its_tracker_at_the_next_catch_up_read,
);

/// Long enough never to be reached when the wake-up works.
const WAKE_UP: Duration = Duration::from_secs(30);
/// How long a test waits to show that nothing came.
const QUIET: Duration = Duration::from_millis(300);

async fn merchant(db: &Database) -> MerchantId {
    for range in server::issuing::catalog::card_ranges() {
        db.upsert_card_range(&range).await.unwrap();
    }
    onboard_merchant(db, "Feed", Cents(1_000_000))
        .await
        .unwrap()
        .merchant
        .id
}

async fn created_card(
    db: &Database,
    merchant: &MerchantId,
    order_no: &str,
) -> app::domain::ids::CardId {
    match db
        .create_card(merchant, &new_card(order_no, 5_000), order_no, None)
        .await
        .unwrap()
    {
        CreateOutcome::Created(card) => card.id,
        other => panic!("expected a new card, got {other:?}"),
    }
}

async fn a_new_card_wakes_its_merchant_and_the_provisioning_worker(db: &Database) {
    let merchant = merchant(db).await;
    let feed = db.change_feed();
    let mut table = feed.subscribe(Topic::Merchant(merchant.clone()));
    let mut worker = feed.subscribe(Topic::ProvisioningDue);
    let mut callbacks = feed.subscribe(Topic::CallbackDue);
    created_card(db, &merchant, "feed-new-1").await;
    assert_eq!(table.changed(WAKE_UP).await, Woken::Changed);
    assert_eq!(worker.changed(WAKE_UP).await, Woken::Changed);
    // The card has no callback URL: no message was queued, the delivery worker sleeps on.
    assert_eq!(callbacks.changed(QUIET).await, Woken::TimedOut);
}

async fn every_provisioning_stage_wakes_the_cards_tracker(db: &Database) {
    let merchant = merchant(db).await;
    let card = created_card(db, &merchant, "feed-stages-1").await;
    let mut tracker = db.change_feed().subscribe(Topic::Card(card.clone()));
    let worker = test_worker(db, "feed");
    let mut wakes = 0;
    // Each run provisions the card to ACTIVE; the tracker must hear of it before reading.
    worker.run_once().await.unwrap();
    while tracker.changed(QUIET).await == Woken::Changed {
        wakes += 1;
    }
    assert!(wakes >= 1, "the tracker was not woken by provisioning");
    let view = db.card(&merchant, &card).await.unwrap().unwrap();
    assert_eq!(view.status, CardStatus::Active);
}

async fn a_status_change_and_a_top_up_wake_the_card(db: &Database) {
    let merchant = merchant(db).await;
    let card = created_card(db, &merchant, "feed-freeze-1").await;
    test_worker(db, "feed").run_once().await.unwrap();
    let feed = db.change_feed();
    let mut tracker = feed.subscribe(Topic::Card(card.clone()));
    let mut callbacks = feed.subscribe(Topic::CallbackDue);
    let mut other = feed.subscribe(Topic::Card(app::domain::ids::CardId::new("c_other")));
    db.transition_card(&merchant, &card, CardStatus::Freeze)
        .await
        .unwrap();
    assert_eq!(tracker.changed(WAKE_UP).await, Woken::Changed);
    assert_eq!(callbacks.changed(WAKE_UP).await, Woken::Changed);
    db.transition_card(&merchant, &card, CardStatus::Active)
        .await
        .unwrap();
    assert_eq!(tracker.changed(WAKE_UP).await, Woken::Changed);
    db.recharge_card(&merchant, &card, Cents(500), "feed-top-up-1")
        .await
        .unwrap();
    assert_eq!(tracker.changed(WAKE_UP).await, Woken::Changed);
    assert_eq!(other.changed(QUIET).await, Woken::TimedOut);
}

async fn a_refused_change_wakes_nobody(db: &Database) {
    let merchant = merchant(db).await;
    let card = created_card(db, &merchant, "feed-refused-1").await;
    let mut tracker = db.change_feed().subscribe(Topic::Card(card.clone()));
    let mut table = db
        .change_feed()
        .subscribe(Topic::Merchant(merchant.clone()));
    // A card still provisioning cannot be frozen, and a repeated order number creates nothing.
    db.transition_card(&merchant, &card, CardStatus::Freeze)
        .await
        .unwrap_err();
    let repeat = db
        .create_card(
            &merchant,
            &new_card("feed-refused-1", 5_000),
            "feed-refused-1",
            None,
        )
        .await
        .unwrap();
    assert!(matches!(repeat, CreateOutcome::Existing(_)), "{repeat:?}");
    assert_eq!(tracker.changed(QUIET).await, Woken::TimedOut);
    assert_eq!(table.changed(QUIET).await, Woken::TimedOut);
}

/// A card event committed with no wake-up (another instance's, whose `NOTIFY` this one never
/// heard) reaches the card's tracker through the instance's catch-up read, once.
async fn a_card_event_whose_hint_was_lost_wakes_its_tracker_at_the_next_catch_up_read(
    db: &Database,
) {
    let merchant = merchant(db).await;
    let card = created_card(db, &merchant, "feed-lost-1").await;
    let quiet_card = created_card(db, &merchant, "feed-lost-2").await;
    let mut catch_up = CardEventCatchUp::new(db.clone());
    // The first read finds the two creations, stamped a moment ago.
    assert_eq!(catch_up.read_once().await.unwrap(), 2);
    let feed = db.change_feed();
    let mut tracker = feed.subscribe(Topic::Card(card.clone()));
    let mut quiet = feed.subscribe(Topic::Card(quiet_card));
    let mut table = feed.subscribe(Topic::Merchant(merchant.clone()));
    // Read again with nothing new: the creations are not announced twice.
    assert_eq!(catch_up.read_once().await.unwrap(), 0);
    assert_eq!(tracker.changed(QUIET).await, Woken::TimedOut);
    // The lost change: a second event, written straight into the table, announced to nobody.
    db.execute(
        "INSERT INTO card_events (card_id, seq, status, stage, at_ms) \
         SELECT card_id, 2, status, stage, $2 FROM card_events WHERE card_id = $1 AND seq = 1",
        &[(&card).into(), db.now_ms().into()],
    )
    .await
    .unwrap();
    assert_eq!(tracker.changed(QUIET).await, Woken::TimedOut);
    assert_eq!(catch_up.read_once().await.unwrap(), 1);
    assert_eq!(tracker.changed(WAKE_UP).await, Woken::Changed);
    assert_eq!(table.changed(WAKE_UP).await, Woken::Changed);
    assert_eq!(quiet.changed(QUIET).await, Woken::TimedOut);
    assert_eq!(catch_up.read_once().await.unwrap(), 0);
    assert_eq!(tracker.changed(QUIET).await, Woken::TimedOut);
}

/// A running widget session of `merchant`, stored as the session API stores one.
async fn widget_session(db: &Database, merchant: &MerchantId, id: &str) -> SessionId {
    let now = db.now_ms();
    let session = WidgetSession {
        id: SessionId::new(id),
        chain_id: SessionId::new(id),
        merchant_id: merchant.clone(),
        allowed_origins: vec!["https://shop.example".into()],
        customer_email: None,
        created_at_ms: now,
        expires_at_ms: now + 60_000,
        max_cards: 1,
        max_deposit: Cents(500_000),
        plan_names: Default::default(),
        closed_at_ms: None,
        created_by: None,
    };
    db.create_widget_session(&session, &format!("wst_{id}"))
        .await
        .unwrap();
    session.id
}

async fn closing_a_widget_session_wakes_its_trackers_once(db: &Database) {
    let merchant = merchant(db).await;
    let session = widget_session(db, &merchant, "feedclose1").await;
    let other = widget_session(db, &merchant, "feedclose2").await;
    let feed = db.change_feed();
    let mut trackers = feed.subscribe(Topic::WidgetSession(session.clone()));
    let mut others = feed.subscribe(Topic::WidgetSession(other));
    let closing = db
        .close_widget_session(&merchant, &session, db.now_ms())
        .await
        .unwrap();
    assert_eq!(closing, SessionClosing::Closed);
    assert_eq!(trackers.changed(WAKE_UP).await, Woken::Changed);
    assert_eq!(others.changed(QUIET).await, Woken::TimedOut);
    // Closed already: nothing changes, nobody is woken.
    let again = db
        .close_widget_session(&merchant, &session, db.now_ms())
        .await
        .unwrap();
    assert_eq!(again, SessionClosing::AlreadyOver);
    assert_eq!(trackers.changed(QUIET).await, Woken::TimedOut);
}

/// Two instances on one PostgreSQL: a change committed through one wakes the other's waiters,
/// through its listener.
#[tokio::test]
async fn postgres_another_instance_hears_every_committed_change() {
    let test_db = TestDatabase::postgres().await;
    let instance_a = &test_db.database;
    let instance_b = Database::connect(&test_db.url).await.unwrap();
    let Pool::Postgres(pool_b) = instance_b.pool() else {
        unreachable!("a PostgreSQL test database")
    };
    let merchant = merchant(instance_a).await;
    let feed_b = instance_b.change_feed().clone();
    let mut table_b = feed_b.subscribe(Topic::Merchant(merchant.clone()));
    let mut worker_b = feed_b.subscribe(Topic::ProvisioningDue);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let listener = tokio::spawn(postgres_listener::listen(
        feed_b.clone(),
        pool_b.clone(),
        stopped,
    ));
    // Once connected the listener wakes everyone (what was said before was not heard).
    assert_eq!(table_b.changed(WAKE_UP).await, Woken::Changed);
    assert_eq!(worker_b.changed(WAKE_UP).await, Woken::Changed);

    let card = created_card(instance_a, &merchant, "feed-across-1").await;
    assert_eq!(table_b.changed(WAKE_UP).await, Woken::Changed);
    assert_eq!(worker_b.changed(WAKE_UP).await, Woken::Changed);

    let mut tracker_b = feed_b.subscribe(Topic::Card(card.clone()));
    test_worker(instance_a, "feed-a").run_once().await.unwrap();
    assert_eq!(tracker_b.changed(WAKE_UP).await, Woken::Changed);
    while tracker_b.changed(QUIET).await == Woken::Changed {}

    // A refused change sends nothing across either.
    db_refuses_a_freeze_of_a_deleted_card(instance_a, &merchant, &card).await;
    assert_eq!(
        tracker_b.changed(WAKE_UP).await,
        Woken::Changed,
        "the deletion"
    );
    assert_eq!(tracker_b.changed(QUIET).await, Woken::TimedOut);

    // A widget session closed through A: its trackers on B are told.
    let session = widget_session(instance_a, &merchant, "feedacross1").await;
    let mut closing_b = feed_b.subscribe(Topic::WidgetSession(session.clone()));
    instance_a
        .close_widget_session(&merchant, &session, instance_a.now_ms())
        .await
        .unwrap();
    assert_eq!(closing_b.changed(WAKE_UP).await, Woken::Changed);

    let _ = stop.send(true);
    listener.await.unwrap();
    instance_b.close().await;
}

/// Deletes the card (a change), then tries to freeze it (refused: no change).
async fn db_refuses_a_freeze_of_a_deleted_card(
    db: &Database,
    merchant: &MerchantId,
    card: &app::domain::ids::CardId,
) {
    db.delete_card(merchant, card).await.unwrap();
    db.transition_card(merchant, card, CardStatus::Freeze)
        .await
        .unwrap_err();
}

/// The change a process makes is not heard twice: its own notification comes back to its own
/// listener and is skipped (its waiters were woken at the commit).
#[tokio::test]
async fn postgres_an_instance_skips_its_own_notifications() {
    let test_db = TestDatabase::postgres().await;
    let db = &test_db.database;
    let Pool::Postgres(pool) = db.pool() else {
        unreachable!("a PostgreSQL test database")
    };
    let merchant = merchant(db).await;
    let feed = db.change_feed().clone();
    let mut table = feed.subscribe(Topic::Merchant(merchant.clone()));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let listener = tokio::spawn(postgres_listener::listen(
        feed.clone(),
        pool.clone(),
        stopped,
    ));
    assert_eq!(table.changed(WAKE_UP).await, Woken::Changed, "connected");
    created_card(db, &merchant, "feed-own-1").await;
    assert_eq!(table.changed(WAKE_UP).await, Woken::Changed, "the commit");
    // Its own notification arrives within milliseconds; it must not wake the table again.
    assert_eq!(
        table.changed(Duration::from_millis(500)).await,
        Woken::TimedOut
    );
    let _ = stop.send(true);
    listener.await.unwrap();
}
