//! Card views are one consistent snapshot: while a card's status changes over and over, no read
//! sees an event newer than the status it reports; and a page of cards shows each card exactly as
//! reading it alone does.

mod support;

use app::domain::ids::{CardId, MerchantId};

use app::{
    domain::{CardStatus, Cents},
    ports::CardFilter,
};
use server::{
    onboarding::onboard_merchant,
    store::{CreateOutcome, Database},
};
use support::{new_cards::new_card, test_server::test_worker};

on_every_backend!(
    multi_thread: no_view_has_an_event_ahead_of_its_status,
    a_page_shows_each_card_as_reading_it_alone_does,
);

/// Creates `count` cards for a new merchant and provisions them to ACTIVE.
async fn active_cards(db: &Database, round: &str, count: usize) -> (MerchantId, Vec<CardId>) {
    for range in server::issuing::catalog::card_ranges() {
        db.upsert_card_range(&range).await.unwrap();
    }
    let merchant = onboard_merchant(db, "Views", Cents(10_000_000))
        .await
        .unwrap()
        .merchant
        .id;
    let mut cards = Vec::new();
    for n in 0..count {
        let order = format!("{round}-{n}");
        let outcome = db
            .create_card(&merchant, &new_card(&order, 1000 + n as i64), &order, None)
            .await
            .unwrap();
        let CreateOutcome::Created(card) = outcome else {
            panic!("expected a new card")
        };
        cards.push(card.id);
    }
    let worker = test_worker(db, round);
    while worker.run_once().await.unwrap() > 0 {}
    (merchant, cards)
}

async fn no_view_has_an_event_ahead_of_its_status(db: &Database) {
    let (merchant, cards) = active_cards(db, "torn", 1).await;
    let card = cards[0].clone();
    let toggler = {
        let (db, merchant, card) = (db.clone(), merchant.clone(), card.clone());
        tokio::spawn(async move {
            for round in 0..150 {
                let to = if round % 2 == 0 {
                    CardStatus::Freeze
                } else {
                    CardStatus::Active
                };
                db.transition_card(&merchant, &card, to).await.unwrap();
            }
        })
    };
    let mut reads = 0;
    while !toggler.is_finished() {
        let view = db.card(&merchant, &card).await.unwrap().unwrap();
        let newest = view.events.last().unwrap();
        assert_eq!(
            newest.status, view.status,
            "read {reads}: event {} is ahead of the status it was read with",
            newest.seq
        );
        reads += 1;
    }
    toggler.await.unwrap();
    assert!(reads > 10, "the reads raced the changes ({reads} reads)");
}

async fn a_page_shows_each_card_as_reading_it_alone_does(db: &Database) {
    let (merchant, cards) = active_cards(db, "page", 5).await;
    // Different money on each card: a top-up on one, a withdrawal on another, one deleted.
    db.recharge_card(&merchant, &cards[0], Cents(700), "top-1")
        .await
        .unwrap();
    db.withdraw_from_card(&merchant, &cards[1], Cents(300), "out-1")
        .await
        .unwrap();
    db.delete_card(&merchant, &cards[2]).await.unwrap();
    let (page, total) = db
        .cards(&merchant, &CardFilter::default(), 1, 100)
        .await
        .unwrap();
    assert_eq!(total, 5);
    assert_eq!(page.len(), 5);
    for listed in &page {
        let alone = db.card(&merchant, &listed.card_id).await.unwrap().unwrap();
        assert_eq!(listed, &alone);
    }
    let deleted = page.iter().find(|view| view.card_id == cards[2]).unwrap();
    assert_eq!(deleted.status, CardStatus::Deleted);
    assert_eq!(deleted.balance, Cents::ZERO);
}
