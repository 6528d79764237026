use serde::{Deserialize, Serialize};

use super::CardStatus;

/// The five stages a new card goes through, as the seed describes them. The tracker shows these;
/// the card's status follows from them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProvisioningStage {
    OpeningCard,
    CreatingCardholder,
    CreatingVirtualCard,
    ActivatingCard,
    Activated,
}

use ProvisioningStage::*;

impl ProvisioningStage {
    pub const ALL: [ProvisioningStage; 5] = [
        OpeningCard,
        CreatingCardholder,
        CreatingVirtualCard,
        ActivatingCard,
        Activated,
    ];

    pub fn label(self) -> &'static str {
        match self {
            OpeningCard => "Opening Card",
            CreatingCardholder => "Creating Cardholder",
            CreatingVirtualCard => "Creating Virtual Card",
            ActivatingCard => "Activating Card",
            Activated => "Activated",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            OpeningCard => "opening_card",
            CreatingCardholder => "creating_cardholder",
            CreatingVirtualCard => "creating_virtual_card",
            ActivatingCard => "activating_card",
            Activated => "activated",
        }
    }

    pub fn parse(code: &str) -> Option<ProvisioningStage> {
        Self::ALL.into_iter().find(|stage| stage.code() == code)
    }

    /// The card status while this stage is the current one.
    pub fn status(self) -> CardStatus {
        match self {
            OpeningCard | CreatingCardholder => CardStatus::Init,
            CreatingVirtualCard => CardStatus::InitCreateCard,
            ActivatingCard => CardStatus::ActiveCard,
            Activated => CardStatus::Active,
        }
    }

    pub fn next(self) -> Option<ProvisioningStage> {
        Self::ALL.into_iter().find(|stage| *stage > self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_walk_the_status_machine_legally() {
        let mut stage = OpeningCard;
        while let Some(next) = stage.next() {
            let (from, to) = (stage.status(), next.status());
            assert!(
                from == to || from.can_become(to),
                "{} → {}",
                stage.label(),
                next.label()
            );
            stage = next;
        }
        assert_eq!(stage, Activated);
        assert_eq!(stage.status(), CardStatus::Active);
    }

    #[test]
    fn every_unfinished_stage_may_fail_with_a_refund() {
        for stage in ProvisioningStage::ALL
            .into_iter()
            .filter(|s| *s != Activated)
        {
            assert!(
                stage.status().can_become(CardStatus::CardFailedRefund),
                "{}",
                stage.label()
            );
        }
    }

    #[test]
    fn codes_round_trip() {
        for stage in ProvisioningStage::ALL {
            assert_eq!(ProvisioningStage::parse(stage.code()), Some(stage));
        }
    }
}
