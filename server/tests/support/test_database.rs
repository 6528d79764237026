use std::{
    sync::atomic::{AtomicU32, Ordering},
    thread,
};

use server::store::Database;
use sqlx::{Connection, Executor, PgConnection};

use super::postgres_cluster::admin_url;

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
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("cardkit.db").display());
        Self::open(url, Cleanup::Sqlite(dir)).await
    }

    pub async fn postgres() -> Self {
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
        Self::open(url, Cleanup::Postgres { name }).await
    }

    async fn open(url: String, cleanup: Cleanup) -> Self {
        let database = Database::connect(&url).await.expect("connect");
        database.migrate().await.expect("migrate");
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
