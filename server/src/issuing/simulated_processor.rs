//! A stand-in for a real card processor: each stage takes a configurable time and fails at a
//! configurable rate. Tests and demos steer it with reserved cardholder last names:
//!
//! | last name        | effect                                                     |
//! |------------------|------------------------------------------------------------|
//! | `Failopening`    | declined at Opening Card                                   |
//! | `Failcardholder` | declined at Creating Cardholder                            |
//! | `Failvirtual`    | declined at Creating Virtual Card                          |
//! | `Failactivation` | declined at Activating Card                                |
//! | `Flaky`          | Creating Virtual Card is unavailable once, then succeeds   |

use app::domain::ids::CardId;
use std::{collections::HashSet, sync::Mutex, time::Duration};

use app::{
    domain::provisioning::ProvisioningStage,
    ports::{CardProcessor, StageError},
};

use crate::secrets::random;

pub struct SimulatedProcessor {
    stage_delay: Duration,
    /// Probability in [0, 1] that a stage is declined; a simulation knob, not money.
    failure_rate: f64,
    flaky_seen: Mutex<HashSet<CardId>>,
}

impl SimulatedProcessor {
    pub fn new(stage_delay: Duration, failure_rate: f64) -> Self {
        Self {
            stage_delay,
            failure_rate: failure_rate.clamp(0.0, 1.0),
            flaky_seen: Mutex::new(HashSet::new()),
        }
    }
}

/// The stage a reserved last name declines, if any.
pub fn declined_stage(last_name: &str) -> Option<ProvisioningStage> {
    match last_name.to_ascii_lowercase().as_str() {
        "failopening" => Some(ProvisioningStage::OpeningCard),
        "failcardholder" => Some(ProvisioningStage::CreatingCardholder),
        "failvirtual" => Some(ProvisioningStage::CreatingVirtualCard),
        "failactivation" => Some(ProvisioningStage::ActivatingCard),
        _ => None,
    }
}

#[async_trait::async_trait]
impl CardProcessor for SimulatedProcessor {
    async fn perform(
        &self,
        card_id: &CardId,
        holder: (&str, &str),
        stage: ProvisioningStage,
    ) -> Result<(), StageError> {
        tokio::time::sleep(self.stage_delay).await;
        if declined_stage(holder.1) == Some(stage) {
            return Err(StageError::Declined(format!(
                "the processor declined the card at {}",
                stage.label()
            )));
        }
        if holder.1.eq_ignore_ascii_case("flaky") && stage == ProvisioningStage::CreatingVirtualCard
        {
            let first_time = self
                .flaky_seen
                .lock()
                .expect("not poisoned")
                .insert(card_id.to_owned());
            if first_time {
                return Err(StageError::Unavailable(
                    "the processor timed out".to_owned(),
                ));
            }
        }
        if self.failure_rate > 0.0 {
            let roll = f64::from(u32::from_le_bytes(random::bytes::<4>())) / f64::from(u32::MAX);
            if roll < self.failure_rate {
                return Err(StageError::Declined(format!(
                    "the processor declined the card at {}",
                    stage.label()
                )));
            }
        }
        Ok(())
    }
}
