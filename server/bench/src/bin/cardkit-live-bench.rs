//! `cardkit-live-bench`: how fast a tracker hears of a card's status change, through the real
//! HTTP API and the widget's Server-Sent Events, on SQLite (one instance) and on PostgreSQL (two
//! instances on one database: cards are created and provisioned by instance A, and followed on
//! instance B, so every change crosses between instances through `LISTEN/NOTIFY`).
//!
//! Two figures per backend, each on fresh instances:
//! - **status change → event received**: for every event a stream delivers after its first, the
//!   time from the card event's timestamp (taken by the server just before its transaction) to
//!   the event's arrival at the client, in milliseconds of the one clock both share. Stages take
//!   `--stage-delay-ms` (25) so that each change is its own event;
//! - **create → ACTIVE**: from sending the create request to receiving the ACTIVE event, with
//!   stages taking no time.
//!
//! Every card has its own widget session, as a partner page's checkout would.

use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use app::domain::Cents;
use clap::Parser;
use server::{
    change_feed::postgres_listener,
    issuing::{
        provisioning_worker::{ProvisioningWorker, WorkerSettings},
        simulated_processor::SimulatedProcessor,
        IssuingService,
    },
    onboarding::onboard_merchant,
    secrets::{random, CardCipher},
    store::{card_event_catch_up::CardEventCatchUp, Database, Pool},
};
use tokio::sync::watch;

#[derive(Parser)]
#[command(
    about = "Status change → tracker event latency, one instance (SQLite) and two (PostgreSQL)"
)]
struct Args {
    /// Cards per measurement.
    #[arg(long, default_value_t = 300)]
    cards: usize,
    /// Cards being created and followed at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// How long each provisioning stage takes in the first measurement.
    #[arg(long, default_value_t = 25)]
    stage_delay_ms: u64,
    /// A PostgreSQL maintenance database URL; else a throw-away cluster is started.
    #[arg(long, env = "BENCH_POSTGRES_URL")]
    postgres_url: Option<String>,
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<String>,
}

/// What one measurement collected.
#[derive(Default)]
struct Samples {
    /// Status change → event received, in ms.
    change_to_event_ms: Vec<i64>,
    /// Create request sent → ACTIVE event received.
    create_to_active: Vec<Duration>,
    cards_per_second: f64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let scratch = tempfile::tempdir()?;
    println!(
        "cardkit-live-bench: {} cards per measurement, {} at once, {} cores",
        args.cards,
        args.concurrency,
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    println!(
        "{:<22} {:>13} {:>8} {:>8} {:>8} {:>10} {:>10} {:>8}",
        "backend", "change→event", "p50", "p99", "max", "create→ACTIVE", "p99", "cards/s"
    );
    let mut postgres_admin = args.postgres_url.clone();
    for backend in &args.backends {
        let mut urls = Vec::new();
        for phase in 0..2 {
            urls.push(match backend.as_str() {
                "sqlite" => format!(
                    "sqlite://{}",
                    scratch.path().join(format!("live-{phase}.db")).display()
                ),
                "postgres" => {
                    if postgres_admin.is_none() {
                        postgres_admin = Some(dev_postgres::start(true)?);
                    }
                    cardkit_bench::scratch_postgres(
                        postgres_admin.as_deref().unwrap_or_default(),
                        &format!("cardkit_live_{}_{phase}", std::process::id()),
                    )
                    .await?
                }
                other => return Err(format!("unknown backend {other}").into()),
            });
        }
        let instances = if backend == "postgres" { 2 } else { 1 };
        let changes = measure(&urls[0], instances, &args, args.stage_delay_ms).await?;
        let creations = measure(&urls[1], instances, &args, 0).await?;
        let mut to_event = changes.change_to_event_ms;
        to_event.sort_unstable();
        let mut to_active = creations.create_to_active;
        to_active.sort_unstable();
        let label = if instances == 2 {
            "PostgreSQL, 2 instances"
        } else {
            "SQLite"
        };
        println!(
            "{:<22} {:>13} {:>6}ms {:>6}ms {:>6}ms {:>8.1}ms {:>8.1}ms {:>8.1}",
            label,
            format!("{} events", to_event.len()),
            cardkit_bench::quantile(&to_event, 0.50),
            cardkit_bench::quantile(&to_event, 0.99),
            to_event.last().copied().unwrap_or_default(),
            cardkit_bench::quantile(&to_active, 0.50).as_secs_f64() * 1000.0,
            cardkit_bench::quantile(&to_active, 0.99).as_secs_f64() * 1000.0,
            creations.cards_per_second,
        );
    }
    Ok(())
}

/// A Cardkit instance served from this process: its own pool, change feed and listener.
struct Instance {
    addr: SocketAddr,
    database: Database,
    /// The site directory its server serves, removed with it (`None`: a second handle on an
    /// instance that owns one).
    _site: Option<tempfile::TempDir>,
}

async fn start_instance(
    url: &str,
    cipher: CardCipher,
    worker: Option<Duration>,
    stopped: watch::Receiver<bool>,
) -> Result<Instance, Box<dyn std::error::Error>> {
    let database = Database::connect(url).await?;
    database.migrate().await?;
    if let Some(stage_delay) = worker {
        let processor = Arc::new(SimulatedProcessor::new(stage_delay, 0.0));
        let worker = ProvisioningWorker::new(
            database.clone(),
            cipher.clone(),
            processor,
            WorkerSettings::for_this_process(),
        );
        let stopped = stopped.clone();
        tokio::spawn(async move { worker.run(stopped).await });
    }
    // As `cardkit` runs on PostgreSQL: the listener, and the catch-up read beside it.
    if let Pool::Postgres(pool) = database.pool() {
        tokio::spawn(postgres_listener::listen(
            database.change_feed().clone(),
            pool.clone(),
            stopped.clone(),
        ));
        tokio::spawn(CardEventCatchUp::new(database.clone()).run(stopped.clone()));
    }
    let issuing = Arc::new(IssuingService::new(
        database.clone(),
        cipher,
        Duration::ZERO,
    ));
    let mut stop = stopped;
    let (addr, site, _serving) =
        cardkit_bench::serve_on_loopback(&database, issuing, Duration::from_secs(1), async move {
            let _ = stop.wait_for(|stopped| *stopped).await;
        })
        .await?;
    Ok(Instance {
        addr,
        database,
        _site: Some(site),
    })
}

/// Creates `args.cards` cards through the first instance and follows each to ACTIVE on the last.
async fn measure(
    url: &str,
    instances: usize,
    args: &Args,
    stage_delay_ms: u64,
) -> Result<Samples, Box<dyn std::error::Error>> {
    let (stop, stopped) = watch::channel(false);
    let stage_delay = Duration::from_millis(stage_delay_ms);
    // The instances of one deployment share the card key.
    let cipher = CardCipher::new(&random::bytes::<32>());
    let creator = start_instance(url, cipher.clone(), Some(stage_delay), stopped.clone()).await?;
    let follower = if instances > 1 {
        start_instance(url, cipher, None, stopped.clone()).await?
    } else {
        Instance {
            addr: creator.addr,
            database: creator.database.clone(),
            _site: None,
        }
    };
    for range in server::issuing::catalog::card_ranges() {
        creator.database.upsert_card_range(&range).await?;
    }
    let key = onboard_merchant(&creator.database, "Live", Cents(1_000_000_000_000))
        .await?
        .api_key;
    let client = reqwest::Client::new();
    let started = Instant::now();
    use futures::stream::{self, StreamExt};
    let followed: Vec<Result<Followed, String>> = stream::iter(0..args.cards)
        .map(|n| follow_one(&client, creator.addr, follower.addr, &key, n))
        .buffer_unordered(args.concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed();
    let mut samples = Samples::default();
    for card in followed {
        let card = card?;
        samples.change_to_event_ms.extend(card.change_to_event_ms);
        samples.create_to_active.push(card.create_to_active);
    }
    samples.cards_per_second = args.cards as f64 / elapsed.as_secs_f64();
    let _ = stop.send(true);
    tokio::time::sleep(Duration::from_millis(200)).await;
    creator.database.close().await;
    follower.database.close().await;
    Ok(samples)
}

struct Followed {
    change_to_event_ms: Vec<i64>,
    create_to_active: Duration,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as i64)
}

/// Mints a session, creates its card on `creator`, then follows the card on `follower` until
/// ACTIVE.
async fn follow_one(
    client: &reqwest::Client,
    creator: SocketAddr,
    follower: SocketAddr,
    key: &str,
    n: usize,
) -> Result<Followed, String> {
    let session = cardkit_bench::mint_widget_session(client, creator, key).await?;
    let sent = Instant::now();
    let card_id =
        cardkit_bench::create_widget_card(client, creator, &session, &format!("livecard{n:08}"))
            .await?;
    let mut stream = client
        .get(format!(
            "http://{follower}/api/widget/v1/cards/{card_id}/events?session={session}"
        ))
        .send()
        .await
        .map_err(|error| error.to_string())?;
    let mut followed = Followed {
        change_to_event_ms: Vec::new(),
        create_to_active: Duration::ZERO,
    };
    let mut buffer = String::new();
    let mut first = true;
    while let Some(chunk) = stream.chunk().await.map_err(|error| error.to_string())? {
        let received_ms = now_ms();
        let received = sent.elapsed();
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let message: String = buffer.drain(..end + 2).collect();
            let Some(data) = message.lines().find_map(|line| line.strip_prefix("data:")) else {
                continue; // a keep-alive comment
            };
            let card: serde_json::Value =
                serde_json::from_str(data.trim()).map_err(|error| error.to_string())?;
            let changed_at = card["events"]
                .as_array()
                .and_then(|events| events.last())
                .and_then(|event| event["at_ms"].as_i64())
                .ok_or_else(|| format!("no events: {card}"))?;
            // The first message is the state at connection, however old: not a change heard.
            if !first {
                followed.change_to_event_ms.push(received_ms - changed_at);
            }
            first = false;
            match card["status"].as_str() {
                Some("ACTIVE") => {
                    followed.create_to_active = received;
                    return Ok(followed);
                }
                Some("CARD FAILED REFUND") => return Err(format!("card failed: {card}")),
                _ => {}
            }
        }
    }
    Err(format!("the stream of {card_id} ended before ACTIVE"))
}
