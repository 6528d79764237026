//! A throw-away PostgreSQL cluster for tests and benchmarks: the system's `initdb`/`postgres` on a
//! free port in a temp directory, no server to install or configure.
//!
//! Processes often end without running destructors (test binaries never drop statics), so the
//! cluster is owned by a small watchdog shell that stops it and deletes its directory as soon as
//! the process that started it is gone.

use std::{
    env,
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    thread,
    time::{Duration, Instant},
};

/// Starts a cluster owned by this process and returns the URL of its `postgres` database.
/// `durable: false` turns fsync off, for tests; benchmarks keep PostgreSQL's durable defaults.
pub fn start(durable: bool) -> Result<String, String> {
    start_cluster(durable)
}

/// A new cluster directory (`data` inside it, initialised): where `postgres` lives, the
/// directory, and the user to run as.
fn init_cluster() -> Result<(PathBuf, PathBuf, Option<&'static str>), String> {
    let bindir = find_bindir()?;
    let dir = tempfile::Builder::new()
        .prefix("cardkit-pg-")
        .tempdir()
        .map_err(|error| format!("temp dir: {error}"))?
        .keep();
    // PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user.
    let run_as = if is_root() { Some("postgres") } else { None };
    if let Some(user) = run_as {
        let status = Command::new("chown")
            .args(["-R", user, &dir.display().to_string()])
            .status()
            .map_err(|error| format!("chown: {error}"))?;
        if !status.success() {
            return Err(format!("chown {user} {} failed", dir.display()));
        }
    }

    let data = dir.join("data");
    let initdb = run_command(
        run_as,
        &bindir.join("initdb"),
        &[
            "-D",
            &data.display().to_string(),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
    )
    .output()
    .map_err(|error| format!("initdb: {error}"))?;
    if !initdb.status.success() {
        return Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&initdb.stderr)
        ));
    }
    Ok((bindir, dir, run_as))
}

/// Durability is pointless for test data: without fsync the tests run faster.
const NO_FSYNC: &str = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off";

fn start_cluster(durable: bool) -> Result<String, String> {
    let (bindir, dir, run_as) = init_cluster()?;
    let port = free_port()?;
    let watchdog = r#"
        "$1/postgres" -D "$2/data" -p "$3" -h 127.0.0.1 -k "$2" -c max_connections=500 $5 \
            >"$2/postgres.log" 2>&1 &
        server=$!
        while [ -d "/proc/$4" ] && kill -0 "$server" 2>/dev/null; do sleep 0.5; done
        kill -INT "$server" 2>/dev/null
        wait "$server"
        rm -rf "$2"
    "#;
    spawn_watchdog(
        run_as,
        watchdog,
        &[
            &bindir.display().to_string(),
            &dir.display().to_string(),
            &port.to_string(),
            &std::process::id().to_string(),
            if durable { "" } else { NO_FSYNC },
        ],
    )?;

    wait_until_ready(port, &dir)?;
    Ok(format!("postgres://postgres@127.0.0.1:{port}/postgres"))
}

/// A cluster a test stops and starts again, on the same port with the same data: a database
/// outage under a running server. Stopped and deleted when dropped, or by a watchdog when the
/// process that started it is gone.
pub struct RestartableCluster {
    bindir: PathBuf,
    dir: PathBuf,
    port: u16,
    run_as: Option<&'static str>,
}

impl RestartableCluster {
    pub fn start() -> Result<Self, String> {
        let (bindir, dir, run_as) = init_cluster()?;
        let cluster = RestartableCluster {
            bindir,
            dir,
            port: free_port()?,
            run_as,
        };
        let watchdog = r#"
            while [ -d "/proc/$3" ]; do sleep 0.5; done
            "$1/pg_ctl" -D "$2/data" stop -m immediate >/dev/null 2>&1
            rm -rf "$2"
        "#;
        spawn_watchdog(
            run_as,
            watchdog,
            &[
                &cluster.bindir.display().to_string(),
                &cluster.dir.display().to_string(),
                &std::process::id().to_string(),
            ],
        )?;
        cluster.resume()?;
        Ok(cluster)
    }

    /// The URL of its `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server ("fast": open connections are ended), returning once it is down.
    pub fn stop(&self) -> Result<(), String> {
        self.pg_ctl(&["stop", "-m", "fast", "-w"])
    }

    /// Starts the server (again), returning once it accepts connections.
    pub fn resume(&self) -> Result<(), String> {
        let options = format!(
            "-p {} -h 127.0.0.1 -k {} -c max_connections=500 {NO_FSYNC}",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("postgres.log").display().to_string();
        self.pg_ctl(&["start", "-w", "-l", &log, "-o", &options])
    }

    fn pg_ctl(&self, args: &[&str]) -> Result<(), String> {
        let data = self.dir.join("data").display().to_string();
        let mut all = vec!["-D", &data];
        all.extend_from_slice(args);
        let output = run_command(self.run_as, &self.bindir.join("pg_ctl"), &all)
            .stdin(Stdio::null())
            .output()
            .map_err(|error| format!("pg_ctl: {error}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "pg_ctl {args:?} failed: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    }
}

impl Drop for RestartableCluster {
    fn drop(&mut self) {
        let _ = self.pg_ctl(&["stop", "-m", "immediate", "-w"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `script` in the background under `sh` with `args` as `$1`…, detached from this process's
/// standard streams.
fn spawn_watchdog(run_as: Option<&str>, script: &str, args: &[&str]) -> Result<(), String> {
    let mut all = vec!["-c", script, "cardkit-pg-watchdog"];
    all.extend_from_slice(args);
    run_command(run_as, Path::new("sh"), &all)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|error| format!("watchdog: {error}"))
}

fn run_command(run_as: Option<&str>, program: &Path, args: &[&str]) -> Command {
    match run_as {
        Some(user) => {
            let mut command = Command::new("runuser");
            command.args(["-u", user, "--"]).arg(program).args(args);
            command
        }
        None => {
            let mut command = Command::new(program);
            command.args(args);
            command
        }
    }
}

/// Waits for the server's own announcement in its log, which needs no client tools.
fn wait_until_ready(port: u16, dir: &Path) -> Result<(), String> {
    let log_file = dir.join("postgres.log");
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let log = std::fs::read_to_string(&log_file).unwrap_or_default();
        if log.contains("ready to accept connections") {
            return Ok(());
        }
        thread::sleep(Duration::from_millis(50));
    }
    let log = std::fs::read_to_string(&log_file).unwrap_or_default();
    Err(format!(
        "postgres did not become ready on port {port}:\n{log}"
    ))
}

/// `initdb`'s directory: on PATH, else the newest Debian-style /usr/lib/postgresql/N/bin.
fn find_bindir() -> Result<PathBuf, String> {
    if let Some(path) = env::var_os("PATH") {
        if let Some(dir) = env::split_paths(&path).find(|dir| dir.join("initdb").is_file()) {
            return Ok(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).ok_or_else(|| {
        "no initdb found: install the PostgreSQL server (scripts/setup.sh does) or set TEST_DATABASE_URL"
            .to_owned()
    })
}

fn free_port() -> Result<u16, String> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|error| format!("free port: {error}"))?;
    listener
        .local_addr()
        .map(|addr| addr.port())
        .map_err(|error| format!("free port: {error}"))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
        .unwrap_or(false)
}
