//! One SQL text, two drivers. The queries use the subset SQLite and PostgreSQL share (`$N`
//! placeholders, `ON CONFLICT`, `RETURNING`), and these macros expand each body once per backend so
//! it is type-checked against both.

/// `on_pool!(database, pool => body)`: runs `body` with `pool` bound to the backend's pool.
macro_rules! on_pool {
    ($database:expr, $pool:ident => $body:expr) => {
        match $database {
            $crate::store::Database::Sqlite($pool, _) => $body,
            $crate::store::Database::Postgres($pool) => $body,
        }
    };
}

/// `in_transaction!(database, tx => body)`: runs `body` inside a transaction and commits it when
/// `body` finishes; an early return or `?` rolls back. SQLite write transactions start with
/// `BEGIN IMMEDIATE`, so concurrent writers queue on the busy timeout instead of failing midway.
macro_rules! in_transaction {
    ($database:expr, $tx:ident => $body:expr) => {
        match $database {
            $crate::store::Database::Sqlite(pool, gate) => {
                // Connection first, then the gate: holding the gate while waiting for a
                // connection (all lent to readers) would stall every other writer.
                let mut connection = pool.acquire().await?;
                let _writer = gate.enter().await;
                let mut $tx =
                    sqlx::Connection::begin_with(&mut *connection, "BEGIN IMMEDIATE").await?;
                let value = $body;
                $tx.commit().await?;
                value
            }
            $crate::store::Database::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let value = $body;
                $tx.commit().await?;
                value
            }
        }
    };
}

pub(crate) use {in_transaction, on_pool};

/// Milliseconds since the Unix epoch: the time unit of every stored timestamp.
pub fn now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

pub fn is_check_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_check_violation())
}

/// PostgreSQL's `deadlock_detected` (40P01) and `serialization_failure` (40001): the statement was
/// undone to break a cycle of waits, and running it again is how to proceed.
pub fn is_transient(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("40P01" | "40001")))
}
