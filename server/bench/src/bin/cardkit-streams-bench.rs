//! `cardkit-streams-bench`: what open event streams cost one instance. A real `cardkit` process
//! (the release binary beside this one) holds `--streams` widget trackers (10,000) on cards that
//! stay in provisioning, spread over `--cards` sessions; the benchmark reads the process's RSS
//! and CPU time from `/proc`, and measures `/healthz` latency and card creation throughput
//! through the API with no stream open and while all are held. Both backends, each on a fresh
//! database and process. Clients and server share the machine's cores, as they would not in
//! production: the figures are an upper bound on the cost.

use std::{
    net::{SocketAddr, TcpListener},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use app::domain::Cents;
use clap::Parser;
use futures::{stream, StreamExt};
use server::{onboarding::onboard_merchant, store::Database};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

#[derive(Parser)]
#[command(about = "RSS, CPU, /healthz latency and creation throughput with 10,000 open streams")]
struct Args {
    /// Event streams held at once.
    #[arg(long, default_value_t = 10_000)]
    streams: usize,
    /// Cards (each with its own widget session) the streams follow.
    #[arg(long, default_value_t = 200)]
    cards: usize,
    /// Card creations in flight while throughput is measured.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// How long creation throughput is measured each time.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// The `cardkit` binary; by default the one beside this benchmark.
    #[arg(long)]
    cardkit: Option<PathBuf>,
    /// A PostgreSQL maintenance database URL; else a throw-away cluster is started.
    #[arg(long, env = "BENCH_POSTGRES_URL")]
    postgres_url: Option<String>,
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<String>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let file_limit = raise_file_limit();
    let cardkit = match &args.cardkit {
        Some(path) => path.clone(),
        None => std::env::current_exe()?.with_file_name("cardkit"),
    };
    if !cardkit.is_file() {
        return Err(format!(
            "{} is missing: cargo build --release -p server --bin cardkit",
            cardkit.display()
        )
        .into());
    }
    println!(
        "{} cores, open-file limit {file_limit}, {} streams over {} cards",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        args.streams,
        args.cards
    );
    for backend in &args.backends {
        let data = tempfile::tempdir()?;
        let url = match backend.as_str() {
            "sqlite" => format!("sqlite://{}/cardkit.db", data.path().display()),
            "postgres" => {
                let admin = match &args.postgres_url {
                    Some(url) => url.clone(),
                    None => dev_postgres::start(true)?,
                };
                cardkit_bench::scratch_postgres(&admin, "cardkit_streams_bench").await?
            }
            other => return Err(format!("unknown backend {other}").into()),
        };
        let report = measure(&args, &cardkit, &url, data.path()).await?;
        report.print(backend, args.streams);
    }
    Ok(())
}

/// Raises this process's soft open-file limit to its hard limit (the `cardkit` child inherits
/// it): each held stream is a socket on both sides.
fn raise_file_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed to them.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
    limit.rlim_cur
}

struct Report {
    rss_idle_kb: u64,
    rss_held_kb: u64,
    /// CPU seconds the server used per second of wall time while the streams were held idle.
    cpu_held: f64,
    cpu_idle: f64,
    healthz_idle: (Duration, Duration),
    healthz_held: (Duration, Duration),
    created_idle: f64,
    created_held: f64,
    opened: usize,
}

impl Report {
    fn print(&self, backend: &str, streams: usize) {
        let per_stream_kb =
            (self.rss_held_kb.saturating_sub(self.rss_idle_kb)) as f64 / self.opened.max(1) as f64;
        let cpu_per_stream_us =
            (self.cpu_held - self.cpu_idle).max(0.0) / self.opened.max(1) as f64 * 1e6;
        println!(
            "{backend}: {}/{streams} streams held; RSS {:.1} MB idle → {:.1} MB held ({per_stream_kb:.1} KB per stream); \
             CPU {:.1}% idle → {:.1}% held ({cpu_per_stream_us:.2} µs of CPU per stream per second)",
            self.opened,
            self.rss_idle_kb as f64 / 1024.0,
            self.rss_held_kb as f64 / 1024.0,
            self.cpu_idle * 100.0,
            self.cpu_held * 100.0,
        );
        println!(
            "{backend}: /healthz p50/p99 {:.1}/{:.1} ms idle → {:.1}/{:.1} ms held; create-card/s {:.0} idle → {:.0} held ({:.2}x)",
            ms(self.healthz_idle.0),
            ms(self.healthz_idle.1),
            ms(self.healthz_held.0),
            ms(self.healthz_held.1),
            self.created_idle,
            self.created_held,
            self.created_held / self.created_idle.max(1.0),
        );
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The `cardkit` process, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn measure(
    args: &Args,
    cardkit: &std::path::Path,
    url: &str,
    data: &std::path::Path,
) -> Result<Report, Box<dyn std::error::Error>> {
    let addr = TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let max_connections = (args.streams + 1000).to_string();
    let server = Server(
        Command::new(cardkit)
            .args(["--listen", &addr.to_string(), "--database-url", url])
            .args(["--data-dir", &data.display().to_string(), "--no-sandbox"])
            .args([
                "--secret-key",
                "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=",
            ])
            // Cards stay in provisioning, so their streams stay open.
            .args(["--stage-delay-ms", "3600000", "--worker-lease-secs", "3600"])
            .args(["--max-connections", &max_connections])
            .args(["--rate-limit-per-key", "0", "--rate-limit-per-address", "0"])
            .args(["--widget-streams-per-session", "0"])
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .spawn()?,
    );
    let pid = server.0.id();
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !matches!(client.get(format!("http://{addr}/readyz")).send().await, Ok(r) if r.status().is_success())
    {
        if Instant::now() > deadline {
            return Err("cardkit never became ready".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let database = Database::connect(url).await?;
    let onboarded = onboard_merchant(&database, "Streams", Cents(100_000_000_000)).await?;
    let key = onboarded.api_key;

    // Warm up, then the figures without streams.
    create_cards(&client, addr, &key, args, "warm", Duration::from_secs(1)).await?;
    let healthz_idle = healthz(&client, addr).await?;
    let created_idle = create_cards(&client, addr, &key, args, "idle", secs(args)).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_idle_kb = rss_kb(pid)?;
    let cpu_idle = cpu_over(pid, Duration::from_secs(5)).await?;

    let mut followed = Vec::new();
    for n in 0..args.cards {
        let session = cardkit_bench::mint_widget_session(&client, addr, &key).await?;
        let card =
            cardkit_bench::create_widget_card(&client, addr, &session, &format!("s{n:08}")).await?;
        followed.push(format!(
            "/api/widget/v1/cards/{card}/events?session={session}"
        ));
    }
    let opened = Arc::new(AtomicUsize::new(0));
    let held: Vec<TcpStream> = stream::iter(0..args.streams)
        .map(|n| {
            let path = followed[n % followed.len()].clone();
            let opened = opened.clone();
            async move {
                let stream = open_stream(addr, &path).await.ok()?;
                opened.fetch_add(1, Ordering::Relaxed);
                Some(stream)
            }
        })
        .buffer_unordered(256)
        .filter_map(|stream| async move { stream })
        .collect()
        .await;
    // Each held stream is read by a task of its own (keep-alive comments every 15 s).
    let readers: Vec<_> = held
        .into_iter()
        .map(|mut stream| {
            tokio::spawn(async move {
                let mut buffer = [0_u8; 512];
                while matches!(stream.read(&mut buffer).await, Ok(n) if n > 0) {}
            })
        })
        .collect();
    let opened = opened.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(5)).await;
    let rss_held_kb = rss_kb(pid)?;
    let cpu_held = cpu_over(pid, Duration::from_secs(10)).await?;
    let healthz_held = healthz(&client, addr).await?;
    let created_held = create_cards(&client, addr, &key, args, "held", secs(args)).await?;
    for reader in readers {
        reader.abort();
    }
    drop(server);
    Ok(Report {
        rss_idle_kb,
        rss_held_kb,
        cpu_held,
        cpu_idle,
        healthz_idle,
        healthz_held,
        created_idle,
        created_held,
        opened,
    })
}

fn secs(args: &Args) -> Duration {
    Duration::from_secs(args.seconds)
}

/// Opens one tracker's event stream and waits for its first event (the card's state).
async fn open_stream(addr: SocketAddr, path: &str) -> std::io::Result<TcpStream> {
    let mut stream = TcpStream::connect(addr).await?;
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut seen = Vec::new();
    let mut buffer = [0_u8; 4096];
    while !seen.windows(5).any(|window| window == b"data:") {
        let n = stream.read(&mut buffer).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        seen.extend_from_slice(&buffer[..n]);
    }
    Ok(stream)
}

/// p50 and p99 of 1,000 `GET /healthz`, one after the other on a kept-alive connection.
async fn healthz(
    client: &reqwest::Client,
    addr: SocketAddr,
) -> Result<(Duration, Duration), Box<dyn std::error::Error>> {
    let mut samples = Vec::with_capacity(1000);
    for _ in 0..1000 {
        let started = Instant::now();
        let answer = client.get(format!("http://{addr}/healthz")).send().await?;
        answer.bytes().await?;
        samples.push(started.elapsed());
    }
    samples.sort();
    Ok((
        cardkit_bench::quantile(&samples, 0.5),
        cardkit_bench::quantile(&samples, 0.99),
    ))
}

/// Card creations, `--concurrency` in flight for `duration`: cards per second.
async fn create_cards(
    client: &reqwest::Client,
    addr: SocketAddr,
    key: &str,
    args: &Args,
    label: &str,
    duration: Duration,
) -> Result<f64, Box<dyn std::error::Error>> {
    let started = Instant::now();
    let created = Arc::new(AtomicUsize::new(0));
    let workers = (0..args.concurrency).map(|worker| {
        let created = created.clone();
        let client = client.clone();
        let key = key.to_owned();
        let label = label.to_owned();
        tokio::spawn(async move {
            let mut n = 0;
            while started.elapsed() < duration {
                // Dialect B: no callback URL, so no deliveries compete with what is measured.
                let body = serde_json::json!({"email": "buyer@example.com", "limit_all_time": 10});
                n += 1;
                let answer = client
                    .post(format!("http://{addr}/api/v1/cards/card/add"))
                    .bearer_auth(&key)
                    .header("Idempotency-Key", format!("{label}-{worker}-{n}"))
                    .json(&body)
                    .send()
                    .await;
                if matches!(answer, Ok(answer) if answer.status().is_success()) {
                    created.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
    });
    for worker in workers.collect::<Vec<_>>() {
        worker.await?;
    }
    Ok(created.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64())
}

/// The process's resident set size, in KB.
fn rss_kb(pid: u32) -> Result<u64, Box<dyn std::error::Error>> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmRSS".into())
}

/// CPU seconds (user + system) the process used per second of wall time, over `window`.
async fn cpu_over(pid: u32, window: Duration) -> Result<f64, Box<dyn std::error::Error>> {
    let before = cpu_ticks(pid)?;
    let started = Instant::now();
    tokio::time::sleep(window).await;
    let used = cpu_ticks(pid)? - before;
    // SAFETY: sysconf only reads a system constant.
    let ticks_per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    Ok(used as f64 / ticks_per_second / started.elapsed().as_secs_f64())
}

fn cpu_ticks(pid: u32) -> Result<u64, Box<dyn std::error::Error>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which may hold spaces) start after its closing ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .ok_or("no command in stat")?
        .1
        .split_whitespace()
        .collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    Ok(fields[11].parse::<u64>()? + fields[12].parse::<u64>()?)
}
