//! The audit log (migration 0016): appended to, read newest first, never changed. The database
//! itself refuses an UPDATE or DELETE of an entry (triggers), so this file has neither.

use app::domain::{
    audit::{Actor, AuditAction, AuditEntry, AuditQuery},
    console_user::ConsoleUser,
    ids::MerchantId,
};

use super::{Database, StoreError};

type Row = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
);

fn entry(row: Row) -> Result<AuditEntry, StoreError> {
    let (id, at_ms, actor_kind, actor_id, actor_name, action, object_id, detail, reference) = row;
    let actor = match actor_kind.as_str() {
        "user" => Actor::User {
            id: actor_id,
            email: actor_name,
        },
        "api_key" => Actor::ApiKey { prefix: actor_id },
        other => {
            return Err(StoreError::Corrupt(format!(
                "audit entry {id}: actor {other}"
            )))
        }
    };
    let action = AuditAction::parse(&action)
        .ok_or_else(|| StoreError::Corrupt(format!("audit entry {id}: action {action}")))?;
    Ok(AuditEntry {
        id,
        at_ms,
        actor,
        action,
        object_id,
        detail,
        reference,
    })
}

impl Database {
    /// Appends an entry for what a console user did (the console's services all write so).
    pub async fn record_user_audit(
        &self,
        user: &ConsoleUser,
        action: AuditAction,
        object_id: &str,
        detail: &str,
        reference: Option<&str>,
    ) -> Result<(), StoreError> {
        let actor = Actor::user(user);
        self.record_audit(
            &user.merchant_id,
            &actor,
            action,
            object_id,
            detail,
            reference,
        )
        .await
    }

    /// Appends an entry; one repeating an earlier entry's reference (same action and object) is
    /// the same request again and is not written twice.
    pub async fn record_audit(
        &self,
        merchant_id: &MerchantId,
        actor: &Actor,
        action: AuditAction,
        object_id: &str,
        detail: &str,
        reference: Option<&str>,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO audit_log (merchant_id, at_ms, actor_kind, actor_id, actor_name, \
             action, object_id, detail, reference) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT DO NOTHING",
            &[
                merchant_id.into(),
                self.now_ms().into(),
                actor.kind().into(),
                actor.id().into(),
                actor.name().as_str().into(),
                action.code().into(),
                object_id.into(),
                detail.into(),
                reference.into(),
            ],
        )
        .await?;
        Ok(())
    }

    /// Up to `limit` of the merchant's entries matching `query`, newest first.
    pub async fn audit_entries(
        &self,
        merchant_id: &MerchantId,
        query: &AuditQuery,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows: Vec<Row> = self
            .fetch_all(
                "SELECT id, at_ms, actor_kind, actor_id, actor_name, action, object_id, detail, \
                 reference FROM audit_log WHERE merchant_id = $1 \
                 AND ($2 IS NULL OR action = $2) AND ($3 IS NULL OR object_id = $3) \
                 AND ($4 IS NULL OR id < $4) ORDER BY id DESC LIMIT $5",
                &[
                    merchant_id.into(),
                    query.action.map(AuditAction::code).into(),
                    query.object_id.as_deref().into(),
                    query.before_id.into(),
                    limit.into(),
                ],
            )
            .await?;
        rows.into_iter().map(entry).collect()
    }
}
