use serde::{Deserialize, Serialize};

/// Where a customer's identity verification stands. Only `Approved` lifts the KYC gate on
/// recharges above 1000 USD.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum KycStatus {
    /// Known customer, never verified.
    None,
    Pending,
    Approved,
    Rejected,
}

impl KycStatus {
    pub const ALL: [KycStatus; 4] = [
        KycStatus::None,
        KycStatus::Pending,
        KycStatus::Approved,
        KycStatus::Rejected,
    ];

    pub fn code(self) -> &'static str {
        match self {
            KycStatus::None => "NONE",
            KycStatus::Pending => "PENDING",
            KycStatus::Approved => "APPROVED",
            KycStatus::Rejected => "REJECTED",
        }
    }

    pub fn parse(code: &str) -> Option<KycStatus> {
        Self::ALL.into_iter().find(|status| status.code() == code)
    }
}

/// A merchant's customer and where their KYC stands, as an answer to a submission or a query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KycView {
    pub user_id: String,
    pub email: String,
    pub customer_id: Option<String>,
    pub status: KycStatus,
    pub rejection_reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::KycStatus;

    #[test]
    fn codes_round_trip() {
        for status in KycStatus::ALL {
            assert_eq!(KycStatus::parse(status.code()), Some(status));
        }
    }
}
