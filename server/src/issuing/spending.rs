//! [`CardSpending`] for the issuing core: settings, withdrawals and authorizations, all through
//! the same store and ledger as issuance.

use app::domain::ids::{AuthorizationId, CardId, MerchantId};
use app::{
    domain::{
        issuing::{CardView, IssueError},
        order_no::OrderNo,
        spend_controls::Purchase,
        CardStatus, Cents,
    },
    ports::{AuthorizationView, CardIssuing, CardSettings, CardSpending, PurchaseRequest},
};

use super::{
    catalog::bin_profile,
    errors::{operation_error, store_failure},
    IssuingService,
};
use crate::store::spend_controls::StoredControls;

impl IssuingService {
    /// Not found unless the card is the merchant's: one indexed lookup, not a whole card view.
    async fn require_own_card(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<(), IssueError> {
        match self.database.owns_card(merchant_id, card_id).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(IssueError::CardNotFound),
            Err(error) => Err(store_failure(error)),
        }
    }
}

#[async_trait::async_trait]
impl CardSpending for IssuingService {
    #[tracing::instrument(skip_all, fields(%merchant_id, %card_id))]
    async fn settings(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<CardSettings, IssueError> {
        let stored = self
            .database
            .card_controls(merchant_id, card_id)
            .await
            .map_err(store_failure)?
            .ok_or(IssueError::CardNotFound)?;
        Ok(CardSettings {
            controls: stored.controls,
            nick_name: stored.nick_name,
        })
    }

    #[tracing::instrument(skip_all, fields(%merchant_id, %card_id))]
    async fn update_settings(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
        settings: CardSettings,
    ) -> Result<CardSettings, IssueError> {
        let card = self.card(merchant_id, card_id).await?;
        if matches!(
            card.status,
            CardStatus::Deleted | CardStatus::CardFailedRefund
        ) {
            return Err(IssueError::IllegalTransition(format!(
                "a card in status {} has no settings to change",
                card.status
            )));
        }
        let mut controls = settings.controls;
        if controls.is_autolimit {
            controls.limit_per_transaction = card.balance;
        } else if !controls.limit_per_transaction.is_positive()
            || controls.limit_per_transaction > card.balance
        {
            return Err(IssueError::Invalid {
                field: "limit_per_transaction".into(),
                message: format!(
                    "with is_autolimit false it must be positive and not above the card's balance ({})",
                    card.balance
                ),
            });
        }
        let stored = StoredControls {
            controls,
            nick_name: settings.nick_name,
        };
        self.database
            .set_card_controls(card_id, &stored, false)
            .await
            .map_err(store_failure)?;
        tracing::info!(%card_id, %merchant_id, "card settings changed");
        Ok(CardSettings {
            controls: stored.controls,
            nick_name: stored.nick_name,
        })
    }

    #[tracing::instrument(skip_all, fields(%merchant_id, %card_id))]
    async fn install_settings(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
        settings: CardSettings,
    ) -> Result<(), IssueError> {
        self.require_own_card(merchant_id, card_id).await?;
        let stored = StoredControls {
            controls: settings.controls,
            nick_name: settings.nick_name,
        };
        self.database
            .set_card_controls(card_id, &stored, false)
            .await
            .map_err(store_failure)
    }

    #[tracing::instrument(skip_all, fields(%merchant_id, %card_id))]
    async fn withdraw(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
        amount: Cents,
        reference: OrderNo,
    ) -> Result<CardView, IssueError> {
        let posted = self
            .database
            .withdraw_from_card(merchant_id, card_id, amount, reference.as_str())
            .await
            .map_err(|error| match operation_error(error) {
                IssueError::InsufficientFunds { available, .. } => IssueError::CardFundsShort {
                    available,
                    needed: amount,
                },
                IssueError::IllegalTransition(_) => IssueError::IllegalTransition(
                    "only an ACTIVE or FREEZE card can be withdrawn from".into(),
                ),
                other => other,
            })?;
        if posted {
            tracing::info!(
                %card_id,
                %merchant_id,
                amount = amount.0,
                "card withdrawn from"
            );
        }
        self.card(merchant_id, card_id).await
    }

    #[tracing::instrument(skip_all, fields(%merchant_id, %card_id))]
    async fn pending_holds(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<Cents, IssueError> {
        self.require_own_card(merchant_id, card_id).await?;
        self.database
            .pending_holds(card_id)
            .await
            .map_err(store_failure)
    }

    #[tracing::instrument(skip_all, fields(%merchant_id, %card_id))]
    async fn authorize(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
        purchase: PurchaseRequest,
    ) -> Result<AuthorizationView, IssueError> {
        let card = self.card(merchant_id, card_id).await?;
        let bin_merchants: Vec<String> = bin_profile(&card.range_id)
            .map(|profile| profile.merchants.iter().map(|m| (*m).to_owned()).collect())
            .unwrap_or_default();
        let authorization = self
            .database
            .authorize_purchase(
                merchant_id,
                card_id,
                &Purchase {
                    amount: purchase.amount,
                    currency: purchase.currency,
                    merchant_name: purchase.merchant_name,
                    at_ms: self.database.now_ms(),
                },
                &purchase.category,
                &bin_merchants,
            )
            .await
            .map_err(operation_error)?;
        tracing::info!(
            %card_id,
            %merchant_id,
            authorization_id = %authorization.id,
            status = authorization.status.code(),
            "purchase authorization decided"
        );
        Ok(authorization)
    }

    #[tracing::instrument(skip_all, fields(%merchant_id, %authorization_id))]
    async fn settle(
        &self,
        merchant_id: &MerchantId,
        authorization_id: &AuthorizationId,
        capture: bool,
    ) -> Result<AuthorizationView, IssueError> {
        self.database
            .settle_authorization(
                merchant_id,
                authorization_id,
                capture,
                self.database.now_ms(),
            )
            .await
            .map_err(operation_error)
    }

    #[tracing::instrument(skip_all, fields(%merchant_id, %card_id))]
    async fn authorizations(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<Vec<AuthorizationView>, IssueError> {
        self.require_own_card(merchant_id, card_id).await?;
        self.database
            .card_authorizations(card_id)
            .await
            .map_err(store_failure)
    }
}
