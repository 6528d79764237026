use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest name a card network embosses comfortably; longer input is refused, not truncated.
pub const MAX_NAME_LEN: usize = 32;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("must be at least 3 letters")]
    TooShort,
    #[error("must be at most {MAX_NAME_LEN} letters")]
    TooLong,
    #[error("may contain only the letters A-Z and a-z")]
    NotLetters,
}

/// A cardholder's first or last name as the card range accepts it: `[a-zA-Z]{3,}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CardholderName(String);

impl CardholderName {
    pub fn parse(text: &str) -> Result<Self, NameError> {
        if !text.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(NameError::NotLetters);
        }
        match text.len() {
            0..=2 => Err(NameError::TooShort),
            len if len > MAX_NAME_LEN => Err(NameError::TooLong),
            _ => Ok(CardholderName(text.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CardholderName {
    type Error = NameError;
    fn try_from(text: String) -> Result<Self, NameError> {
        Self::parse(&text)
    }
}

impl From<CardholderName> for String {
    fn from(name: CardholderName) -> String {
        name.0
    }
}

impl fmt::Display for CardholderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_three_or_more_ascii_letters() {
        assert_eq!(CardholderName::parse("Milton").unwrap().as_str(), "Milton");
        assert!(CardholderName::parse("Abe").is_ok());
    }

    #[test]
    fn refuses_everything_else() {
        assert_eq!(CardholderName::parse("Al"), Err(NameError::TooShort));
        assert_eq!(CardholderName::parse(""), Err(NameError::TooShort));
        assert_eq!(CardholderName::parse("O'Brien"), Err(NameError::NotLetters));
        assert_eq!(
            CardholderName::parse("Mary Ann"),
            Err(NameError::NotLetters)
        );
        assert_eq!(CardholderName::parse("José"), Err(NameError::NotLetters));
        assert_eq!(
            CardholderName::parse(&"a".repeat(33)),
            Err(NameError::TooLong)
        );
    }
}
