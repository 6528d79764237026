use std::{
    path::Path,
    sync::atomic::{AtomicU32, Ordering},
    thread,
};

use server::store::{Database, Pool};
use sqlx::{migrate::Migrator, Connection, Executor, PgConnection};

use super::postgres_cluster::admin_url;

/// Runs one statement on either backend: how migration tests write data in an older schema.
pub async fn execute(db: &Database, sql: &str) -> Result<(), sqlx::Error> {
    match db.pool() {
        Pool::Sqlite(pool, _) => sqlx::query(sql).execute(pool).await.map(drop),
        Pool::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(drop),
    }
}

/// A migrated, empty database that belongs to one test and is removed when dropped.
pub struct TestDatabase {
    pub database: Database,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { name: String },
}

impl TestDatabase {
    pub async fn sqlite() -> Self {
        Self::sqlite_at(None).await
    }

    pub async fn postgres() -> Self {
        Self::postgres_at(None).await
    }

    /// Migrated only up to `version` (inclusive; `None`: every migration): to test a migration on
    /// data written under the schema before it.
    pub async fn sqlite_at(version: Option<i64>) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("cardkit.db").display());
        Self::open(url, Cleanup::Sqlite(dir), version).await
    }

    pub async fn postgres_at(version: Option<i64>) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "cardkit_test_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let admin = admin_url();
        let mut connection = PgConnection::connect(admin)
            .await
            .expect("connect to test PostgreSQL");
        connection
            .execute(format!(r#"DROP DATABASE IF EXISTS "{name}""#).as_str())
            .await
            .expect("drop stale test database");
        connection
            .execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
            .await
            .expect("create test database");
        let url = replace_database(admin, &name);
        Self::open(url, Cleanup::Postgres { name }, version).await
    }

    async fn open(url: String, cleanup: Cleanup, version: Option<i64>) -> Self {
        let database = Database::connect(&url).await.expect("connect");
        match version {
            None => database.migrate().await.expect("migrate"),
            Some(version) => migrate_until(&database, version).await,
        }
        Self {
            database,
            url,
            cleanup,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Cleanup::Postgres { name } = &self.cleanup else {
            return;
        };
        let (admin, name) = (admin_url().to_owned(), name.clone());
        // Drop cannot await, and may run inside a runtime: do the async cleanup on a thread of its own.
        let _ = thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut connection = PgConnection::connect(&admin).await.ok()?;
                let drop = format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#);
                connection.execute(drop.as_str()).await.ok()
            })
        })
        .join();
    }
}

/// Applies this backend's migrations numbered up to `version`, from copies of the files the
/// server embeds (same text, same checksums: the server's own migrator carries on from there).
async fn migrate_until(database: &Database, version: i64) {
    let backend = match database.pool() {
        Pool::Sqlite(..) => "sqlite",
        Pool::Postgres(_) => "postgres",
    };
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrations")
        .join(backend);
    let copies = tempfile::tempdir().expect("temp dir");
    for file in std::fs::read_dir(&source).expect("migrations") {
        let path = file.expect("migration file").path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let number: i64 = name.split('_').next().unwrap().parse().unwrap();
        if number <= version {
            std::fs::copy(&path, copies.path().join(&name)).expect("copy migration");
        }
    }
    let migrator = Migrator::new(copies.path()).await.expect("read migrations");
    match database.pool() {
        Pool::Sqlite(pool, _) => migrator.run(pool).await,
        Pool::Postgres(pool) => migrator.run(pool).await,
    }
    .expect("migrate");
}

/// `postgres://u@h:p/old?x` → `postgres://u@h:p/new?x`
fn replace_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(base, query)| (base, Some(query)));
    let (server, _) = base.rsplit_once('/').expect("database URL has a path");
    match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    }
}
