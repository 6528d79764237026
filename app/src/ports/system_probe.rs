use std::sync::Arc;

use crate::api::system::SystemStatus;

/// Reports on the health of the storage behind the application.
#[async_trait::async_trait]
pub trait SystemProbe: Send + Sync {
    async fn status(&self) -> Result<SystemStatus, String>;
    /// Which database this is (`sqlite`, `postgres`): for operators' readiness checks, never
    /// for the public page.
    fn database_kind(&self) -> &'static str;
}

pub type SharedSystemProbe = Arc<dyn SystemProbe>;
