use app::domain::ids::{CardId, MerchantId};
use std::time::Duration;

use super::{
    created_card::{new_card_view, request_hash},
    errors::{operation_error, store_failure},
};
use crate::{
    secrets::CardCipher,
    store::{
        creation_batcher::CreationBatcher, CardCreation, CreateCardError, CreateOutcome, Database,
        StoreError,
    },
    ttl_cache::TtlCache,
};
use app::{
    domain::{
        issuing::{CardRange, CardView, IssueError, NewCard},
        kyc_identity::AchIdentity,
        order_no::OrderNo,
        recharge::Recharge,
        CardStatus,
    },
    ports::{
        CardFilter, CardIssuing, CardPage, CardTransactionView, KycView, RevealedCard, SharedKyc,
    },
};

const RANGE_TTL: Duration = Duration::from_secs(10);

/// Largest page a list request may ask for.
pub const MAX_PAGE_SIZE: i64 = 100;

/// The one issuing core behind every front door.
pub struct IssuingService {
    pub(super) database: Database,
    /// Card creations go through here, so concurrent ones share a commit.
    creations: CreationBatcher,
    /// (merchant, range id) → the range, when the merchant may issue from it: read by every
    /// creation, changed by operators only; a change is seen within [`RANGE_TTL`].
    ranges: TtlCache<(MerchantId, String), CardRange>,
    cipher: CardCipher,
    /// How long the simulated ACH verifier takes to decide.
    pub(super) kyc_review_delay: Duration,
}

impl IssuingService {
    /// The key that seals secrets at rest, for the other services that keep some.
    pub fn cipher(&self) -> CardCipher {
        self.cipher.clone()
    }

    pub fn new(database: Database, cipher: CardCipher, kyc_review_delay: Duration) -> Self {
        Self {
            creations: CreationBatcher::start(database.clone()),
            ranges: TtlCache::new(RANGE_TTL, 10_000),
            database,
            cipher,
            kyc_review_delay,
        }
    }

    async fn card_range(
        &self,
        merchant_id: &MerchantId,
        range_id: &str,
    ) -> Result<CardRange, IssueError> {
        let key = (merchant_id.to_owned(), range_id.to_owned());
        if let Some(range) = self.ranges.get(&key) {
            return Ok(range);
        }
        let range = self
            .database
            .card_range_for(merchant_id, range_id)
            .await
            .map_err(store_failure)?
            .ok_or_else(|| IssueError::UnknownRange(range_id.to_owned()))?;
        self.ranges.insert(key, range.clone());
        Ok(range)
    }

    #[tracing::instrument(skip_all, fields(%merchant_id, %card_id))]
    async fn transition(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
        to: CardStatus,
    ) -> Result<CardView, IssueError> {
        self.database
            .transition_card(merchant_id, card_id, to)
            .await
            .map_err(operation_error)?;
        tracing::info!(
            %card_id,
            %merchant_id,
            status = to.code(),
            "card status changed"
        );
        self.card(merchant_id, card_id).await
    }
}

#[async_trait::async_trait]
impl CardIssuing for IssuingService {
    #[tracing::instrument(skip_all, fields(%merchant_id))]
    async fn create_card(
        &self,
        merchant_id: &MerchantId,
        request: NewCard,
    ) -> Result<CardView, IssueError> {
        let range = self.card_range(merchant_id, &request.range_id).await?;
        let customer = self.kyc_gate(merchant_id, &request).await?;
        let creation = CardCreation {
            merchant_id: merchant_id.to_owned(),
            request_hash: request_hash(&request),
            customer_id: customer.as_ref().map(|customer| customer.id.clone()),
            request: request.clone(),
        };
        let outcome =
            self.creations
                .create(creation.clone())
                .await
                .map_err(|error| match error {
                    CreateCardError::OrderNoConflict => {
                        IssueError::OrderNoConflict(request.order_no.as_str().to_owned())
                    }
                    CreateCardError::InsufficientFunds { available } => {
                        IssueError::InsufficientFunds {
                            available,
                            needed: request.deposit.amount(),
                        }
                    }
                    CreateCardError::Store(error) => store_failure(error),
                })?;
        match outcome {
            CreateOutcome::Created(created) => {
                tracing::info!(card_id = %created.id, %merchant_id, order_no = request.order_no.as_str(), "card created");
                metrics::counter!("cardkit_cards_created_total").increment(1);
                let user_id = creation.user_id(&created);
                Ok(new_card_view(&request, &range, customer, user_id, created))
            }
            CreateOutcome::Existing(card_id) => self.card(merchant_id, &card_id).await,
        }
    }

    async fn latest_event_seq(&self, card_id: &CardId) -> Result<i64, IssueError> {
        self.database
            .card_event_seq(card_id)
            .await
            .map_err(store_failure)
    }

    #[tracing::instrument(skip_all, fields(%merchant_id, %card_id))]
    async fn card(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<CardView, IssueError> {
        self.database
            .card(merchant_id, card_id)
            .await
            .map_err(store_failure)?
            .ok_or(IssueError::CardNotFound)
    }

    #[tracing::instrument(skip_all, fields(%merchant_id))]
    async fn card_by_order_no(
        &self,
        merchant_id: &MerchantId,
        order_no: &str,
    ) -> Result<CardView, IssueError> {
        self.database
            .card_by_order_no(merchant_id, order_no)
            .await
            .map_err(store_failure)?
            .ok_or(IssueError::CardNotFound)
    }

    #[tracing::instrument(skip_all, fields(%merchant_id))]
    async fn cards(
        &self,
        merchant_id: &MerchantId,
        filter: CardFilter,
        page: i64,
        page_size: i64,
    ) -> Result<CardPage, IssueError> {
        let page = page.max(1);
        let page_size = page_size.clamp(1, MAX_PAGE_SIZE);
        let (cards, total) = self
            .database
            .cards(merchant_id, &filter, page, page_size)
            .await
            .map_err(store_failure)?;
        Ok(CardPage {
            cards,
            total,
            page,
            page_size,
        })
    }

    #[tracing::instrument(skip_all, fields(%merchant_id))]
    async fn card_ranges(&self, merchant_id: &MerchantId) -> Result<Vec<CardRange>, IssueError> {
        self.database
            .card_ranges_for(merchant_id)
            .await
            .map_err(store_failure)
    }

    #[tracing::instrument(skip_all, fields(%merchant_id, %card_id))]
    async fn reveal(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<RevealedCard, IssueError> {
        let card = self.card(merchant_id, card_id).await?;
        if !card.status.has_card_details() {
            return Err(IssueError::IllegalTransition(format!(
                "card details exist only once the card is active; this card is {}",
                card.status
            )));
        }
        let (pan, cvc) = self
            .database
            .card_secrets(merchant_id, card_id)
            .await
            .map_err(store_failure)?
            .ok_or_else(|| {
                store_failure(StoreError::Corrupt(format!(
                    "active card {card_id} has no secrets"
                )))
            })?;
        let number = self
            .cipher
            .decrypt(card_id, "pan", &pan)
            .map_err(|error| store_failure(StoreError::Corrupt(error.to_string())))?;
        let cvc = self
            .cipher
            .decrypt(card_id, "cvc", &cvc)
            .map_err(|error| store_failure(StoreError::Corrupt(error.to_string())))?;
        tracing::info!(%card_id, %merchant_id, "card details revealed");
        Ok(RevealedCard { number, cvc })
    }

    #[tracing::instrument(skip_all, fields(%merchant_id, %card_id))]
    async fn recharge(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
        amount: Recharge,
        order_no: OrderNo,
    ) -> Result<CardView, IssueError> {
        self.card(merchant_id, card_id).await?;
        if amount.requires_kyc() {
            let email = self
                .database
                .card_customer_email(merchant_id, card_id)
                .await
                .map_err(store_failure)?;
            self.require_approved(merchant_id, email.as_deref()).await?;
        }
        let posted = self
            .database
            .recharge_card(merchant_id, card_id, amount.amount(), order_no.as_str())
            .await
            .map_err(|error| match operation_error(error) {
                IssueError::InsufficientFunds { available, .. } => IssueError::InsufficientFunds {
                    available,
                    needed: amount.amount(),
                },
                other => other,
            })?;
        if posted {
            tracing::info!(
                %card_id,
                %merchant_id,
                amount = amount.amount().0,
                "card recharged"
            );
        }
        self.card(merchant_id, card_id).await
    }

    #[tracing::instrument(skip_all, fields(%merchant_id, %card_id))]
    async fn freeze(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<CardView, IssueError> {
        self.transition(merchant_id, card_id, CardStatus::Freeze)
            .await
    }

    #[tracing::instrument(skip_all, fields(%merchant_id, %card_id))]
    async fn unfreeze(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<CardView, IssueError> {
        let card = self.card(merchant_id, card_id).await?;
        if card.status != CardStatus::Freeze {
            return Err(IssueError::IllegalTransition(format!(
                "only a frozen card can be unfrozen; this card is {}",
                card.status
            )));
        }
        self.transition(merchant_id, card_id, CardStatus::Active)
            .await
    }

    #[tracing::instrument(skip_all, fields(%merchant_id, %card_id))]
    async fn delete(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<CardView, IssueError> {
        let returned = self
            .database
            .delete_card(merchant_id, card_id)
            .await
            .map_err(operation_error)?;
        tracing::info!(%card_id, %merchant_id, returned = returned.0, "card deleted");
        self.card(merchant_id, card_id).await
    }

    #[tracing::instrument(skip_all, fields(%merchant_id, %card_id))]
    async fn transactions(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<Vec<CardTransactionView>, IssueError> {
        let transactions = self
            .database
            .card_transactions(merchant_id, card_id)
            .await
            .map_err(operation_error)?;
        Ok(transactions
            .into_iter()
            .map(|t| CardTransactionView {
                id: t.id,
                kind: t.kind,
                reference: t.reference,
                amount: t.amount,
                at_ms: t.at_ms,
            })
            .collect())
    }

    #[tracing::instrument(skip_all, fields(%merchant_id))]
    async fn submit_ach_kyc(
        &self,
        merchant_id: &MerchantId,
        identity: AchIdentity,
    ) -> Result<KycView, IssueError> {
        self.submit_ach(merchant_id, identity).await
    }

    #[tracing::instrument(skip_all, fields(%merchant_id))]
    async fn sync_shared_kyc(
        &self,
        merchant_id: &MerchantId,
        attestation: SharedKyc,
    ) -> Result<KycView, IssueError> {
        self.sync_shared(merchant_id, attestation).await
    }

    #[tracing::instrument(skip_all, fields(%merchant_id))]
    async fn kyc(&self, merchant_id: &MerchantId, email: &str) -> Result<KycView, IssueError> {
        self.customer_kyc(merchant_id, email).await
    }

    #[tracing::instrument(skip_all, fields(%merchant_id))]
    async fn webhook_secret(&self, merchant_id: &MerchantId) -> Result<String, IssueError> {
        let merchant = self
            .database
            .merchant(merchant_id)
            .await
            .map_err(store_failure)?;
        // The caller was just authenticated as this merchant, so it exists.
        let merchant = merchant.ok_or_else(|| {
            store_failure(StoreError::Corrupt(format!(
                "merchant {merchant_id} vanished"
            )))
        })?;
        Ok(merchant.webhook_secret)
    }
}
