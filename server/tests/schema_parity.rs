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
