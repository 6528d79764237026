use serde::{Deserialize, Serialize};

/// The monthly fee plan a card is opened on; each card range prices the three plans.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum FeeType {
    One,
    Two,
    Three,
}

impl FeeType {
    pub const ALL: [FeeType; 3] = [FeeType::One, FeeType::Two, FeeType::Three];

    pub fn as_str(self) -> &'static str {
        match self {
            FeeType::One => "ONE",
            FeeType::Two => "TWO",
            FeeType::Three => "THREE",
        }
    }

    /// The plan's place in [`FeeType::ALL`], for data kept in plan order.
    pub fn index(self) -> usize {
        match self {
            FeeType::One => 0,
            FeeType::Two => 1,
            FeeType::Three => 2,
        }
    }

    pub fn parse(text: &str) -> Option<FeeType> {
        Self::ALL
            .into_iter()
            .find(|fee_type| fee_type.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::FeeType;

    #[test]
    fn round_trips_its_names_and_nothing_else() {
        for fee_type in FeeType::ALL {
            assert_eq!(FeeType::parse(fee_type.as_str()), Some(fee_type));
            assert_eq!(FeeType::ALL[fee_type.index()], fee_type);
        }
        assert_eq!(FeeType::parse("one"), None);
        assert_eq!(FeeType::parse("FOUR"), None);
    }
}
