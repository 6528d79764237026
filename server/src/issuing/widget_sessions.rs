//! Widget sessions: minted by a merchant's backend, then opened by the widget's server functions
//! and its live-status stream with nothing but the token.

use app::ports::{WidgetAccess, WidgetDenied, WidgetGrant};

use crate::{
    secrets::random,
    store::{dispatch::now_ms, Database, WidgetSession},
};

/// Sessions live 15 minutes unless the merchant asks otherwise, and never more than a day: the
/// token sits in a partner page's HTML. The 10-second minimum lets tests watch one expire.
pub const DEFAULT_LIFETIME_SECS: i64 = 15 * 60;
pub const MAX_LIFETIME_SECS: i64 = 24 * 60 * 60;
pub const MIN_LIFETIME_SECS: i64 = 10;

/// A session as the merchant asked for it, already validated.
pub struct SessionRequest {
    pub allowed_origins: Vec<String>,
    pub lifetime_secs: i64,
    pub customer_email: Option<String>,
}

/// What the merchant's backend gets back: the token (shown once) and the stored session.
pub struct MintedSession {
    pub token: String,
    pub session: WidgetSession,
}

#[derive(Clone)]
pub struct WidgetSessions {
    database: Database,
}

impl WidgetSessions {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    pub async fn mint(
        &self,
        merchant_id: &str,
        request: SessionRequest,
    ) -> Result<MintedSession, crate::store::StoreError> {
        let now = now_ms();
        let session = WidgetSession {
            // Hex only: it becomes part of the orderNo of every card the session makes.
            id: random::id(""),
            merchant_id: merchant_id.to_owned(),
            allowed_origins: request.allowed_origins,
            customer_email: request.customer_email,
            created_at_ms: now,
            expires_at_ms: now + request.lifetime_secs * 1000,
        };
        let token = format!("wst_{}", random::token());
        self.database
            .create_widget_session(&session, &token)
            .await?;
        Ok(MintedSession { token, session })
    }

    /// The session behind a token, expired or not, for the frame page (which frames an expired
    /// session's message for its own partners, but nothing for an unknown token).
    pub async fn session(&self, token: &str) -> Result<Option<WidgetSession>, WidgetDenied> {
        self.database.widget_session(token).await.map_err(|error| {
            tracing::warn!(%error, "widget session lookup failed");
            WidgetDenied::Unavailable
        })
    }
}

/// What a looked-up session allows: nothing when it is unknown or has expired.
pub fn grant_of(session: Option<WidgetSession>) -> Result<WidgetGrant, WidgetDenied> {
    let session = session.ok_or(WidgetDenied::UnknownSession)?;
    if session.is_expired(now_ms()) {
        return Err(WidgetDenied::Expired);
    }
    Ok(WidgetGrant {
        session_id: session.id,
        merchant_id: session.merchant_id,
        allowed_origins: session.allowed_origins,
        customer_email: session.customer_email,
        expires_at_ms: session.expires_at_ms,
    })
}

#[async_trait::async_trait]
impl WidgetAccess for WidgetSessions {
    async fn grant(&self, token: &str) -> Result<WidgetGrant, WidgetDenied> {
        grant_of(self.session(token).await?)
    }

    async fn latest_card_id(&self, grant: &WidgetGrant) -> Result<Option<String>, WidgetDenied> {
        self.database
            .latest_card_with_order_prefix(&grant.merchant_id, &grant.order_no_prefix())
            .await
            .map_err(|error| {
                tracing::warn!(%error, "widget card lookup failed");
                WidgetDenied::Unavailable
            })
    }
}
