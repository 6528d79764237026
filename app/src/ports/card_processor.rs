use crate::domain::{ids::CardId, provisioning::ProvisioningStage};

/// What a processor said about one provisioning stage.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StageError {
    /// The processor refused for good: the card fails and its deposit is refunded.
    #[error("{0}")]
    Declined(String),
    /// Worth another try later (timeouts, outages).
    #[error("{0}")]
    Unavailable(String),
}

/// The card processor behind Cardkit, one call per provisioning stage. Calls must be idempotent
/// per (card, stage): after a crash the same stage may be asked again and must not act twice.
#[async_trait::async_trait]
pub trait CardProcessor: Send + Sync {
    async fn perform(
        &self,
        card_id: &CardId,
        holder: (&str, &str),
        stage: ProvisioningStage,
    ) -> Result<(), StageError>;
}
