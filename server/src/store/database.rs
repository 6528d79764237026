use std::{str::FromStr, time::Duration};

use super::availability::{self, Availability};
use crate::{change_feed::ChangeFeed, clock::Clock};

use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    ConnectOptions, PgPool, SqlitePool,
};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL {0:?}: use sqlite://FILE or postgres://…")]
    UnsupportedUrl(String),
    #[error("cannot create the database directory {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot create the database file {path} for its owner only: {source}")]
    FileMode {
        path: String,
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    /// One failure shared by every operation of a batch (its transaction could not commit).
    #[error("database error: {0}")]
    Shared(std::sync::Arc<StoreError>),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("invalid data: {0}")]
    Invalid(String),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("the ledger operation {0} was already posted")]
    AlreadyPosted(String),
    #[error("account {0} would be overdrawn")]
    Overdrawn(String),
    /// Refused without trying: the database was found unreachable and has not answered since.
    #[error("the database is unreachable")]
    Unavailable,
}

impl StoreError {
    /// Whether trying the same thing again may succeed: PostgreSQL broke a deadlock or a
    /// serialization conflict by failing this transaction (nothing of it was kept).
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Sql(error) => super::dispatch::is_transient(error),
            StoreError::Shared(error) => error.is_transient(),
            _ => false,
        }
    }

    /// Whether the database could not be reached (see [`availability::is_unreachable`]): a
    /// reason to answer 503 with `Retry-After`, not 500.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Unavailable => true,
            StoreError::Sql(error) => availability::is_unreachable(error),
            StoreError::Shared(error) => error.is_unavailable(),
            _ => false,
        }
    }
}

/// The store: a connection pool to whichever backend the configuration names, and the clock its
/// timestamps are taken from. Cloning shares both.
#[derive(Clone, Debug)]
pub struct Database {
    pool: Pool,
    clock: Clock,
    /// Woken by every commit that announces a change (see [`crate::change_feed`]).
    changes: ChangeFeed,
    /// Whether the database was found unreachable, so requests are refused at once.
    availability: Availability,
}

/// The connection pool of one backend.
#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool, WriterGate),
    Postgres(PgPool),
}

/// SQLite admits one writer at a time and makes the others wait in a sleeping busy handler, which
/// under load costs milliseconds per collision. Write transactions queue on this (fair) async
/// mutex instead, so they run back to back; readers are not affected (WAL).
#[derive(Clone, Debug, Default)]
pub struct WriterGate(std::sync::Arc<tokio::sync::Mutex<()>>);

impl WriterGate {
    pub async fn enter(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.0.lock().await
    }

    /// The same, for a transaction that carries its pass with it.
    pub async fn enter_owned(&self) -> tokio::sync::OwnedMutexGuard<()> {
        self.0.clone().lock_owned().await
    }
}

/// The SQLite file holds every card's data: it is created readable by its owner only (0600), and an
/// existing one that others could read is narrowed to that. SQLite gives its `-wal` and `-shm` files
/// the database file's permissions, so they follow.
fn owner_only_database_file(file: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    if file.as_os_str().is_empty() || file.as_os_str() == ":memory:" {
        return Ok(());
    }
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)
    {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            let mode = std::fs::metadata(file)?.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::warn!(path = %file.display(), mode = format!("{:o}", mode & 0o777), "database file was readable by others: narrowed to 0600");
                std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))?;
            }
            Ok(())
        }
        Err(error) => Err(error),
    }
}

impl Database {
    /// A store over `pool`, reading the system clock.
    pub fn new(pool: Pool) -> Self {
        let changes = match pool {
            // The embedded store has one process: it announces every change it commits.
            Pool::Sqlite(..) => ChangeFeed::in_one_process(),
            Pool::Postgres(_) => ChangeFeed::new(),
        };
        Database {
            pool,
            clock: Clock::system(),
            changes,
            availability: Availability::default(),
        }
    }

    /// Where this process's waiters wait for what the store's commits change.
    pub fn change_feed(&self) -> &ChangeFeed {
        &self.changes
    }

    /// The same store, reading `clock` instead (a test's [`crate::clock::ManualClock`]).
    pub fn with_clock(self, clock: Clock) -> Self {
        Database { clock, ..self }
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    pub(super) fn availability(&self) -> &Availability {
        &self.availability
    }

    /// Now, by this store's clock: the time every timestamp it writes carries.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Connects to `url`. For SQLite the file (and its directory) is created if missing.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Self::connect_sqlite(url).await
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url)?
                .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_millis(500));
            let pool = PgPoolOptions::new()
                .max_connections(16)
                // The longest a request waits for a connection before it is answered 503 and
                // the database is marked down (see `availability`).
                .acquire_timeout(Duration::from_secs(3))
                .connect_with(options)
                .await?;
            Ok(Database::new(Pool::Postgres(pool)))
        } else {
            Err(StoreError::UnsupportedUrl(redact_password(url)))
        }
    }

    async fn connect_sqlite(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            // WAL lets readers proceed beside the single writer; FULL sync because this is money.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let file = options.get_filename();
        if let Some(dir) = file.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.display().to_string(),
                source,
            })?;
        }
        owner_only_database_file(file).map_err(|source| StoreError::FileMode {
            path: file.display().to_string(),
            source,
        })?;
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        Ok(Database::new(Pool::Sqlite(pool, WriterGate::default())))
    }

    pub fn backend(&self) -> Backend {
        match &self.pool {
            Pool::Sqlite(..) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies every pending migration of this backend. Safe to run on every start and from
    /// several instances at once (sqlx takes an advisory lock on PostgreSQL).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(pool, _) => {
                super::migration_history::renumber_old_sqlite_history(pool, &SQLITE_MIGRATIONS)
                    .await?;
                SQLITE_MIGRATIONS.run(pool).await?
            }
            Pool::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// One trivial query: proves the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(pool, _) => sqlx::query("SELECT 1").execute(pool).await.map(drop)?,
            Pool::Postgres(pool) => sqlx::query("SELECT 1").execute(pool).await.map(drop)?,
        }
        Ok(())
    }

    /// Highest successfully applied migration version, 0 before the first migration.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        const QUERY: &str =
            "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success = TRUE";
        let version = match &self.pool {
            Pool::Sqlite(pool, _) => sqlx::query_scalar(QUERY).fetch_one(pool).await?,
            Pool::Postgres(pool) => sqlx::query_scalar(QUERY).fetch_one(pool).await?,
        };
        Ok(version)
    }

    /// Highest migration version this build knows about.
    pub fn latest_known_version(&self) -> i64 {
        let migrator = match &self.pool {
            Pool::Sqlite(..) => &SQLITE_MIGRATIONS,
            Pool::Postgres(_) => &POSTGRES_MIGRATIONS,
        };
        migrator
            .iter()
            .map(|migration| migration.version)
            .max()
            .unwrap_or(0)
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(pool, _) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

/// A URL fit for error messages and logs: the password replaced by `***`. Read by the WHATWG URL
/// parser (the `url` crate), so a password holding `@` or `:` is replaced whole; text that is
/// not a URL is returned as it is (it has no password to hide).
pub fn redact_password(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(mut url) if url.password().is_some() => {
            // Cannot fail: the URL has a password, so it has a host.
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_password;

    #[test]
    fn redacts_only_the_password() {
        assert_eq!(
            redact_password("mysql://bob:hunter2@db:5432/x"),
            "mysql://bob:***@db:5432/x"
        );
        assert_eq!(
            redact_password("postgres://bob@db/x"),
            "postgres://bob@db/x"
        );
        assert_eq!(
            redact_password("sqlite://data/cardkit.db"),
            "sqlite://data/cardkit.db"
        );
        // Split at the first `@` once, which left the end of such a password in the log.
        assert_eq!(
            redact_password("postgres://bob:p@ss:w@db:5432/x"),
            "postgres://bob:***@db:5432/x"
        );
    }
}
