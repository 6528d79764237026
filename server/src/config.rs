use std::{net::SocketAddr, path::PathBuf};

use clap::{Parser, ValueEnum};

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

    #[test]
    fn defaults_to_sqlite_file_in_data_dir() {
        let config = Config::parse_from(["cardkit", "--data-dir", "/var/lib/cardkit"]);
        assert_eq!(
            config.effective_database_url(),
            "sqlite:///var/lib/cardkit/cardkit.db"
        );
        assert_eq!(config.listen, "127.0.0.1:3000".parse().unwrap());
    }

    #[test]
    fn explicit_database_url_wins() {
        let config = Config::parse_from(["cardkit", "--database-url", "postgres://db/cardkit"]);
        assert_eq!(config.effective_database_url(), "postgres://db/cardkit");
    }

    #[test]
    fn rejects_a_malformed_listen_address() {
        assert!(Config::try_parse_from(["cardkit", "--listen", "localhost"]).is_err());
    }
}
