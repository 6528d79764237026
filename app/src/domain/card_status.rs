use serde::{Deserialize, Serialize};

/// A card's lifecycle state, with the names and texts of the dialect A seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CardStatus {
    #[serde(rename = "INIT")]
    Init,
    #[serde(rename = "INIT CREATE CARD")]
    InitCreateCard,
    #[serde(rename = "ACTIVE CARD")]
    ActiveCard,
    #[serde(rename = "ACTIVE")]
    Active,
    #[serde(rename = "CARD FAILED REFUND")]
    CardFailedRefund,
    #[serde(rename = "FREEZE")]
    Freeze,
    #[serde(rename = "CANCELLING")]
    Cancelling,
    #[serde(rename = "DELETED")]
    Deleted,
    #[serde(rename = "EXPIRED")]
    Expired,
}

use CardStatus::*;

/// Every legal move, and only those. Anything not listed is refused and never written.
/// - provisioning walks INIT → INIT CREATE CARD → ACTIVE CARD → ACTIVE, and may fail (with a full
///   refund) from any of its stages;
/// - an active card can be frozen and unfrozen, cancelled, or expire;
/// - cancelling (returning the remaining balance) ends in DELETED; an expired card is cancelled the
///   same way so its balance goes back to the merchant.
const TRANSITIONS: &[(CardStatus, CardStatus)] = &[
    (Init, InitCreateCard),
    (Init, CardFailedRefund),
    (InitCreateCard, ActiveCard),
    (InitCreateCard, CardFailedRefund),
    (ActiveCard, Active),
    (ActiveCard, CardFailedRefund),
    (Active, Freeze),
    (Active, Cancelling),
    (Active, Expired),
    (Freeze, Active),
    (Freeze, Cancelling),
    (Freeze, Expired),
    (Expired, Cancelling),
    (Cancelling, Deleted),
];

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a card in status {from} cannot become {to}")]
pub struct IllegalTransition {
    pub from: CardStatus,
    pub to: CardStatus,
}

impl CardStatus {
    pub const ALL: [CardStatus; 9] = [
        Init,
        InitCreateCard,
        ActiveCard,
        Active,
        CardFailedRefund,
        Freeze,
        Cancelling,
        Deleted,
        Expired,
    ];

    /// The seed's status code, e.g. `INIT CREATE CARD`.
    pub fn code(self) -> &'static str {
        match self {
            Init => "INIT",
            InitCreateCard => "INIT CREATE CARD",
            ActiveCard => "ACTIVE CARD",
            Active => "ACTIVE",
            CardFailedRefund => "CARD FAILED REFUND",
            Freeze => "FREEZE",
            Cancelling => "CANCELLING",
            Deleted => "DELETED",
            Expired => "EXPIRED",
        }
    }

    /// The seed's human text for the status (`statusText`).
    pub fn text(self) -> &'static str {
        match self {
            Init => "Card opening",
            InitCreateCard => "Create Virtual Card",
            ActiveCard => "Activate Card",
            Active => "Activated",
            CardFailedRefund => "Card creation failed, full refund",
            Freeze => "Frozen",
            Cancelling => "Deleting card",
            Deleted => "Permanently delete",
            Expired => "Expired",
        }
    }

    pub fn parse(code: &str) -> Option<CardStatus> {
        Self::ALL.into_iter().find(|status| status.code() == code)
    }

    pub fn can_become(self, to: CardStatus) -> bool {
        TRANSITIONS.contains(&(self, to))
    }

    /// The checked move: `Ok(to)` when the table allows it.
    pub fn transition(self, to: CardStatus) -> Result<CardStatus, IllegalTransition> {
        if self.can_become(to) {
            Ok(to)
        } else {
            Err(IllegalTransition { from: self, to })
        }
    }

    /// Still being provisioned: the worker owns the card.
    pub fn is_provisioning(self) -> bool {
        matches!(self, Init | InitCreateCard | ActiveCard)
    }

    /// No move leads out of it.
    pub fn is_final(self) -> bool {
        !Self::ALL.into_iter().any(|to| self.can_become(to))
    }

    /// PAN, CVC and expiry exist only once the card is activated and while it lives.
    pub fn has_card_details(self) -> bool {
        matches!(self, Active | Freeze | Cancelling | Expired)
    }
}

impl std::fmt::Display for CardStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_table() {
        let allowed: &[(CardStatus, &[CardStatus])] = &[
            (Init, &[InitCreateCard, CardFailedRefund]),
            (InitCreateCard, &[ActiveCard, CardFailedRefund]),
            (ActiveCard, &[Active, CardFailedRefund]),
            (Active, &[Freeze, Cancelling, Expired]),
            (CardFailedRefund, &[]),
            (Freeze, &[Active, Cancelling, Expired]),
            (Cancelling, &[Deleted]),
            (Deleted, &[]),
            (Expired, &[Cancelling]),
        ];
        for (from, targets) in allowed {
            for to in CardStatus::ALL {
                let expected = targets.contains(&to);
                assert_eq!(from.can_become(to), expected, "{from} → {to}");
                assert_eq!(from.transition(to).is_ok(), expected, "{from} → {to}");
            }
        }
    }

    #[test]
    fn final_states() {
        let finals: Vec<_> = CardStatus::ALL
            .into_iter()
            .filter(|s| s.is_final())
            .collect();
        assert_eq!(finals, [CardFailedRefund, Deleted]);
    }

    #[test]
    fn codes_round_trip_and_match_serde() {
        for status in CardStatus::ALL {
            assert_eq!(CardStatus::parse(status.code()), Some(status));
            assert_eq!(
                serde_json::to_string(&status).unwrap(),
                format!("\"{}\"", status.code())
            );
        }
    }

    #[test]
    fn refusal_names_both_states() {
        let error = Deleted.transition(Active).unwrap_err();
        assert_eq!(
            error.to_string(),
            "a card in status DELETED cannot become ACTIVE"
        );
    }
}
