use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use crate::domain::card_activity::CardTransactionView;
pub use crate::domain::kyc::KycView;
pub use crate::domain::kyc_identity::SharedKyc;
use crate::domain::{
    ids::{CardId, MerchantId},
    issuing::{CardRange, CardView, IssueError, NewCard, RevealedCard},
    kyc_identity::AchIdentity,
    order_no::OrderNo,
    recharge::Recharge,
};

/// Which of a merchant's cards a list shows; `None` fields do not filter.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardFilter {
    pub status: Option<crate::domain::CardStatus>,
    /// The email of the customer (dialect B: the user) the card was issued for.
    pub customer_email: Option<String>,
    /// One of the card's labels.
    pub tag: Option<String>,
}

/// One page of a merchant's cards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardPage {
    pub cards: Vec<CardView>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

/// The issuing core as every front door sees it: dialect A, dialect B and the widget all call this,
/// always on behalf of one merchant, so one merchant's cards never reach another.
#[async_trait::async_trait]
pub trait CardIssuing: Send + Sync {
    async fn create_card(
        &self,
        merchant_id: &MerchantId,
        request: NewCard,
    ) -> Result<CardView, IssueError>;
    async fn card(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<CardView, IssueError>;
    /// The number of the card's newest event (0 before its first): one cheap read, so a live
    /// status stream can look often and read the whole card only when something happened.
    async fn latest_event_seq(&self, card_id: &CardId) -> Result<i64, IssueError>;
    async fn card_by_order_no(
        &self,
        merchant_id: &MerchantId,
        order_no: &str,
    ) -> Result<CardView, IssueError>;
    async fn cards(
        &self,
        merchant_id: &MerchantId,
        filter: CardFilter,
        page: i64,
        page_size: i64,
    ) -> Result<CardPage, IssueError>;
    async fn card_ranges(&self, merchant_id: &MerchantId) -> Result<Vec<CardRange>, IssueError>;
    async fn reveal(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<RevealedCard, IssueError>;
    /// Tops the card up from the wallet; `order_no` makes it happen once.
    async fn recharge(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
        amount: Recharge,
        order_no: OrderNo,
    ) -> Result<CardView, IssueError>;
    async fn freeze(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<CardView, IssueError>;
    async fn unfreeze(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<CardView, IssueError>;
    /// Deletes the card; its remaining balance goes back to the wallet.
    async fn delete(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<CardView, IssueError>;
    async fn transactions(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<Vec<CardTransactionView>, IssueError>;
    async fn submit_ach_kyc(
        &self,
        merchant_id: &MerchantId,
        identity: AchIdentity,
    ) -> Result<KycView, IssueError>;
    async fn sync_shared_kyc(
        &self,
        merchant_id: &MerchantId,
        attestation: SharedKyc,
    ) -> Result<KycView, IssueError>;
    async fn kyc(&self, merchant_id: &MerchantId, email: &str) -> Result<KycView, IssueError>;
    /// The secret the merchant's callbacks are signed with (Standard Webhooks, `whsec_…`).
    async fn webhook_secret(&self, merchant_id: &MerchantId) -> Result<String, IssueError>;
}

pub type SharedCardIssuing = Arc<dyn CardIssuing>;
