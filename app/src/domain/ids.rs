//! Typed identifiers. Every id is an opaque string on the wire and in the database, but in the
//! code a card's id and a merchant's id are different types: passing one where the other belongs
//! does not compile. Ids are wrapped once where they enter (an authenticated API key, a path
//! segment, a stored row) and unwrapped only to be bound into SQL or written out.
//!
//! One generic type with a marker per kind, rather than one hand-written newtype per kind: the
//! kinds share every behaviour, so there is one definition to read.

use std::{fmt, marker::PhantomData};

use serde::{Deserialize, Serialize};

/// An identifier of the kind `K` (see the aliases below).
#[derive(Serialize, Deserialize)]
#[serde(transparent)]
pub struct Id<K> {
    value: String,
    #[serde(skip)]
    kind: PhantomData<K>,
}

/// The merchant an API key, a widget session or a console user belongs to (`m_…`).
pub type MerchantId = Id<MerchantKind>;
/// A card (`c_…`).
pub type CardId = Id<CardKind>;
/// A merchant's customer, the person a card is issued for (`u_…`; dialect B calls it a user).
pub type CustomerId = Id<CustomerKind>;
/// A person who signs in to the console (`usr_…`).
pub type UserId = Id<UserKind>;
/// A widget session (`ws_…`), not its secret token.
pub type SessionId = Id<SessionKind>;
/// A purchase authorization on a card (`auth_…`).
pub type AuthorizationId = Id<AuthorizationKind>;
/// An API key (`key_…`): the public part of its token, never its secret.
pub type ApiKeyId = Id<ApiKeyKind>;

// Markers: never constructed, they only tell the kinds apart.
#[derive(Debug)]
pub enum MerchantKind {}
#[derive(Debug)]
pub enum CardKind {}
#[derive(Debug)]
pub enum CustomerKind {}
#[derive(Debug)]
pub enum SessionKind {}
#[derive(Debug)]
pub enum UserKind {}
#[derive(Debug)]
pub enum AuthorizationKind {}
#[derive(Debug)]
pub enum ApiKeyKind {}

impl<K> Id<K> {
    /// Wraps an id that arrived from outside or from storage. Ids are opaque: an id that names
    /// nothing is answered "not found" by whoever looks it up, not refused here.
    pub fn new(value: impl Into<String>) -> Self {
        Id {
            value: value.into(),
            kind: PhantomData,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }

    pub fn into_string(self) -> String {
        self.value
    }
}

/// How a stored row's text becomes an id (sqlx's `#[sqlx(try_from = "String")]` uses it).
impl<K> From<String> for Id<K> {
    fn from(value: String) -> Self {
        Id::new(value)
    }
}

// Written by hand because derives would demand the marker implement each trait.
impl<K> Clone for Id<K> {
    fn clone(&self) -> Self {
        Id::new(self.value.clone())
    }
}

impl<K> PartialEq for Id<K> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<K> Eq for Id<K> {}

impl<K> PartialOrd for Id<K> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<K> Ord for Id<K> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.value.cmp(&other.value)
    }
}

impl<K> std::hash::Hash for Id<K> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

impl<K> fmt::Debug for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.value, f)
    }
}

impl<K> fmt::Display for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

impl<K> PartialEq<str> for Id<K> {
    fn eq(&self, other: &str) -> bool {
        self.value == other
    }
}

impl<K> PartialEq<&str> for Id<K> {
    fn eq(&self, other: &&str) -> bool {
        self.value == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_its_string_on_the_wire() {
        let card = CardId::new("c_123");
        assert_eq!(serde_json::to_string(&card).unwrap(), r#""c_123""#);
        let back: CardId = serde_json::from_str(r#""c_123""#).unwrap();
        assert_eq!(back, card);
        assert_eq!(card.to_string(), "c_123");
        assert_eq!(format!("{card:?}"), r#""c_123""#);
    }

    #[test]
    fn ids_of_one_kind_compare_by_value() {
        let mut ids = [MerchantId::new("m_b"), MerchantId::new("m_a")];
        ids.sort();
        assert_eq!(ids[0], "m_a");
        assert_ne!(ids[0], ids[1]);
    }
}
