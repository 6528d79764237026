//! Keeps old SQLite databases migrating after the two migration trees were numbered alike.
//!
//! Until then SQLite had no step 6 (PostgreSQL's partial PAN-fingerprint index), so SQLite's
//! steps 6–12 are today's 7–13. sqlx identifies an applied step by its number and checksum, so a
//! database migrated the old way would be refused ("migration 6 was previously applied but has
//! been modified"). Before migrating, such a history is renumbered once, in one transaction: its
//! steps from 6 on move up by one, and the empty step 6 is recorded as applied. The steps' text —
//! and so their checksums — did not change, only their numbers.

use sqlx::{migrate::Migrator, SqlitePool};

use super::StoreError;

/// The first step SQLite lacked, and the description the old step of that number had.
const MISSING_STEP: i64 = 6;
const OLD_STEP_DESCRIPTION: &str = "spend controls";

pub(super) async fn renumber_old_sqlite_history(
    pool: &SqlitePool,
    migrator: &Migrator,
) -> Result<(), StoreError> {
    let has_history: bool = sqlx::query_scalar(
        "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(pool)
    .await?;
    if !has_history {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    let old_numbering: bool = sqlx::query_scalar(
        "SELECT COUNT(*) > 0 FROM _sqlx_migrations WHERE version = $1 AND description = $2",
    )
    .bind(MISSING_STEP)
    .bind(OLD_STEP_DESCRIPTION)
    .fetch_one(&mut *tx)
    .await?;
    if !old_numbering {
        return Ok(());
    }
    let step = migrator
        .iter()
        .find(|migration| migration.version == MISSING_STEP)
        .ok_or_else(|| StoreError::Corrupt(format!("no migration {MISSING_STEP} in this build")))?;
    // Two moves, because a version is a primary key: up out of the way, then back to +1.
    sqlx::query("UPDATE _sqlx_migrations SET version = version + 1000000 WHERE version >= $1")
        .bind(MISSING_STEP)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE _sqlx_migrations SET version = version - 999999 WHERE version >= 1000000")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES ($1, $2, TRUE, $3, 0)",
    )
    .bind(step.version)
    .bind(step.description.as_ref())
    .bind(step.checksum.as_ref())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!("migration history renumbered to the numbering shared with PostgreSQL");
    Ok(())
}
