use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::domain::issuing::{CardRange, CardView, IssueError, NewCard};

/// One page of a merchant's cards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardPage {
    pub cards: Vec<CardView>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

/// A card's secrets, decrypted for an explicit reveal only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevealedCard {
    pub number: String,
    pub cvc: String,
}

impl std::fmt::Debug for RevealedCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RevealedCard(..)") // never printed, even by accident
    }
}

/// The issuing core as every front door sees it: dialect A, dialect B and the widget all call this,
/// always on behalf of one merchant, so one merchant's cards never reach another.
#[async_trait::async_trait]
pub trait CardIssuing: Send + Sync {
    async fn create_card(
        &self,
        merchant_id: &str,
        request: NewCard,
    ) -> Result<CardView, IssueError>;
    async fn card(&self, merchant_id: &str, card_id: &str) -> Result<CardView, IssueError>;
    async fn card_by_order_no(
        &self,
        merchant_id: &str,
        order_no: &str,
    ) -> Result<CardView, IssueError>;
    async fn cards(
        &self,
        merchant_id: &str,
        page: i64,
        page_size: i64,
    ) -> Result<CardPage, IssueError>;
    async fn card_ranges(&self, merchant_id: &str) -> Result<Vec<CardRange>, IssueError>;
    async fn reveal(&self, merchant_id: &str, card_id: &str) -> Result<RevealedCard, IssueError>;
}

pub type SharedCardIssuing = Arc<dyn CardIssuing>;
