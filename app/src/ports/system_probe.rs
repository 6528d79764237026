use std::sync::Arc;

use crate::api::system::SystemStatus;

/// Reports on the health of the storage behind the application.
#[async_trait::async_trait]
pub trait SystemProbe: Send + Sync {
    async fn status(&self) -> Result<SystemStatus, String>;
}

pub type SharedSystemProbe = Arc<dyn SystemProbe>;
