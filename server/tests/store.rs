//! Store behaviour, proven on SQLite and on PostgreSQL alike.

mod support;

use app::domain::ids::SessionId;
use server::store::{Backend, Database, Pool, WidgetSession};
use support::TestServer;

on_every_backend!(
    migrations_bring_the_schema_to_the_latest_version,
    migrating_again_changes_nothing,
    ping_answers,
    merchants_table_accepts_rows,
    widget_sessions_are_found_by_token_only_and_know_their_expiry,
);

async fn migrations_bring_the_schema_to_the_latest_version(db: &Database) {
    let version = db.schema_version().await.unwrap();
    assert!(
        version >= 1,
        "at least the first migration is applied, got {version}"
    );
    assert_eq!(version, db.latest_known_version());
}

async fn migrating_again_changes_nothing(db: &Database) {
    let before = db.schema_version().await.unwrap();
    db.migrate().await.unwrap();
    db.migrate().await.unwrap();
    assert_eq!(db.schema_version().await.unwrap(), before);
}

async fn ping_answers(db: &Database) {
    db.ping().await.unwrap();
}

async fn merchants_table_accepts_rows(db: &Database) {
    let insert = "INSERT INTO merchants (id, name, created_at_ms) VALUES ($1, $2, $3)";
    let count = "SELECT COUNT(*) FROM merchants WHERE name = $1";
    let rows: i64 = match db.pool() {
        Pool::Sqlite(pool, _) => {
            sqlx::query(insert)
                .bind("m_1")
                .bind("Acme")
                .bind(1_700_000_000_000_i64)
                .execute(pool)
                .await
                .unwrap();
            sqlx::query_scalar(count)
                .bind("Acme")
                .fetch_one(pool)
                .await
                .unwrap()
        }
        Pool::Postgres(pool) => {
            sqlx::query(insert)
                .bind("m_1")
                .bind("Acme")
                .bind(1_700_000_000_000_i64)
                .execute(pool)
                .await
                .unwrap();
            sqlx::query_scalar(count)
                .bind("Acme")
                .fetch_one(pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn each_backend_reports_its_name() {
    let sqlite = support::TestDatabase::sqlite().await;
    let postgres = support::TestDatabase::postgres().await;
    assert_eq!(sqlite.database.backend(), Backend::Sqlite);
    assert_eq!(postgres.database.backend(), Backend::Postgres);
}

#[tokio::test]
async fn sqlite_creates_missing_directories_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nested/deeper/cardkit.db");
    let db = Database::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    assert!(file.is_file());
}

#[tokio::test]
async fn unknown_url_scheme_is_refused_with_the_password_hidden() {
    let error = Database::connect("mysql://bob:hunter2@db/x")
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("unsupported database URL"), "{error}");
    assert!(!error.contains("hunter2"), "{error}");
}

async fn widget_sessions_are_found_by_token_only_and_know_their_expiry(db: &Database) {
    let server = TestServer::start_with(db, false).await;
    let (merchant, _) = server.merchant(0).await;
    let session = WidgetSession {
        id: SessionId::new("ws_1"),
        chain_id: SessionId::new("ws_1"),
        merchant_id: merchant,
        allowed_origins: vec!["https://shop.example".into()],
        customer_email: Some("buyer@example.com".into()),
        created_at_ms: 1_000,
        expires_at_ms: 2_000,
        max_cards: 3,
        max_deposit: app::domain::Cents(12_345),
        plan_names: app::domain::plan_names::PlanNames([
            "Basic".into(),
            String::new(),
            "Premium".into(),
        ]),
        closed_at_ms: None,
        created_by: Some("dev@shop.example".into()),
    };
    db.create_widget_session(&session, "secret-token")
        .await
        .unwrap();
    let found = db.widget_session("secret-token").await.unwrap();
    assert_eq!(found.as_ref(), Some(&session));
    assert!(!session.is_expired(1_999));
    assert!(session.is_expired(2_000));
    assert_eq!(db.widget_session("other-token").await.unwrap(), None);
    assert_eq!(
        db.widget_session("ws_1").await.unwrap(),
        None,
        "the id is not a token"
    );
}

#[tokio::test]
async fn the_sqlite_file_and_its_wal_and_shm_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let db = support::TestDatabase::sqlite().await;
    // A write, so the WAL and the shared-memory index exist.
    merchants_table_accepts_rows(&db.database).await;
    let file = db.url.trim_start_matches("sqlite://").to_owned();
    for path in [file.clone(), format!("{file}-wal"), format!("{file}-shm")] {
        let mode = std::fs::metadata(&path)
            .unwrap_or_else(|error| panic!("{path}: {error}"))
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{path}");
    }
}
