use serde::{Deserialize, Serialize};

pub const MAX_ORDER_NO_LEN: usize = 64;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OrderNoError {
    #[error("orderNo is required")]
    Empty,
    #[error("orderNo is at most {MAX_ORDER_NO_LEN} characters")]
    TooLong,
    #[error("orderNo may contain only letters, digits and - _ . :")]
    BadCharacters,
}

/// The merchant's own reference for a card request, unique per merchant: the idempotency key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrderNo(String);

impl OrderNo {
    pub fn parse(text: &str) -> Result<Self, OrderNoError> {
        if text.is_empty() {
            return Err(OrderNoError::Empty);
        }
        if text.len() > MAX_ORDER_NO_LEN {
            return Err(OrderNoError::TooLong);
        }
        if !text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        {
            return Err(OrderNoError::BadCharacters);
        }
        Ok(OrderNo(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OrderNo {
    type Error = OrderNoError;
    fn try_from(text: String) -> Result<Self, OrderNoError> {
        Self::parse(&text)
    }
}

impl From<OrderNo> for String {
    fn from(order_no: OrderNo) -> String {
        order_no.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_seed_example_and_refuses_junk() {
        assert!(OrderNo::parse("v_5bc814").is_ok());
        assert_eq!(OrderNo::parse(""), Err(OrderNoError::Empty));
        assert_eq!(OrderNo::parse("a b"), Err(OrderNoError::BadCharacters));
        assert_eq!(OrderNo::parse(&"x".repeat(65)), Err(OrderNoError::TooLong));
    }
}
