//! One SQL text, two drivers, and no macros: a statement's parameters are values ([`Param`]), and
//! [`Conn`] runs the statement on whichever backend the connection belongs to. A transaction is a
//! value too ([`Tx`]): it commits when told to and rolls back when dropped, so every `?` and
//! `return` in the store is an ordinary one that the reader can see.
//!
//! The queries use the subset of SQL that SQLite and PostgreSQL share (`$N` placeholders,
//! `ON CONFLICT`, `RETURNING`). `sqlx::query()` checks the Rust types of what is bound and read at
//! compile time, not the SQL: the SQL is checked by running every store test on both backends.

use app::domain::ids::Id;
use sqlx::{
    pool::PoolConnection, postgres::PgRow, sqlite::SqliteRow, Arguments, Decode, Encode, FromRow,
    PgConnection, Postgres, Sqlite, SqliteConnection, Type,
};
use tokio::sync::OwnedMutexGuard;

use super::{Database, Pool, StoreError};
use crate::change_feed::{Change, ChangeFeed, CHANNEL};

/// A statement's parameter. Everything Cardkit stores is one of these, or NULL of one of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Param<'a> {
    Int(Option<i64>),
    Text(Option<&'a str>),
    Bool(Option<bool>),
    Bytes(Option<&'a [u8]>),
}

impl From<i64> for Param<'_> {
    fn from(value: i64) -> Self {
        Param::Int(Some(value))
    }
}

impl From<Option<i64>> for Param<'_> {
    fn from(value: Option<i64>) -> Self {
        Param::Int(value)
    }
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(value: &'a str) -> Self {
        Param::Text(Some(value))
    }
}

impl<'a> From<&'a String> for Param<'a> {
    fn from(value: &'a String) -> Self {
        Param::Text(Some(value))
    }
}

impl<'a> From<Option<&'a str>> for Param<'a> {
    fn from(value: Option<&'a str>) -> Self {
        Param::Text(value)
    }
}

impl<'a> From<&'a Option<String>> for Param<'a> {
    fn from(value: &'a Option<String>) -> Self {
        Param::Text(value.as_deref())
    }
}

/// An id binds as its text: the typed id ends here, at the SQL.
impl<'a, K> From<&'a Id<K>> for Param<'a> {
    fn from(value: &'a Id<K>) -> Self {
        Param::Text(Some(value.as_str()))
    }
}

impl<'a, K> From<Option<&'a Id<K>>> for Param<'a> {
    fn from(value: Option<&'a Id<K>>) -> Self {
        Param::Text(value.map(Id::as_str))
    }
}

impl From<bool> for Param<'_> {
    fn from(value: bool) -> Self {
        Param::Bool(Some(value))
    }
}

impl<'a> From<&'a [u8]> for Param<'a> {
    fn from(value: &'a [u8]) -> Self {
        Param::Bytes(Some(value))
    }
}

impl<'a> From<Option<&'a [u8]>> for Param<'a> {
    fn from(value: Option<&'a [u8]>) -> Self {
        Param::Bytes(value)
    }
}

impl<'a> From<&'a Vec<u8>> for Param<'a> {
    fn from(value: &'a Vec<u8>) -> Self {
        Param::Bytes(Some(value))
    }
}

/// A row type both drivers can decode (tuples of the usual types, `#[derive(sqlx::FromRow)]`).
pub trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{}

/// A single column value both drivers can decode.
pub trait Value:
    for<'r> Decode<'r, Sqlite>
    + Type<Sqlite>
    + for<'r> Decode<'r, Postgres>
    + Type<Postgres>
    + Send
    + Unpin
{
}
impl<T> Value for T where
    T: for<'r> Decode<'r, Sqlite>
        + Type<Sqlite>
        + for<'r> Decode<'r, Postgres>
        + Type<Postgres>
        + Send
        + Unpin
{
}

/// The parameters as a driver's arguments (the same four kinds of value on both backends).
fn arguments<'q, DB>(
    params: &[Param<'q>],
) -> Result<<DB as sqlx::Database>::Arguments<'q>, sqlx::Error>
where
    DB: sqlx::Database,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    Option<&'q str>: Encode<'q, DB> + Type<DB>,
    Option<bool>: Encode<'q, DB> + Type<DB>,
    Option<&'q [u8]>: Encode<'q, DB> + Type<DB>,
{
    let mut arguments = <DB as sqlx::Database>::Arguments::<'q>::default();
    for param in params {
        let added = match *param {
            Param::Int(value) => arguments.add(value),
            Param::Text(value) => arguments.add(value),
            Param::Bool(value) => arguments.add(value),
            Param::Bytes(value) => arguments.add(value),
        };
        added.map_err(sqlx::Error::Encode)?;
    }
    Ok(arguments)
}

/// A connection of either backend: a pooled one, or the one a transaction runs on.
pub enum Conn<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

impl Conn<'_> {
    /// Runs a statement; the number of rows it changed.
    pub async fn execute(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64, sqlx::Error> {
        let done = match self {
            Conn::Sqlite(conn) => sqlx::query_with(sql, arguments::<Sqlite>(params)?)
                .execute(&mut **conn)
                .await?
                .rows_affected(),
            Conn::Postgres(conn) => sqlx::query_with(sql, arguments::<Postgres>(params)?)
                .execute(&mut **conn)
                .await?
                .rows_affected(),
        };
        Ok(done)
    }

    pub async fn fetch_optional<T: Row>(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<Option<T>, sqlx::Error> {
        match self {
            Conn::Sqlite(conn) => {
                sqlx::query_as_with(sql, arguments::<Sqlite>(params)?)
                    .fetch_optional(&mut **conn)
                    .await
            }
            Conn::Postgres(conn) => {
                sqlx::query_as_with(sql, arguments::<Postgres>(params)?)
                    .fetch_optional(&mut **conn)
                    .await
            }
        }
    }

    pub async fn fetch_one<T: Row>(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<T, sqlx::Error> {
        self.fetch_optional(sql, params)
            .await?
            .ok_or(sqlx::Error::RowNotFound)
    }

    pub async fn fetch_all<T: Row>(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<Vec<T>, sqlx::Error> {
        match self {
            Conn::Sqlite(conn) => {
                sqlx::query_as_with(sql, arguments::<Sqlite>(params)?)
                    .fetch_all(&mut **conn)
                    .await
            }
            Conn::Postgres(conn) => {
                sqlx::query_as_with(sql, arguments::<Postgres>(params)?)
                    .fetch_all(&mut **conn)
                    .await
            }
        }
    }

    /// The first column of the only row, when there is a row.
    pub async fn scalar_optional<T: Value>(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<Option<T>, sqlx::Error> {
        match self {
            Conn::Sqlite(conn) => {
                sqlx::query_scalar_with(sql, arguments::<Sqlite>(params)?)
                    .fetch_optional(&mut **conn)
                    .await
            }
            Conn::Postgres(conn) => {
                sqlx::query_scalar_with(sql, arguments::<Postgres>(params)?)
                    .fetch_optional(&mut **conn)
                    .await
            }
        }
    }

    /// The first column of the one row the statement must return.
    pub async fn scalar<T: Value>(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<T, sqlx::Error> {
        self.scalar_optional(sql, params)
            .await?
            .ok_or(sqlx::Error::RowNotFound)
    }
}

/// A connection lent by the pool, for reads and single statements (each its own transaction).
pub enum Pooled {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl Pooled {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Pooled::Sqlite(connection) => Conn::Sqlite(&mut *connection),
            Pooled::Postgres(connection) => Conn::Postgres(&mut *connection),
        }
    }
}

/// A transaction ([`Database::begin`] to write, [`Database::begin_read`] to read a snapshot).
/// [`Tx::commit`] keeps its work; dropping it (an early return, a `?`) rolls
/// the work back. On SQLite it also holds the database's writer gate until it ends.
pub struct Tx {
    inner: TxInner,
    /// What this transaction changed, told to waiters when (and only if) it commits.
    changes: Vec<Change>,
    feed: ChangeFeed,
}

enum TxInner {
    // Field order is drop order: the transaction ends before the next writer is let in. A read
    // transaction holds no writer pass.
    Sqlite(
        sqlx::Transaction<'static, Sqlite>,
        Option<OwnedMutexGuard<()>>,
    ),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    pub fn conn(&mut self) -> Conn<'_> {
        match &mut self.inner {
            TxInner::Sqlite(tx, _) => Conn::Sqlite(&mut *tx),
            TxInner::Postgres(tx) => Conn::Postgres(&mut *tx),
        }
    }

    /// Notes that this transaction changed something others may wait for (see
    /// [`crate::change_feed`]). Said once the transaction commits; forgotten if it rolls back.
    pub fn announce(&mut self, change: Change) {
        if !self.changes.contains(&change) {
            self.changes.push(change);
        }
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        let Tx {
            inner,
            changes,
            feed,
        } = self;
        match inner {
            TxInner::Sqlite(tx, _writer) => tx.commit().await?,
            TxInner::Postgres(mut tx) => {
                // Inside the transaction: PostgreSQL delivers the notification when, and only
                // when, the transaction commits, to every instance but this one's own waiters.
                for payload in feed.notify_payloads(&changes) {
                    sqlx::query("SELECT pg_notify($1, $2)")
                        .bind(CHANNEL)
                        .bind(payload)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
            }
        }
        feed.publish(&changes);
        Ok(())
    }

    /// Runs `work` inside a savepoint of this transaction: kept when it succeeds, undone alone
    /// (the transaction goes on) when it fails.
    pub async fn savepoint<T>(
        &mut self,
        work: impl AsyncFnOnce(&mut Conn<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn();
        conn.execute("SAVEPOINT step", &[]).await?;
        match work(&mut conn).await {
            Ok(value) => {
                conn.execute("RELEASE SAVEPOINT step", &[]).await?;
                Ok(value)
            }
            Err(error) => {
                conn.execute("ROLLBACK TO SAVEPOINT step", &[]).await?;
                conn.execute("RELEASE SAVEPOINT step", &[]).await?;
                Err(error)
            }
        }
    }
}

impl Database {
    /// A pooled connection for reads.
    pub async fn connection(&self) -> Result<Pooled, StoreError> {
        self.refuse_while_down()?;
        let acquired = match self.pool() {
            Pool::Sqlite(pool, _) => pool.acquire().await.map(Pooled::Sqlite),
            Pool::Postgres(pool) => pool.acquire().await.map(Pooled::Postgres),
        };
        acquired.map_err(|error| self.noticed(error))
    }

    /// Begins a write transaction. SQLite's starts with `BEGIN IMMEDIATE` behind the writer
    /// gate, so concurrent writers queue instead of failing midway.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        self.refuse_while_down()?;
        let inner = match self.pool() {
            Pool::Sqlite(pool, gate) => {
                // Connection first, then the gate: holding the gate while waiting for a
                // connection (all lent to readers) would stall every other writer.
                let connection = pool.acquire().await.map_err(|error| self.noticed(error))?;
                let writer = gate.enter_owned().await;
                // `Transaction::begin` (public, though hidden from sqlx's docs) is the one way to
                // start a transaction with our own BEGIN on a connection the transaction owns.
                let tx =
                    sqlx::Transaction::begin(connection, Some("BEGIN IMMEDIATE".into())).await?;
                TxInner::Sqlite(tx, Some(writer))
            }
            Pool::Postgres(pool) => {
                TxInner::Postgres(pool.begin().await.map_err(|error| self.noticed(error))?)
            }
        };
        Ok(self.transaction(inner))
    }

    /// Begins a read-only transaction: every read in it sees the same committed state, however
    /// many statements it takes (SQLite: a WAL snapshot taken at the first read; PostgreSQL:
    /// REPEATABLE READ). Writers are not held up.
    pub async fn begin_read(&self) -> Result<Tx, StoreError> {
        self.refuse_while_down()?;
        let inner = match self.pool() {
            Pool::Sqlite(pool, _) => {
                let connection = pool.acquire().await.map_err(|error| self.noticed(error))?;
                TxInner::Sqlite(sqlx::Transaction::begin(connection, None).await?, None)
            }
            Pool::Postgres(pool) => {
                let connection = pool.acquire().await.map_err(|error| self.noticed(error))?;
                let begin = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
                TxInner::Postgres(sqlx::Transaction::begin(connection, Some(begin.into())).await?)
            }
        };
        Ok(self.transaction(inner))
    }

    /// Tells waiters of changes a single statement already committed (outside a [`Tx`]).
    /// On PostgreSQL a failed notification is only logged: the other instances' fallback poll
    /// reads the change a little later.
    pub async fn announce(&self, changes: &[Change]) {
        if let Pool::Postgres(pool) = self.pool() {
            for payload in self.change_feed().notify_payloads(changes) {
                let sent = sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(payload)
                    .execute(pool)
                    .await;
                if let Err(error) = sent {
                    tracing::warn!(%error, "could not notify other instances of a change");
                }
            }
        }
        self.change_feed().publish(changes);
    }

    fn transaction(&self, inner: TxInner) -> Tx {
        Tx {
            inner,
            changes: Vec::new(),
            feed: self.change_feed().clone(),
        }
    }

    pub async fn execute(&self, sql: &str, params: &[Param<'_>]) -> Result<u64, StoreError> {
        Ok(self.connection().await?.conn().execute(sql, params).await?)
    }

    pub async fn fetch_optional<T: Row>(
        &self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<Option<T>, StoreError> {
        Ok(self
            .connection()
            .await?
            .conn()
            .fetch_optional(sql, params)
            .await?)
    }

    pub async fn fetch_one<T: Row>(
        &self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<T, StoreError> {
        Ok(self
            .connection()
            .await?
            .conn()
            .fetch_one(sql, params)
            .await?)
    }

    pub async fn fetch_all<T: Row>(
        &self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<Vec<T>, StoreError> {
        Ok(self
            .connection()
            .await?
            .conn()
            .fetch_all(sql, params)
            .await?)
    }

    pub async fn scalar<T: Value>(&self, sql: &str, params: &[Param<'_>]) -> Result<T, StoreError> {
        Ok(self.connection().await?.conn().scalar(sql, params).await?)
    }

    pub async fn scalar_optional<T: Value>(
        &self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<Option<T>, StoreError> {
        Ok(self
            .connection()
            .await?
            .conn()
            .scalar_optional(sql, params)
            .await?)
    }
}

/// `$first, $first+1, …` for `count` values, for an `IN (…)` list.
pub fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}
