//! `cardkit-list-bench`: how long a page of a merchant's card list takes when the merchant has
//! many cards (100,000 by default), on SQLite and on a throw-away PostgreSQL (durable defaults).
//! The cards are written straight into the tables with SQL (each with its first event, its deposit
//! posted through the ledger and its balance), then pages are read through the store's public
//! `Database::cards`, the call both dialects' list endpoints make.
//!
//! It uses nothing but the store's public surface, so the same file measures the store before and
//! after a change of it (issue 13: one-snapshot reads, a page in a fixed number of queries).

use app::domain::ids::MerchantId;
use std::time::{Duration, Instant};

use app::{
    domain::{console_views::CardCursor, Cents},
    ports::CardFilter,
};
use clap::Parser;
use server::{
    onboarding::onboard_merchant,
    store::{Database, Pool},
};

#[derive(Parser)]
#[command(about = "Card list latency at many cards per merchant")]
struct Args {
    /// Cards of the one merchant.
    #[arg(long, default_value_t = 100_000)]
    cards: i64,
    /// Cards per page (the dialects' maximum is 100).
    #[arg(long, default_value_t = 100)]
    page_size: i64,
    /// Reads of each page measured.
    #[arg(long, default_value_t = 30)]
    reads: usize,
    /// Only these backends (sqlite, postgres).
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<String>,
}

/// Runs one statement on whichever backend.
async fn run(database: &Database, sql: &str) -> Result<(), sqlx::Error> {
    match database.pool() {
        Pool::Sqlite(pool, _) => sqlx::query(sql).execute(pool).await.map(drop),
        Pool::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(drop),
    }
}

/// `cards` cards of the merchant, oldest first one millisecond apart, each ACTIVE with a deposit
/// of $10.00 (one journal entry, two postings, a balance) and one event. Written in one
/// statement per table from a counter, in chunks so that no statement grows unbounded.
async fn generate_cards(
    database: &Database,
    merchant: &MerchantId,
    cards: i64,
) -> Result<(), String> {
    const CHUNK: i64 = 10_000;
    let mut first = 1;
    while first <= cards {
        let last = (first + CHUNK - 1).min(cards);
        let numbers = format!(
            "WITH RECURSIVE n(i) AS (SELECT {first} UNION ALL SELECT i + 1 FROM n WHERE i < {last})"
        );
        let card_id = "'c_bench_' || CAST(i AS TEXT)";
        let statements = [
            format!(
                "{numbers} INSERT INTO cards (id, merchant_id, order_no, request_hash, range_id, holder_id, \
                 seq_no, first_name, last_name, fee_type, callback_url, status, stage, created_at_ms, \
                 updated_at_ms, card_bin, last4, exp_month, exp_year) \
                 SELECT {card_id}, '{merchant}', 'order-' || CAST(i AS TEXT), 'h', 'vab_069af8a792ad', \
                 'ch_' || CAST(i AS TEXT), 'C' || CAST(i AS TEXT), 'Milton', 'Schmitt', 'ONE', '', 'ACTIVE', \
                 'activated', 1700000000000 + i, 1700000000000 + i, '472593', '4242', 12, 2030 FROM n"
            ),
            format!(
                "{numbers} INSERT INTO card_events (card_id, seq, status, stage, at_ms) \
                 SELECT {card_id}, 1, 'ACTIVE', 'activated', 1700000000000 + i FROM n"
            ),
            format!(
                "{numbers} INSERT INTO journal_entries (kind, merchant_id, card_id, reference, created_at_ms) \
                 SELECT 'card_deposit', '{merchant}', {card_id}, 'deposit:' || {card_id}, 1700000000000 + i FROM n"
            ),
            format!(
                "{numbers} INSERT INTO postings (entry_id, account, amount) \
                 SELECT e.id, 'card:' || {card_id}, 1000 FROM n \
                 JOIN journal_entries e ON e.reference = 'deposit:' || {card_id} \
                 UNION ALL SELECT e.id, 'wallet:{merchant}', -1000 FROM n \
                 JOIN journal_entries e ON e.reference = 'deposit:' || {card_id}"
            ),
            format!(
                "{numbers} INSERT INTO account_balances (account, balance) \
                 SELECT 'card:' || {card_id}, 1000 FROM n"
            ),
        ];
        for sql in &statements {
            run(database, sql)
                .await
                .map_err(|error| format!("{error}: {sql}"))?;
        }
        first = last + 1;
    }
    // Since the schema gave every card a user id (migration 12/13), a card needs one; on a
    // schema before it the column does not exist and this does nothing.
    let _ = run(
        database,
        "UPDATE cards SET user_id = 'u_' || id WHERE user_id IS NULL",
    )
    .await;
    run(database, "ANALYZE")
        .await
        .map_err(|error| error.to_string())?;
    Ok(())
}

/// The console table's cursor after its first `position` rows (`None` at the start).
async fn console_cursor(
    database: &Database,
    merchant: &MerchantId,
    position: i64,
) -> Result<Option<CardCursor>, Box<dyn std::error::Error>> {
    if position == 0 {
        return Ok(None);
    }
    let sql = "SELECT created_at_ms, id FROM cards WHERE merchant_id = $1 \
               ORDER BY created_at_ms DESC, id DESC LIMIT 1 OFFSET $2";
    let (created_at_ms, id): (i64, String) = match database.pool() {
        Pool::Sqlite(pool, _) => {
            sqlx::query_as(sql)
                .bind(merchant.as_str())
                .bind(position - 1)
                .fetch_one(pool)
                .await?
        }
        Pool::Postgres(pool) => {
            sqlx::query_as(sql)
                .bind(merchant.as_str())
                .bind(position - 1)
                .fetch_one(pool)
                .await?
        }
    };
    Ok(Some(CardCursor {
        created_at_ms,
        card_id: app::domain::ids::CardId::new(id),
    }))
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let scratch = tempfile::tempdir()?;
    println!(
        "card list: one merchant with {} cards, pages of {}, {} reads each",
        args.cards, args.page_size, args.reads
    );
    println!(
        "{:<10} {:>10} {:>10} {:>10} {:>10}",
        "backend", "page", "p50", "p95", "max"
    );
    for backend in &args.backends {
        let url = match backend.as_str() {
            "sqlite" => format!("sqlite://{}", scratch.path().join("list.db").display()),
            "postgres" => dev_postgres::start(true)?,
            other => return Err(format!("unknown backend {other}").into()),
        };
        let database = Database::connect(&url).await?;
        database.migrate().await?;
        for range in server::issuing::catalog::card_ranges() {
            database.upsert_card_range(&range).await?;
        }
        let merchant = onboard_merchant(&database, "List", Cents(100_000))
            .await?
            .merchant
            .id;
        let started = Instant::now();
        generate_cards(&database, &merchant, args.cards).await?;
        eprintln!(
            "{backend}: {} cards written in {:.1} s",
            args.cards,
            started.elapsed().as_secs_f64()
        );
        let last_page = (args.cards + args.page_size - 1) / args.page_size;
        for page in [1, last_page / 2, last_page] {
            let mut times = Vec::with_capacity(args.reads);
            for _ in 0..args.reads {
                let started = Instant::now();
                let (cards, total) = database
                    .cards(&merchant, &CardFilter::default(), page, args.page_size)
                    .await?;
                times.push(started.elapsed());
                assert_eq!(total, args.cards);
                assert!(!cards.is_empty());
            }
            times.sort();
            println!(
                "{:<10} {:>10} {:>8.2}ms {:>8.2}ms {:>8.2}ms",
                backend,
                page,
                percentile(&times, 0.5).as_secs_f64() * 1000.0,
                percentile(&times, 0.95).as_secs_f64() * 1000.0,
                times.last().unwrap().as_secs_f64() * 1000.0,
            );
        }
        // The console's card table: a page of 51 rows by cursor (keyset), at the newest cards, in
        // the middle and at the oldest, each cursor taken from the table's own order.
        for position in [0, args.cards / 2, args.cards - 50] {
            let after = console_cursor(&database, &merchant, position).await?;
            let mut times = Vec::with_capacity(args.reads);
            for _ in 0..args.reads {
                let started = Instant::now();
                let rows = database
                    .console_cards(&merchant, None, None, after.as_ref(), 51)
                    .await?;
                times.push(started.elapsed());
                assert!(!rows.is_empty());
            }
            times.sort();
            println!(
                "{:<10} {:>10} {:>8.2}ms {:>8.2}ms {:>8.2}ms",
                format!("{backend}*"),
                format!("@{position}"),
                percentile(&times, 0.5).as_secs_f64() * 1000.0,
                percentile(&times, 0.95).as_secs_f64() * 1000.0,
                times.last().unwrap().as_secs_f64() * 1000.0,
            );
        }
        database.close().await;
    }
    Ok(())
}
