use std::{net::SocketAddr, path::PathBuf};

use clap::{Parser, Subcommand, ValueEnum};
use secrecy::SecretString;

use crate::rate_limits::RateLimitSettings;

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
        /// Also create the merchant's console owner login with this email; a one-time password
        /// is printed unless `--owner-password-file` gives one.
        #[arg(long)]
        owner_email: Option<String>,
        /// A file holding the owner's password (its first line, at least 12 characters).
        #[arg(long, requires = "owner_email")]
        owner_password_file: Option<PathBuf>,
        /// A sandbox merchant: its owner may add test money to the wallet from the console.
        #[arg(long)]
        sandbox: bool,
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

    /// Where to serve Prometheus metrics (`GET /metrics`), apart from the API. Unset: no
    /// metrics. An address beyond loopback also needs `--metrics-public`.
    #[arg(long, env = "CARDKIT_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,

    /// Allow `--metrics-listen` on an address other machines reach (put it on a network only
    /// your monitoring reaches: the metrics tell request rates and queue sizes).
    #[arg(long, env = "CARDKIT_METRICS_PUBLIC")]
    pub metrics_public: bool,

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

    /// Serve HTTPS, with HTTP/2 for browsers, from this certificate chain (PEM, the leaf first).
    /// Needs `--tls-key`. Unset: plain HTTP (behind a proxy that terminates TLS).
    #[arg(long, env = "CARDKIT_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The private key of `--tls-cert` (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "CARDKIT_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Directory holding the built browser bundle (`pkg/`), as written by `scripts/build-site.sh`.
    #[arg(long, env = "CARDKIT_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// Seconds that in-flight requests get to finish after a shutdown signal.
    #[arg(long, env = "CARDKIT_SHUTDOWN_GRACE_SECS", default_value_t = 30)]
    pub shutdown_grace_secs: u64,

    /// Connections open at once; beyond it new ones wait in the kernel's backlog.
    #[arg(long, env = "CARDKIT_MAX_CONNECTIONS", default_value_t = crate::http::connection_limit::DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,

    /// Seconds a request's headers may take to arrive (also how long an idle keep-alive
    /// connection stays open).
    #[arg(long, env = "CARDKIT_HEADER_TIMEOUT_SECS", default_value_t = crate::http::connection_server::DEFAULT_HEADER_TIMEOUT.as_secs())]
    pub header_timeout_secs: u64,

    /// Seconds a request may take until its response starts (reading a slow body included);
    /// over it the answer is 408. Status streams go on after their response has started.
    #[arg(long, env = "CARDKIT_REQUEST_TIMEOUT_SECS", default_value_t = crate::http::connection_server::DEFAULT_REQUEST_TIMEOUT.as_secs())]
    pub request_timeout_secs: u64,

    /// Requests per second per API key (bursts of twice as many); 0 turns the limit off.
    #[arg(long, env = "CARDKIT_RATE_LIMIT_PER_KEY", default_value_t = RateLimitSettings::default().per_key_per_second)]
    pub rate_limit_per_key: u32,

    /// Requests per second per client address without a valid API key or widget session, failed
    /// authentication included (bursts of twice as many); 0 turns the limit off.
    #[arg(long, env = "CARDKIT_RATE_LIMIT_PER_ADDRESS", default_value_t = RateLimitSettings::default().per_address_per_second)]
    pub rate_limit_per_address: u32,

    /// Card creations per minute per widget session; 0 turns the limit off.
    #[arg(long, env = "CARDKIT_WIDGET_CREATIONS_PER_MINUTE", default_value_t = RateLimitSettings::default().widget_creations_per_minute)]
    pub widget_creations_per_minute: u32,

    /// Card reveals per minute per widget session; 0 turns the limit off.
    #[arg(long, env = "CARDKIT_WIDGET_REVEALS_PER_MINUTE", default_value_t = RateLimitSettings::default().widget_reveals_per_minute)]
    pub widget_reveals_per_minute: u32,

    /// Status streams open at once per widget session; 0 turns the limit off.
    #[arg(long, env = "CARDKIT_WIDGET_STREAMS_PER_SESSION", default_value_t = RateLimitSettings::default().widget_streams_per_session)]
    pub widget_streams_per_session: u32,

    /// Behind a proxy: the header it writes the client's address into (e.g. `X-Forwarded-For`;
    /// its last entry is used). Unset, the connection's peer is the client. Only set it when
    /// every request comes through that proxy, or clients can pick their own address.
    #[arg(long, env = "CARDKIT_CLIENT_ADDRESS_HEADER")]
    pub client_address_header: Option<axum::http::HeaderName>,

    /// Card encryption key, 32 bytes in base64. Without it, `<data-dir>/card.key` is used and
    /// generated (mode 0600) on first start.
    // A `SecretString`: printing the configuration (its Debug) shows `[REDACTED]`, and the text
    // is wiped from memory when dropped.
    #[arg(long, env = "CARDKIT_SECRET_KEY", hide_env_values = true, value_parser = secret_text)]
    pub secret_key: Option<SecretString>,

    /// Simulated processor: time each provisioning stage takes, in milliseconds.
    #[arg(long, env = "CARDKIT_STAGE_DELAY_MS", default_value_t = 400)]
    pub stage_delay_ms: u64,

    /// Simulated processor: probability (0 to 1) that a provisioning stage is declined.
    #[arg(long, env = "CARDKIT_FAILURE_RATE", default_value_t = 0.0)]
    pub failure_rate: f64,

    /// How long a worker's claim on a card or a callback lasts before another instance may take
    /// it over (a card's claim is renewed at each stage). Unset: 30 s for provisioning, 60 s for
    /// callbacks. Shorter means a crashed instance's work resumes sooner elsewhere; below one
    /// stage's duration a stage may be attempted twice (completed once), and below the callback
    /// timeout (10 s) a slow callback may be sent twice (with the same `webhook-id`).
    #[arg(long, env = "CARDKIT_WORKER_LEASE_SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub worker_lease_secs: Option<u64>,

    /// Simulated ACH KYC verifier: milliseconds until it decides a submission.
    #[arg(long, env = "CARDKIT_KYC_REVIEW_DELAY_MS", default_value_t = 2000)]
    pub kyc_review_delay_ms: u64,

    /// Allow callback URLs on private, loopback and link-local addresses (for local testing only).
    #[arg(long, env = "CARDKIT_ALLOW_PRIVATE_CALLBACKS")]
    pub allow_private_callbacks: bool,

    /// For tests only: divides the grace period of a rolled API key, so an end-to-end test sees
    /// the old key stop (3600 makes an hour a second). 1 in production.
    #[arg(long, env = "CARDKIT_KEY_GRACE_DIVISOR", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub key_grace_divisor: u32,

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
    pub fn rate_limits(&self) -> RateLimitSettings {
        RateLimitSettings {
            per_key_per_second: self.rate_limit_per_key,
            per_address_per_second: self.rate_limit_per_address,
            widget_creations_per_minute: self.widget_creations_per_minute,
            widget_reveals_per_minute: self.widget_reveals_per_minute,
            widget_streams_per_session: self.widget_streams_per_session,
        }
    }

    /// The database URL in effect: the explicit one, or the embedded SQLite file.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("cardkit.db").display()),
        }
    }
}

fn secret_text(text: &str) -> Result<SecretString, std::convert::Infallible> {
    Ok(SecretString::from(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_card_key_never_shows_in_a_printed_configuration() {
        let key = "q0JXyHQwcjFfE6n6zB5Y3mBgkJ1rQqWcWvO3lFqk0yM=";
        let config = parse(&["cardkit", "--secret-key", key]);
        assert!(!format!("{config:?}").contains(key));
        assert!(!format!("{config:#?}").contains(&key[..12]));
        use secrecy::ExposeSecret;
        assert_eq!(config.secret_key.unwrap().expose_secret(), key);
    }

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
    fn tls_needs_both_the_certificate_and_its_key() {
        assert!(Cli::try_parse_from(["cardkit", "--tls-cert", "cert.pem"]).is_err());
        assert!(Cli::try_parse_from(["cardkit", "--tls-key", "key.pem"]).is_err());
        assert!(
            Cli::try_parse_from(["cardkit", "--tls-cert", "c.pem", "--tls-key", "k.pem"]).is_ok()
        );
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
            matches!(cli.command, Some(Command::CreateMerchant { ref name, fund_cents: 250000, owner_email: None, .. }) if name == "Acme")
        );
    }

    #[test]
    fn create_merchant_takes_an_owner_login() {
        let cli = Cli::parse_from([
            "cardkit",
            "create-merchant",
            "--name",
            "Acme",
            "--owner-email",
            "owner@acme.example",
            "--owner-password-file",
            "/run/secrets/owner",
        ]);
        let Some(Command::CreateMerchant {
            owner_email,
            owner_password_file,
            ..
        }) = cli.command
        else {
            panic!("not create-merchant");
        };
        assert_eq!(owner_email.as_deref(), Some("owner@acme.example"));
        assert_eq!(
            owner_password_file,
            Some(PathBuf::from("/run/secrets/owner"))
        );
        // A password file alone makes no login: it is refused rather than ignored.
        assert!(Cli::try_parse_from([
            "cardkit",
            "create-merchant",
            "--name",
            "Acme",
            "--owner-password-file",
            "/x",
        ])
        .is_err());
    }
}
