use std::{net::SocketAddr, path::PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

/// The `cardkit` command line: a subcommand (serving by default) and the shared configuration.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "cardkit",
    version,
    about = "Cardkit: virtual card issuing server"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: Config,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Serve the API, the pages and the provisioning worker (the default).
    Serve,
    /// Create a merchant, issue its API key (printed once) and fund its wallet.
    CreateMerchant {
        #[arg(long)]
        name: String,
        /// Initial wallet funding in cents (1000 = $10.00).
        #[arg(long, default_value_t = 0)]
        fund_cents: i64,
    },
}

/// Server configuration: every flag can also be given through the environment variable named
/// beside it, so the same binary is configured by hand, by systemd units and by containers alike.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "cardkit",
    version,
    about = "Cardkit: virtual card issuing server"
)]
pub struct Config {
    /// Address and port to listen on.
    #[arg(long, env = "CARDKIT_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// Database to use: `sqlite://path/to/file.db` or `postgres://user@host/db`.
    /// Defaults to a SQLite file inside the data directory.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// Directory for the embedded database and other local state; created on first start.
    #[arg(long, env = "CARDKIT_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Log filter in `tracing` syntax, e.g. `info` or `info,server=debug,sqlx=warn`.
    #[arg(long, env = "CARDKIT_LOG", default_value = "info,sqlx=warn")]
    pub log: String,

    /// Log line format.
    #[arg(long, env = "CARDKIT_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Directory holding the built browser bundle (`pkg/`), as written by `scripts/build-site.sh`.
    #[arg(long, env = "CARDKIT_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// Seconds that in-flight requests get to finish after a shutdown signal.
    #[arg(long, env = "CARDKIT_SHUTDOWN_GRACE_SECS", default_value_t = 30)]
    pub shutdown_grace_secs: u64,

    /// Connections open at once; beyond it new ones wait in the kernel's backlog.
    #[arg(long, env = "CARDKIT_MAX_CONNECTIONS", default_value_t = crate::http::connection_limit::DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,

    /// Card encryption key, 32 bytes in base64. Without it, `<data-dir>/card.key` is used and
    /// generated (mode 0600) on first start.
    #[arg(long, env = "CARDKIT_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,

    /// Simulated processor: time each provisioning stage takes, in milliseconds.
    #[arg(long, env = "CARDKIT_STAGE_DELAY_MS", default_value_t = 400)]
    pub stage_delay_ms: u64,

    /// Simulated processor: probability (0 to 1) that a provisioning stage is declined.
    #[arg(long, env = "CARDKIT_FAILURE_RATE", default_value_t = 0.0)]
    pub failure_rate: f64,

    /// Simulated ACH KYC verifier: milliseconds until it decides a submission.
    #[arg(long, env = "CARDKIT_KYC_REVIEW_DELAY_MS", default_value_t = 2000)]
    pub kyc_review_delay_ms: u64,

    /// Allow callback URLs on private, loopback and link-local addresses (for local testing only).
    #[arg(long, env = "CARDKIT_ALLOW_PRIVATE_CALLBACKS")]
    pub allow_private_callbacks: bool,

    /// Do not create the sandbox merchant on the first start of an embedded database.
    #[arg(long, env = "CARDKIT_NO_SANDBOX")]
    pub no_sandbox: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Config {
    /// The database URL in effect: the explicit one, or the embedded SQLite file.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("cardkit.db").display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Config {
        Cli::parse_from(args).config
    }

    #[test]
    fn defaults_to_sqlite_file_in_data_dir() {
        let config = parse(&["cardkit", "--data-dir", "/var/lib/cardkit"]);
        assert_eq!(
            config.effective_database_url(),
            "sqlite:///var/lib/cardkit/cardkit.db"
        );
        assert_eq!(config.listen, "127.0.0.1:3000".parse().unwrap());
    }

    #[test]
    fn explicit_database_url_wins() {
        let config = parse(&["cardkit", "--database-url", "postgres://db/cardkit"]);
        assert_eq!(config.effective_database_url(), "postgres://db/cardkit");
    }

    #[test]
    fn rejects_a_malformed_listen_address() {
        assert!(Cli::try_parse_from(["cardkit", "--listen", "localhost"]).is_err());
    }

    #[test]
    fn create_merchant_subcommand() {
        let cli = Cli::parse_from([
            "cardkit",
            "create-merchant",
            "--name",
            "Acme",
            "--fund-cents",
            "250000",
        ]);
        assert!(
            matches!(cli.command, Some(Command::CreateMerchant { ref name, fund_cents: 250000 }) if name == "Acme")
        );
    }
}
