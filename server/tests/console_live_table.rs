//! The console's card table follows the merchant's cards live, over real HTTP, on SQLite and
//! PostgreSQL: its event stream says "changed" when a shown card moves through provisioning, when
//! the merchant issues a new card, and when a shown card's balance moves; another merchant's
//! cards never count, and a signed-out browser gets no stream.

mod support;

use std::time::Duration;

use app::domain::{
    console_views::CardTableMark,
    ids::{CardId, MerchantId},
};
use server::store::{CreateOutcome, Database};
use support::{
    console_client::{call, signed_in_owner},
    http_client,
    new_cards::new_card,
    test_server::test_worker,
    TestServer,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

on_every_backend!(
    the_table_stream_says_when_shown_cards_move_or_a_card_is_issued,
    another_merchants_cards_never_count_in_the_mark,
    a_signed_out_browser_gets_no_table_stream,
);

async fn issue(server: &TestServer, merchant: &MerchantId, order: &str) -> CardId {
    let CreateOutcome::Created(card) = server
        .database
        .create_card(merchant, &new_card(order, 10_000), order, None)
        .await
        .unwrap()
    else {
        panic!("expected a new card")
    };
    card.id
}

/// An open event stream, read as its events arrive.
struct EventStream {
    socket: TcpStream,
    received: String,
}

impl EventStream {
    async fn open(server: &TestServer, cookie: &str, path: &str) -> Self {
        let mut socket = TcpStream::connect(server.addr).await.unwrap();
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nCookie: {cookie}\r\nAccept: text/event-stream\r\n\r\n",
            server.addr
        );
        socket.write_all(request.as_bytes()).await.unwrap();
        EventStream {
            socket,
            received: String::new(),
        }
    }

    fn events(&self) -> usize {
        self.received.matches("data: changed").count()
    }

    /// Waits until `count` events have arrived in all; panics after 10 s.
    async fn until(&mut self, count: usize, what: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let mut buffer = [0u8; 4096];
        while self.events() < count {
            let read = tokio::time::timeout_at(deadline, self.socket.read(&mut buffer))
                .await
                .unwrap_or_else(|_| panic!("no event for {what}: {}", self.received))
                .unwrap();
            assert!(read > 0, "the stream ended: {}", self.received);
            self.received
                .push_str(&String::from_utf8_lossy(&buffer[..read]));
        }
    }

    /// No event beyond `count` arrives within `wait`.
    async fn quiet(&mut self, count: usize, wait: Duration) {
        let mut buffer = [0u8; 4096];
        while let Ok(read) = tokio::time::timeout(wait, self.socket.read(&mut buffer)).await {
            let read = read.unwrap();
            self.received
                .push_str(&String::from_utf8_lossy(&buffer[..read]));
            if read == 0 {
                break;
            }
        }
        assert_eq!(self.events(), count, "{}", self.received);
    }
}

async fn the_table_stream_says_when_shown_cards_move_or_a_card_is_issued(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, _) = server.merchant(100_000).await;
    let cookie = signed_in_owner(&server, &merchant).await;
    let shown = issue(&server, &merchant, "live-1").await;

    let path = format!("/console/cards/events?shown={shown}");
    let mut stream = EventStream::open(&server, &cookie, &path).await;
    assert!(stream.received.is_empty());
    // The first event is the table as it is now: nothing that happened before it is missed.
    stream.until(1, "the stream's start").await;
    assert!(
        stream.received.starts_with("HTTP/1.1 200"),
        "{}",
        stream.received
    );
    assert!(stream
        .received
        .to_ascii_lowercase()
        .contains("content-type: text/event-stream"));
    stream.quiet(1, Duration::from_millis(600)).await;

    // Provisioning moves the shown card.
    test_worker(db, "live").run_once().await.unwrap();
    stream.until(2, "provisioning").await;

    // The merchant issues a card the page does not show yet.
    issue(&server, &merchant, "live-2").await;
    stream.until(3, "a new card").await;

    // A top-up of the shown card (its balance moves; no status event).
    let page = call(&server, &cookie, "card", &format!("card_id={shown}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let reference = page.json()["next_reference"].as_str().unwrap().to_owned();
    let top_up = format!("card_id={shown}&action=top_up&amount=5.00&reference={reference}");
    let answer = call(&server, &cookie, "card_act", &top_up).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    stream.until(4, "a top-up").await;
}

async fn another_merchants_cards_never_count_in_the_mark(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (mine, _) = server.merchant(100_000).await;
    let (theirs, _) = server.merchant(100_000).await;
    let my_card = issue(&server, &mine, "mark-mine").await;
    let their_card = issue(&server, &theirs, "mark-theirs").await;

    let nothing_shown = db.card_table_mark(&mine, &[]).await.unwrap();
    assert_eq!(
        nothing_shown,
        CardTableMark {
            shown_events: 0,
            shown_balance: 0,
            newest_card: Some(my_card.clone()),
        }
    );
    let with_theirs = db
        .card_table_mark(&mine, std::slice::from_ref(&their_card))
        .await
        .unwrap();
    assert_eq!(with_theirs, nothing_shown);
    let with_mine = db
        .card_table_mark(&mine, &[my_card.clone(), their_card.clone()])
        .await
        .unwrap();
    assert!(with_mine.shown_events >= 1, "{with_mine:?}");
    assert_eq!(with_mine.newest_card, Some(my_card));
}

async fn a_signed_out_browser_gets_no_table_stream(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let response = http_client::get(server.addr, "/console/cards/events?shown=c_1").await;
    assert_eq!(response.status, 401, "{}", response.body);
    let forged = http_client::request_with_headers(
        server.addr,
        "GET",
        "/console/cards/events",
        None,
        None,
        &[("Cookie", "cardkit_console=not-a-session")],
    )
    .await;
    assert_eq!(forged.status, 401, "{}", forged.body);
}
