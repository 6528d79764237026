//! Widget sessions: what a partner page may do on a merchant's behalf, and until when.

use super::{dispatch::on_pool, hash_token, Database, StoreError};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WidgetSession {
    pub id: String,
    pub merchant_id: String,
    pub allowed_origins: Vec<String>,
    pub customer_email: Option<String>,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
}

impl WidgetSession {
    pub fn is_expired(&self, now_ms: i64) -> bool {
        now_ms >= self.expires_at_ms
    }
}

type SessionRow = (String, String, String, Option<String>, i64, i64);

impl Database {
    /// Stores a session under the hash of its token (the token itself is only ever given out).
    pub async fn create_widget_session(
        &self,
        session: &WidgetSession,
        token: &str,
    ) -> Result<(), StoreError> {
        let origins = serde_json::to_string(&session.allowed_origins)
            .map_err(|error| StoreError::Invalid(error.to_string()))?;
        let sql = "INSERT INTO widget_sessions (id, token_hash, merchant_id, allowed_origins, customer_email, \
                   created_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)";
        on_pool!(self, pool => sqlx::query(sql)
            .bind(&session.id).bind(hash_token(token)).bind(&session.merchant_id).bind(&origins)
            .bind(session.customer_email.as_deref()).bind(session.created_at_ms).bind(session.expires_at_ms)
            .execute(pool).await.map(drop))?;
        Ok(())
    }

    /// The session a token belongs to, expired or not (the caller decides what expiry means).
    pub async fn widget_session(&self, token: &str) -> Result<Option<WidgetSession>, StoreError> {
        let sql = "SELECT id, merchant_id, allowed_origins, customer_email, created_at_ms, expires_at_ms \
                   FROM widget_sessions WHERE token_hash = $1";
        let row: Option<SessionRow> = on_pool!(self, pool => sqlx::query_as(sql).bind(hash_token(token)).fetch_optional(pool).await)?;
        row.map(
            |(id, merchant_id, origins, customer_email, created_at_ms, expires_at_ms)| {
                let allowed_origins = serde_json::from_str(&origins)
                    .map_err(|_| StoreError::Corrupt(format!("widget session {id}")))?;
                Ok(WidgetSession {
                    id,
                    merchant_id,
                    allowed_origins,
                    customer_email,
                    created_at_ms,
                    expires_at_ms,
                })
            },
        )
        .transpose()
    }

    /// The newest of a merchant's cards whose orderNo starts with `prefix` (a widget session's own
    /// cards). The prefix is made of letters, digits and `-`, so it is safe inside LIKE.
    pub async fn latest_card_with_order_prefix(
        &self,
        merchant_id: &str,
        prefix: &str,
    ) -> Result<Option<String>, StoreError> {
        if !prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(StoreError::Invalid(format!("order prefix {prefix:?}")));
        }
        let sql = "SELECT id FROM cards WHERE merchant_id = $1 AND order_no LIKE $2 \
                   ORDER BY created_at_ms DESC, id DESC LIMIT 1";
        let pattern = format!("{prefix}%");
        Ok(
            on_pool!(self, pool => sqlx::query_scalar(sql).bind(merchant_id).bind(&pattern).fetch_optional(pool).await)?,
        )
    }
}
