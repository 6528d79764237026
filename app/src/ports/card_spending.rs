//! The spending side of the core: spend controls, withdrawals and purchase authorizations. Every
//! card has them, whichever dialect issued it; dialect B is the front door that exposes them.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use crate::domain::card_activity::AuthorizationView;
use crate::domain::{
    ids::{AuthorizationId, CardId, MerchantId},
    issuing::{CardView, IssueError},
    order_no::OrderNo,
    spend_controls::SpendControls,
    Cents,
};

/// A card's controls and its nickname.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardSettings {
    pub controls: SpendControls,
    pub nick_name: Option<String>,
}

/// A purchase to authorize (the sandbox's stand-in for a card network's request).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseRequest {
    pub amount: Cents,
    pub currency: String,
    pub merchant_name: String,
    pub category: String,
}

#[async_trait::async_trait]
pub trait CardSpending: Send + Sync {
    async fn settings(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<CardSettings, IssueError>;
    /// Replaces the card's settings. With autolimit off, the per-transaction ceiling must be
    /// positive and not above the balance; with it on, the ceiling becomes the balance.
    async fn update_settings(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
        settings: CardSettings,
    ) -> Result<CardSettings, IssueError>;
    /// Writes the settings a card is created with, as the caller computed them against the
    /// balance at creation: not checked against today's balance, which the first month's fee
    /// may already have lowered.
    async fn install_settings(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
        settings: CardSettings,
    ) -> Result<(), IssueError>;
    /// Takes part of the balance back to the wallet; `reference` makes it happen once.
    async fn withdraw(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
        amount: Cents,
        reference: OrderNo,
    ) -> Result<CardView, IssueError>;
    /// Funds held by the card's pending authorizations.
    async fn pending_holds(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<Cents, IssueError>;
    async fn authorize(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
        purchase: PurchaseRequest,
    ) -> Result<AuthorizationView, IssueError>;
    /// Captures (moves the money through the ledger) or reverses a pending authorization.
    async fn settle(
        &self,
        merchant_id: &MerchantId,
        authorization_id: &AuthorizationId,
        capture: bool,
    ) -> Result<AuthorizationView, IssueError>;
    async fn authorizations(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<Vec<AuthorizationView>, IssueError>;
}

pub type SharedCardSpending = Arc<dyn CardSpending>;
