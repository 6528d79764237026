//! Fail fast while the database is down. The first request that finds the database unreachable
//! (a connection it could not get in time, a connection refused or reset) marks it down; from then
//! on every request is refused at once, instead of each waiting out the pool's acquire timeout
//! while requests pile up behind it. One probe per process pings the database every
//! [`PROBE_INTERVAL`] and marks it up again at its first answer: nothing needs a restart.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use super::{Database, Pool, StoreError};

/// How often the probe asks a database that was found down.
pub const PROBE_INTERVAL: Duration = Duration::from_millis(250);
/// How long the probe waits for one answer.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// Shared by every clone of a [`super::Database`].
#[derive(Clone, Debug, Default)]
pub struct Availability(Arc<AtomicBool>);

impl Availability {
    pub fn is_down(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    /// Marks the database down; true for the one caller that changed it, which starts the probe.
    pub fn mark_down(&self) -> bool {
        !self.0.swap(true, Ordering::AcqRel)
    }

    pub fn mark_up(&self) {
        self.0.store(false, Ordering::Release);
    }
}

impl Database {
    /// Refuses at once while the database is marked down.
    pub(super) fn refuse_while_down(&self) -> Result<(), StoreError> {
        if self.availability().is_down() {
            Err(StoreError::Unavailable)
        } else {
            Ok(())
        }
    }

    /// `error` as the store reports it, after marking the database down if it says the
    /// database cannot be reached.
    pub(super) fn noticed(&self, error: sqlx::Error) -> StoreError {
        if is_unreachable(&error) && self.availability().mark_down() {
            tracing::warn!(%error, "the database is unreachable: refusing requests until it answers");
            tokio::spawn(self.clone().probe_until_it_answers());
        }
        StoreError::Sql(error)
    }

    /// Whether requests are being refused because the database was found unreachable.
    pub fn is_marked_down(&self) -> bool {
        self.availability().is_down()
    }

    async fn probe_until_it_answers(self) {
        loop {
            tokio::time::sleep(PROBE_INTERVAL).await;
            let closed = match self.pool() {
                Pool::Sqlite(pool, _) => pool.is_closed(),
                Pool::Postgres(pool) => pool.is_closed(),
            };
            if closed {
                return;
            }
            if let Ok(Ok(())) = tokio::time::timeout(PROBE_TIMEOUT, self.ping()).await {
                self.availability().mark_up();
                tracing::info!("the database answers again");
                return;
            }
        }
    }
}

/// Whether `error` says the database cannot be reached (as opposed to refusing a statement):
/// no connection in time, a connection that could not be opened or broke, the server shutting
/// down or out of connections, disk or memory (PostgreSQL classes 08, 53, 57P), SQLite's
/// busy/full/I/O/cannot-open.
pub fn is_unreachable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(database) => {
            let sqlite = database
                .try_downcast_ref::<sqlx::sqlite::SqliteError>()
                .is_some();
            database.code().is_some_and(|code| match sqlite {
                true => unreachable_sqlite_code(&code),
                false => unreachable_sqlstate(&code),
            })
        }
        _ => false,
    }
}

/// PostgreSQL's SQLSTATE classes: connection exception, insufficient resources, operator
/// intervention (shutting down, starting up).
fn unreachable_sqlstate(code: &str) -> bool {
    code.starts_with("08") || code.starts_with("53") || code.starts_with("57P")
}

/// SQLite's result codes; an extended code carries its primary code in the low byte.
fn unreachable_sqlite_code(code: &str) -> bool {
    code.parse::<u32>().is_ok_and(|code| {
        matches!(
            code & 0xff,
            5 /* BUSY */ | 10 /* IOERR */ | 13 /* FULL */ | 14 /* CANTOPEN */
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_caller_starts_the_probe() {
        let availability = Availability::default();
        assert!(!availability.is_down());
        assert!(availability.mark_down());
        assert!(!availability.mark_down(), "already down: no second probe");
        assert!(availability.is_down());
        availability.mark_up();
        assert!(!availability.is_down());
        assert!(availability.mark_down(), "down again: a new probe");
    }

    #[test]
    fn unreachable_is_told_from_refused() {
        assert!(is_unreachable(&sqlx::Error::PoolTimedOut));
        assert!(is_unreachable(&sqlx::Error::PoolClosed));
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(is_unreachable(&sqlx::Error::Io(refused)));
        assert!(!is_unreachable(&sqlx::Error::RowNotFound));
        assert!(!is_unreachable(&sqlx::Error::ColumnNotFound("x".into())));
    }

    #[test]
    fn database_codes() {
        // PostgreSQL: connection failure, too many connections, admin shutdown, cannot connect now.
        for code in ["08006", "08001", "53300", "53100", "57P01", "57P03"] {
            assert!(unreachable_sqlstate(code), "{code}");
        }
        // Unique and check violations, deadlock, syntax: the statement, not the database.
        for code in ["23505", "23514", "40P01", "42601"] {
            assert!(!unreachable_sqlstate(code), "{code}");
        }
        // SQLite: BUSY, BUSY_SNAPSHOT (517), IOERR_WRITE (778), FULL, CANTOPEN.
        for code in ["5", "517", "778", "13", "14"] {
            assert!(unreachable_sqlite_code(code), "{code}");
        }
        // SQLite: CONSTRAINT_UNIQUE (2067), CONSTRAINT_CHECK (275).
        for code in ["2067", "275"] {
            assert!(!unreachable_sqlite_code(code), "{code}");
        }
    }

    /// Real SQLite errors, classified through the driver's own error type: a writer that finds
    /// the file locked (busy) is unreachable, a unique violation is the statement's fault.
    #[tokio::test]
    async fn sqlite_errors_as_the_driver_reports_them() {
        use sqlx::{sqlite::SqliteConnectOptions, ConnectOptions, Connection};
        let dir = tempfile::tempdir().unwrap();
        let options = SqliteConnectOptions::new()
            .filename(dir.path().join("busy.db"))
            .create_if_missing(true)
            .busy_timeout(Duration::ZERO);
        let mut holder = options.connect().await.unwrap();
        let mut other = options.connect().await.unwrap();
        sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            .execute(&mut holder)
            .await
            .unwrap();
        sqlx::query("INSERT INTO t VALUES (1)")
            .execute(&mut holder)
            .await
            .unwrap();
        let duplicate = sqlx::query("INSERT INTO t VALUES (1)")
            .execute(&mut other)
            .await
            .unwrap_err();
        assert!(!is_unreachable(&duplicate), "{duplicate}");

        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut holder)
            .await
            .unwrap();
        let busy = sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut other)
            .await
            .unwrap_err();
        assert!(is_unreachable(&busy), "{busy}");
        holder.close().await.unwrap();
        other.close().await.unwrap();
    }
}
