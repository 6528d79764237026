use std::sync::Arc;

use app::{
    domain::issuing::{CardRange, CardView, IssueError, NewCard},
    domain::kyc::KycStatus,
    ports::{CardIssuing, CardPage, RevealedCard},
};
use sha2::{Digest, Sha256};
use tokio::sync::Notify;

use crate::{
    secrets::{random, CardCipher},
    store::{CreateCardError, CreateOutcome, Database, StoreError},
};

/// Largest page a list request may ask for.
pub const MAX_PAGE_SIZE: i64 = 100;

/// The one issuing core behind every front door.
pub struct IssuingService {
    database: Database,
    cipher: CardCipher,
    /// Wakes the provisioning worker as soon as a card is created, instead of at its next poll.
    worker_wakeup: Arc<Notify>,
}

impl IssuingService {
    pub fn new(database: Database, cipher: CardCipher, worker_wakeup: Arc<Notify>) -> Self {
        Self {
            database,
            cipher,
            worker_wakeup,
        }
    }

    async fn kyc_gate(
        &self,
        merchant_id: &str,
        request: &NewCard,
    ) -> Result<Option<String>, IssueError> {
        let customer = match &request.customer_email {
            Some(email) => Some(
                self.database
                    .upsert_customer(
                        merchant_id,
                        email.as_str(),
                        request.customer_external_id.as_deref(),
                    )
                    .await
                    .map_err(internal)?,
            ),
            None => None,
        };
        if request.deposit.requires_kyc() {
            match &customer {
                Some(customer) if customer.kyc_status == KycStatus::Approved => {}
                Some(customer) => {
                    return Err(IssueError::KycRequired {
                        email: customer.email.clone(),
                    })
                }
                None => {
                    return Err(IssueError::KycRequired {
                        email: "the customer's email".to_owned(),
                    })
                }
            }
        }
        Ok(customer.map(|customer| customer.id))
    }
}

/// Logs the real error under a fresh reference and returns only the reference to the caller.
pub fn internal(error: impl std::fmt::Display) -> IssueError {
    let reference = random::id("err_");
    tracing::error!(%reference, %error, "internal error");
    IssueError::Internal(reference)
}

fn request_hash(request: &NewCard) -> String {
    Sha256::digest(request.canonical_form().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[async_trait::async_trait]
impl CardIssuing for IssuingService {
    async fn create_card(
        &self,
        merchant_id: &str,
        request: NewCard,
    ) -> Result<CardView, IssueError> {
        self.database
            .card_range_for(merchant_id, &request.range_id)
            .await
            .map_err(internal)?
            .ok_or_else(|| IssueError::UnknownRange(request.range_id.clone()))?;
        let customer_id = self.kyc_gate(merchant_id, &request).await?;
        let outcome = self
            .database
            .create_card(
                merchant_id,
                &request,
                &request_hash(&request),
                customer_id.as_deref(),
            )
            .await
            .map_err(|error| match error {
                CreateCardError::OrderNoConflict => {
                    IssueError::OrderNoConflict(request.order_no.as_str().to_owned())
                }
                CreateCardError::InsufficientFunds { available } => IssueError::InsufficientFunds {
                    available,
                    needed: request.deposit.amount(),
                },
                CreateCardError::Store(error) => internal(error),
            })?;
        let card_id = match outcome {
            CreateOutcome::Created(id) => {
                tracing::info!(card_id = %id, merchant_id, order_no = request.order_no.as_str(), "card created");
                self.worker_wakeup.notify_one();
                id
            }
            CreateOutcome::Existing(id) => id,
        };
        self.card(merchant_id, &card_id).await
    }

    async fn card(&self, merchant_id: &str, card_id: &str) -> Result<CardView, IssueError> {
        self.database
            .card(merchant_id, card_id)
            .await
            .map_err(internal)?
            .ok_or(IssueError::CardNotFound)
    }

    async fn card_by_order_no(
        &self,
        merchant_id: &str,
        order_no: &str,
    ) -> Result<CardView, IssueError> {
        self.database
            .card_by_order_no(merchant_id, order_no)
            .await
            .map_err(internal)?
            .ok_or(IssueError::CardNotFound)
    }

    async fn cards(
        &self,
        merchant_id: &str,
        page: i64,
        page_size: i64,
    ) -> Result<CardPage, IssueError> {
        let page = page.max(1);
        let page_size = page_size.clamp(1, MAX_PAGE_SIZE);
        let (cards, total) = self
            .database
            .cards(merchant_id, page, page_size)
            .await
            .map_err(internal)?;
        Ok(CardPage {
            cards,
            total,
            page,
            page_size,
        })
    }

    async fn card_ranges(&self, merchant_id: &str) -> Result<Vec<CardRange>, IssueError> {
        self.database
            .card_ranges_for(merchant_id)
            .await
            .map_err(internal)
    }

    async fn reveal(&self, merchant_id: &str, card_id: &str) -> Result<RevealedCard, IssueError> {
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
            .map_err(internal)?
            .ok_or_else(|| {
                internal(StoreError::Corrupt(format!(
                    "active card {card_id} has no secrets"
                )))
            })?;
        let number = self
            .cipher
            .decrypt(card_id, "pan", &pan)
            .map_err(internal)?;
        let cvc = self
            .cipher
            .decrypt(card_id, "cvc", &cvc)
            .map_err(internal)?;
        tracing::info!(card_id, merchant_id, "card details revealed");
        Ok(RevealedCard { number, cvc })
    }
}
