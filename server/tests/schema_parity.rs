//! The two migration trees build the same schema: after migrating, SQLite and PostgreSQL have the
//! same tables, each with the same columns, and the same named indexes, so a change made to one
//! tree and forgotten in the other fails here rather than on a merchant's database.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use server::store::{Database, Pool};
use support::TestDatabase;

type Schema = BTreeMap<String, BTreeSet<String>>;

async fn sqlite_schema(db: &Database) -> (Schema, BTreeSet<String>) {
    let Pool::Sqlite(pool, _) = db.pool() else {
        unreachable!()
    };
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name NOT LIKE '_sqlx%'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut schema = Schema::new();
    for (table,) in tables {
        let columns: Vec<(String,)> =
            sqlx::query_as(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .fetch_all(pool)
                .await
                .unwrap();
        schema.insert(table, columns.into_iter().map(|(c,)| c).collect());
    }
    let indexes: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    (schema, indexes.into_iter().map(|(i,)| i).collect())
}

async fn postgres_schema(db: &Database) -> (Schema, BTreeSet<String>) {
    let Pool::Postgres(pool) = db.pool() else {
        unreachable!()
    };
    let columns: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx%'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut schema = Schema::new();
    for (table, column) in columns {
        schema.entry(table).or_default().insert(column);
    }
    // Named indexes only: those behind primary keys and UNIQUE constraints are named by each
    // database its own way.
    let indexes: Vec<(String,)> = sqlx::query_as(
        "SELECT i.indexname::text FROM pg_indexes i WHERE i.schemaname = current_schema() \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    (schema, indexes.into_iter().map(|(i,)| i).collect())
}

/// Indexes one backend has by design, each with its reason.
const POSTGRES_ONLY_INDEXES: &[(&str, &str)] = &[
    // The list's label filter from a GIN index over the JSON array; SQLite has no such index and
    // reads the merchant's cards' labels instead.
    ("cards_by_tag", "GIN over tags::jsonb"),
    // SQLite keeps the inline UNIQUE on pan_fingerprint (an automatic index, not named here);
    // PostgreSQL replaced it by a partial one so that card creation does not index NULLs.
    (
        "cards_pan_fingerprint",
        "partial UNIQUE for activated cards",
    ),
    // The instances' catch-up read of recent card events, which SQLite (one process) never runs.
    ("card_events_by_time", "BRIN over at_ms"),
];

#[tokio::test]
async fn both_migration_trees_build_the_same_tables_columns_and_indexes() {
    let sqlite = TestDatabase::sqlite().await;
    let postgres = TestDatabase::postgres().await;
    let (sqlite_tables, sqlite_indexes) = sqlite_schema(&sqlite.database).await;
    let (postgres_tables, mut postgres_indexes) = postgres_schema(&postgres.database).await;
    for (index, _why) in POSTGRES_ONLY_INDEXES {
        assert!(
            postgres_indexes.remove(*index),
            "{index} is gone: update the list"
        );
    }
    assert_eq!(
        sqlite_tables.keys().collect::<Vec<_>>(),
        postgres_tables.keys().collect::<Vec<_>>(),
        "tables"
    );
    for (table, columns) in &sqlite_tables {
        assert_eq!(
            Some(columns),
            postgres_tables.get(table),
            "columns of {table}"
        );
    }
    assert_eq!(sqlite_indexes, postgres_indexes, "indexes");
}

/// Migration `N` is the same step on both backends (an empty one where only one changes), so
/// `schema_version` names one schema everywhere.
#[tokio::test]
async fn both_migration_trees_number_the_same_steps() {
    let numbers = |backend: &str| -> Vec<(i64, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../migrations")
            .join(backend);
        let mut steps: Vec<(i64, String)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|file| file.unwrap().file_name().to_string_lossy().into_owned())
            .map(|name| {
                let (number, rest) = name.split_once('_').unwrap();
                (number.parse().unwrap(), rest.to_owned())
            })
            .collect();
        steps.sort();
        steps
    };
    assert_eq!(numbers("sqlite"), numbers("postgres"));
    let sqlite = TestDatabase::sqlite().await;
    let postgres = TestDatabase::postgres().await;
    assert_eq!(
        sqlite.database.schema_version().await.unwrap(),
        postgres.database.schema_version().await.unwrap()
    );
}

/// SQLite databases migrated before the trees were numbered alike (SQLite had no step 6, so its
/// 6–12 are today's 7–13) carry on: their history is renumbered once, nothing is run twice, and
/// their data stays.
#[tokio::test]
async fn a_sqlite_database_numbered_the_old_way_migrates_on() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    let db = Database::connect(&url).await.unwrap();
    let Pool::Sqlite(pool, _) = db.pool() else {
        unreachable!()
    };
    // The files as they were named then: the same text (so the same checksums), without step 6.
    let old_tree = tempfile::tempdir().unwrap();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/sqlite");
    for file in std::fs::read_dir(source).unwrap() {
        let path = file.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (number, rest) = name.split_once('_').unwrap();
        let number: i64 = number.parse().unwrap();
        // The steps that existed when the trees were renumbered: today's 1-13.
        let old_number = match number {
            6 | 14.. => continue,
            7.. => number - 1,
            _ => number,
        };
        std::fs::copy(
            &path,
            old_tree.path().join(format!("{old_number:04}_{rest}")),
        )
        .unwrap();
    }
    sqlx::migrate::Migrator::new(old_tree.path())
        .await
        .unwrap()
        .run(pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO merchants (id, name, created_at_ms, webhook_secret) VALUES ('m_old', 'Old', 1, 'whsec_x')")
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(db.schema_version().await.unwrap(), 12);

    db.migrate().await.unwrap();
    assert_eq!(
        db.schema_version().await.unwrap(),
        db.latest_known_version()
    );
    db.migrate().await.unwrap();
    let history: Vec<(i64, String)> =
        sqlx::query_as("SELECT version, description FROM _sqlx_migrations ORDER BY version")
            .fetch_all(pool)
            .await
            .unwrap();
    assert_eq!(history.len() as i64, db.latest_known_version());
    assert_eq!(history[5], (6, "pan fingerprint partial".to_owned()));
    assert_eq!(history[6], (7, "spend controls".to_owned()));
    let merchant = db
        .merchant(&app::domain::ids::MerchantId::new("m_old"))
        .await
        .unwrap();
    assert_eq!(merchant.unwrap().name, "Old");
}
