//! What a database error means: a unique or check violation, a transient failure worth retrying.

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
