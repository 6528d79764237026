use std::sync::Arc;

/// What a valid widget session allows: acting for one merchant, on the cards made through this
/// session only, from the listed partner origins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WidgetGrant {
    pub session_id: String,
    pub merchant_id: String,
    pub allowed_origins: Vec<String>,
    /// Prefilled into the form, and the KYC customer of the cards made here.
    pub customer_email: Option<String>,
    pub expires_at_ms: i64,
}

impl WidgetGrant {
    /// Every card this session makes has an orderNo starting with this, which is how the session
    /// recognises its own cards (and idempotency keys of two sessions can never collide).
    pub fn order_no_prefix(&self) -> String {
        format!("w{}-", self.session_id)
    }

    pub fn owns_order_no(&self, order_no: &str) -> bool {
        order_no.starts_with(&self.order_no_prefix())
    }

    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|allowed| allowed == origin)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WidgetDenied {
    #[error("This card form link is not valid. Ask the site you came from to reload it.")]
    UnknownSession,
    #[error("This card form has expired. Reload the page to start again.")]
    Expired,
    #[error("This site is not allowed to show this card form.")]
    OriginNotAllowed,
    #[error("The card service is not available right now. Please try again shortly.")]
    Unavailable,
}

/// Widget sessions as the widget's server functions and endpoints see them.
#[async_trait::async_trait]
pub trait WidgetAccess: Send + Sync {
    /// The session a token opens, if it exists and has not expired.
    async fn grant(&self, token: &str) -> Result<WidgetGrant, WidgetDenied>;
    /// The newest card made through this session, so a reload resumes it.
    async fn latest_card_id(&self, grant: &WidgetGrant) -> Result<Option<String>, WidgetDenied>;
}

pub type SharedWidgetAccess = Arc<dyn WidgetAccess>;
