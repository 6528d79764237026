//! `cardkit-bench`: create-card throughput and latency through the real HTTP API (dialect A), on
//! SQLite and on PostgreSQL, beside each database's raw rate of durable single-row inserts,
//! measured in the same run on the same machine with the same concurrency.
//!
//! Then the money movements on live cards, through the store: top-ups (wallet → card, under the
//! card's lock) and purchases (authorize with a hold, then capture), spread over a few cards so
//! that requests on one card queue behind each other as they do in production.
//!
//! PostgreSQL is `--postgres-url` (a maintenance database where a scratch database is created),
//! or else a throw-away cluster with PostgreSQL's durable defaults (fsync on).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use app::domain::Cents;
use clap::Parser;
use server::{
    issuing::{
        provisioning_worker::{ProvisioningWorker, WorkerSettings},
        simulated_processor::SimulatedProcessor,
        IssuingService,
    },
    onboarding::onboard_merchant,
    secrets::{random, CardCipher},
    store::{Database, Pool},
};

#[derive(Parser)]
#[command(
    about = "Create-card throughput and latency against each database's raw durable insert rate"
)]
struct Args {
    /// Requests (and raw inserts) per backend.
    #[arg(long, default_value_t = 3000)]
    requests: usize,
    /// Requests in flight at once; one measurement per level (a fresh database each). Batching
    /// needs company: the more requests wait together, the more share a commit.
    #[arg(long, value_delimiter = ',', default_value = "16,32,64")]
    concurrency: Vec<usize>,
    /// Merchants the requests are spread over. With 1, every request reserves from the same
    /// wallet, whose balance row all of them must update in turn.
    #[arg(long, default_value_t = 1)]
    merchants: usize,
    /// Also run the provisioning worker during the HTTP phase (its writes compete with creation).
    #[arg(long)]
    with_worker: bool,
    #[arg(long, env = "BENCH_POSTGRES_URL")]
    postgres_url: Option<String>,
    /// Only these backends (sqlite, postgres).
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<String>,
    /// Live cards the money movements are spread over.
    #[arg(long, default_value_t = 8)]
    cards: usize,
}

struct Measured {
    per_second: f64,
    p50: Duration,
    p99: Duration,
    /// With the worker on: cards that reached ACTIVE per second, from the first request until
    /// the last card was ACTIVE.
    activated_per_second: Option<f64>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let scratch = tempfile::tempdir()?;
    println!(
        "cardkit-bench: {} requests per measurement, {} merchant(s), provisioning worker {}",
        args.requests,
        args.merchants,
        if args.with_worker { "on" } else { "off" }
    );
    println!(
        "{:<10} {:>11} {:>16} {:>16} {:>8} {:>10} {:>10}{}",
        "backend",
        "in flight",
        "raw inserts/s",
        "create-card/s",
        "ratio",
        "p50",
        "p99",
        if args.with_worker {
            format!(" {:>12} {:>8}", "ACTIVE/s", "ratio")
        } else {
            String::new()
        }
    );
    let mut postgres_admin = args.postgres_url.clone();
    let mut movements = Vec::new();
    for backend in &args.backends {
        for &concurrency in &args.concurrency {
            let url = match backend.as_str() {
                "sqlite" => format!(
                    "sqlite://{}",
                    scratch
                        .path()
                        .join(format!("bench-{concurrency}.db"))
                        .display()
                ),
                "postgres" => {
                    if postgres_admin.is_none() {
                        postgres_admin = Some(dev_postgres::start(true)?);
                    }
                    cardkit_bench::scratch_postgres(
                        postgres_admin.as_deref().unwrap_or_default(),
                        &format!("cardkit_bench_{}_{concurrency}", std::process::id()),
                    )
                    .await?
                }
                other => return Err(format!("unknown backend {other}").into()),
            };
            let database = Database::connect(&url).await?;
            database.migrate().await?;
            let raw = raw_inserts(&database, args.requests, concurrency).await?;
            let api = create_cards(&database, &args, concurrency).await?;
            println!(
                "{:<10} {:>11} {:>16.0} {:>16.0} {:>7.2}x {:>8.2}ms {:>8.2}ms{}",
                backend,
                concurrency,
                raw.per_second,
                api.per_second,
                api.per_second / raw.per_second,
                api.p50.as_secs_f64() * 1000.0,
                api.p99.as_secs_f64() * 1000.0,
                api.activated_per_second
                    .map(|active| format!(" {:>12.0} {:>7.2}x", active, active / raw.per_second))
                    .unwrap_or_default(),
            );
            movements.push((backend.clone(), concurrency, url));
            database.close().await;
        }
    }
    println!(
        "\nmoney movements on {} live cards: {} of each per measurement",
        args.cards, args.requests
    );
    println!(
        "{:<10} {:>11} {:>12} {:>10} {:>10} {:>13} {:>10} {:>10}",
        "backend", "in flight", "top-ups/s", "p50", "p99", "purchases/s", "p50", "p99"
    );
    for (backend, concurrency, url) in movements {
        let database = Database::connect(&url).await?;
        let (top_ups, purchases) = money_movements(&database, &args, concurrency).await?;
        println!(
            "{:<10} {:>11} {:>12.0} {:>8.2}ms {:>8.2}ms {:>13.0} {:>8.2}ms {:>8.2}ms",
            backend,
            concurrency,
            top_ups.per_second,
            top_ups.p50.as_secs_f64() * 1000.0,
            top_ups.p99.as_secs_f64() * 1000.0,
            purchases.per_second,
            purchases.p50.as_secs_f64() * 1000.0,
            purchases.p99.as_secs_f64() * 1000.0,
        );
        database.close().await;
    }
    Ok(())
}

/// Top-ups, then purchases (authorize + capture), `args.requests` of each with `concurrency` in
/// flight over `args.cards` live cards of one merchant.
async fn money_movements(
    database: &Database,
    args: &Args,
    concurrency: usize,
) -> Result<(Measured, Measured), Box<dyn std::error::Error>> {
    use app::domain::{
        cardholder_name::CardholderName, fee_type::FeeType, issuing::NewCard, order_no::OrderNo,
        recharge::Recharge, spend_controls::Purchase,
    };
    let merchant = onboard_merchant(database, "Bench movements", Cents(1_000_000_000_000))
        .await?
        .merchant
        .id;
    let mut cards = Vec::new();
    for n in 0..args.cards.max(1) {
        let order_no = format!("bench-movements-{n}");
        let request = NewCard {
            range_id: "vab_069af8a792ad".into(),
            first_name: CardholderName::parse("Milton")?,
            last_name: CardholderName::parse("Schmitt")?,
            deposit: Recharge::new(Cents(100_000))?,
            order_no: OrderNo::parse(&order_no)?,
            callback_url: None,
            fee_type: FeeType::One,
            customer_email: None,
            customer_external_id: None,
            holder_address: None,
            tags: Vec::new(),
        };
        match database
            .create_card(&merchant, &request, &order_no, None)
            .await?
        {
            server::store::CreateOutcome::Created(card) => cards.push(card.id),
            other => return Err(format!("expected a new card, got {other:?}").into()),
        }
    }
    let worker = ProvisioningWorker::new(
        database.clone(),
        CardCipher::new(&random::bytes::<32>()),
        Arc::new(SimulatedProcessor::new(Duration::ZERO, 0.0)),
        WorkerSettings::for_this_process(),
    );
    while worker.run_once().await? > 0 {}
    for card in &cards {
        let mut controls = app::domain::spend_controls::SpendControls::initial(Cents(0));
        controls.limits = vec![];
        controls.is_autolimit = false;
        controls.limit_per_transaction = Cents(100_000);
        let stored = server::store::spend_controls::StoredControls {
            controls,
            nick_name: None,
        };
        database.set_card_controls(card, &stored, false).await?;
    }

    let started = Instant::now();
    let top_ups = run_concurrently(args.requests, concurrency, |n| {
        let (database, merchant, card) = (
            database.clone(),
            merchant.clone(),
            cards[n % cards.len()].clone(),
        );
        async move {
            let key = format!("bench-top-up-{n}");
            match database
                .recharge_card(&merchant, &card, Cents(500), &key)
                .await
            {
                Ok(true) => Ok(()),
                other => Err(format!("top-up {n}: {other:?}")),
            }
        }
    })
    .await?;
    let top_ups = summarise(top_ups, started.elapsed());

    let started = Instant::now();
    let purchases = run_concurrently(args.requests, concurrency, |n| {
        let (database, merchant, card) = (
            database.clone(),
            merchant.clone(),
            cards[n % cards.len()].clone(),
        );
        async move {
            let purchase = Purchase {
                amount: Cents(100),
                currency: "USD".into(),
                merchant_name: "Bench".into(),
                at_ms: database.now_ms(),
            };
            let authorization = database
                .authorize_purchase(&merchant, &card, &purchase, "5734", &[])
                .await
                .map_err(|error| error.to_string())?;
            database
                .settle_authorization(&merchant, &authorization.id, true, purchase.at_ms)
                .await
                .map(drop)
                .map_err(|error| format!("purchase {n}: {error}"))
        }
    })
    .await?;
    Ok((top_ups, summarise(purchases, started.elapsed())))
}

/// The reference: one row per autocommit transaction, through the same pool.
async fn raw_inserts(
    database: &Database,
    total: usize,
    concurrency: usize,
) -> Result<Measured, sqlx::Error> {
    let create = "CREATE TABLE bench_raw (id TEXT PRIMARY KEY, payload TEXT NOT NULL)";
    match database.pool() {
        Pool::Sqlite(pool, _) => sqlx::query(create).execute(pool).await.map(drop)?,
        Pool::Postgres(pool) => sqlx::query(create).execute(pool).await.map(drop)?,
    }
    let started = Instant::now();
    let latencies = run_concurrently(total, concurrency, |_| {
        let database = database.clone();
        async move {
            let id = random::id("r_");
            let insert = "INSERT INTO bench_raw (id, payload) VALUES ($1, $2)";
            let payload = "x".repeat(200);
            let result = match database.pool() {
                Pool::Sqlite(pool, _) => sqlx::query(insert)
                    .bind(&id)
                    .bind(&payload)
                    .execute(pool)
                    .await
                    .map(drop),
                Pool::Postgres(pool) => sqlx::query(insert)
                    .bind(&id)
                    .bind(&payload)
                    .execute(pool)
                    .await
                    .map(drop),
            };
            result.map_err(|error| error.to_string())
        }
    })
    .await
    .map_err(sqlx::Error::Protocol)?;
    Ok(summarise(latencies, started.elapsed()))
}

/// The real thing: POST /api/vcc/v1/cards over loopback HTTP with keep-alive.
async fn create_cards(
    database: &Database,
    args: &Args,
    concurrency: usize,
) -> Result<Measured, Box<dyn std::error::Error>> {
    for range in server::issuing::catalog::card_ranges() {
        database.upsert_card_range(&range).await?;
    }
    let mut tokens = Vec::new();
    for _ in 0..args.merchants.max(1) {
        tokens.push(
            onboard_merchant(database, "Bench", Cents(1_000_000_000_000))
                .await?
                .api_key,
        );
    }
    let cipher = CardCipher::new(&random::bytes::<32>());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    if args.with_worker {
        let processor = Arc::new(SimulatedProcessor::new(Duration::ZERO, 0.0));
        let worker = ProvisioningWorker::new(
            database.clone(),
            cipher.clone(),
            processor,
            WorkerSettings::for_this_process(),
        );
        tokio::spawn(async move { worker.run(stopped).await });
    }
    let issuing = Arc::new(IssuingService::new(
        database.clone(),
        cipher,
        Duration::ZERO,
    ));
    let (stop_server, server_stopped) = tokio::sync::oneshot::channel::<()>();
    let (addr, _site, serving) =
        cardkit_bench::serve_on_loopback(database, issuing, Duration::from_secs(5), async {
            let _ = server_stopped.await;
        })
        .await?;

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let url = format!("http://{addr}/api/vcc/v1/cards");
    let started = Instant::now();
    let latencies = run_concurrently(args.requests, concurrency, |n| {
        let (client, url, token) = (client.clone(), url.clone(), tokens[n % tokens.len()].clone());
        async move {
            let body = format!(
                r#"{{"cardHolder":{{"firstName":"Milton","lastName":"Schmitt"}},"deposit":"1000",
                "vid":"vab_069af8a792ad","orderNo":"bench-{n}","callbackUrl":"https://merchant.example/hook"}}"#
            );
            let response = client.post(&url).bearer_auth(&token).body(body).send().await.map_err(|e| e.to_string())?;
            let status = response.status();
            let text = response.text().await.map_err(|e| e.to_string())?;
            // The envelope can refuse with HTTP 200: only a created card counts.
            if status.is_success() && text.contains(r#""success":true"#) {
                Ok(())
            } else {
                Err(format!("HTTP {status}: {text}"))
            }
        }
    })
    .await?;
    let mut measured = summarise(latencies, started.elapsed());
    if args.with_worker {
        wait_until_all_active(database, args.requests).await?;
        measured.activated_per_second =
            Some(args.requests as f64 / started.elapsed().as_secs_f64());
    }
    let _ = stop.send(true);
    let _ = stop_server.send(());
    let _ = serving.await;
    Ok(measured)
}

/// Waits (checking every 10 ms, for at most two minutes) until `cards` cards are ACTIVE.
async fn wait_until_all_active(
    database: &Database,
    cards: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let count = "SELECT COUNT(*) FROM cards WHERE status = 'ACTIVE'";
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let active: i64 = match database.pool() {
            Pool::Sqlite(pool, _) => sqlx::query_scalar(count).fetch_one(pool).await?,
            Pool::Postgres(pool) => sqlx::query_scalar(count).fetch_one(pool).await?,
        };
        if usize::try_from(active).unwrap_or(0) >= cards {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(
                format!("only {active} of {cards} cards became ACTIVE in two minutes").into(),
            );
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Runs `total` operations with `concurrency` in flight; returns each one's latency.
async fn run_concurrently<F, Fut>(
    total: usize,
    concurrency: usize,
    operation: F,
) -> Result<Vec<Duration>, String>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    use futures::stream::{self, StreamExt};
    let results: Vec<Result<Duration, String>> = stream::iter(0..total)
        .map(|n| {
            let operation = operation(n);
            async move {
                let started = Instant::now();
                operation.await.map(|()| started.elapsed())
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    results.into_iter().collect()
}

fn summarise(mut latencies: Vec<Duration>, elapsed: Duration) -> Measured {
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    Measured {
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
        activated_per_second: None,
    }
}
