//! Card creation: the card, its first event, its first callback and the deposit reserved from the
//! merchant's wallet, all or nothing per card.
//!
//! Several creations can share one transaction, and so one commit (one fsync): each runs inside
//! its own savepoint, so a refused card (overdrawn wallet, repeated orderNo) is rolled back alone
//! and the others still commit. Nothing is reported created before the shared commit succeeds.

use app::domain::ids::{CardId, CustomerId, MerchantId};
use std::sync::Arc;

use app::domain::{
    issuing::NewCard,
    ledger::{Account, EntryKind},
    provisioning::ProvisioningStage,
    CardStatus, Cents,
};

use super::{
    card_creation_input::{
        deposit_entry, first_callback_payload, new_identity, CardCreation, CreatedCard,
    },
    dispatch::{is_check_violation, is_unique_violation},
    ledger::post_entry,
    provisioning_steps::append_event,
    sql::{Conn, Param},
    webhook_outbox::{insert_status_callback, StatusChange},
    Database, Pool, StoreError,
};
use crate::{change_feed::Change, secrets::random};

#[derive(Debug, PartialEq, Eq)]
pub enum CreateOutcome {
    Created(CreatedCard),
    /// The same orderNo with the same request: the card made the first time.
    Existing(CardId),
}

#[derive(Debug, thiserror::Error)]
pub enum CreateCardError {
    #[error("orderNo already used for a different request")]
    OrderNoConflict,
    #[error("insufficient funds: {available} available")]
    InsufficientFunds { available: Cents },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for CreateCardError {
    fn from(error: sqlx::Error) -> Self {
        CreateCardError::Store(error.into())
    }
}

/// What one creation did inside its savepoint, before [`Database::settle_creation`] turns refusals
/// into answers (which needs reads that have no place inside the shared write transaction).
#[derive(Debug)]
pub enum CreationAttempt {
    Created(CreatedCard),
    /// The (merchant, orderNo) index refused it: the orderNo exists, maybe from this very batch.
    OrderNoTaken,
    /// The wallet cannot cover the deposit.
    Overdrawn,
}

/// PostgreSQL's card creation in one statement, so one round trip: the card, its first event, its
/// callback, the deposit's journal entry and postings, and both balances. Exactly what the SQLite
/// path does statement by statement (the same tests run against both). The wallet debit is last; an
/// overdraft fails the CHECK, and a wallet without a balance row makes the final division fail, so
/// either way nothing of the card is kept.
const CREATE_CARD_POSTGRES: &str = "WITH card AS ( \
       INSERT INTO cards (id, merchant_id, order_no, request_hash, range_id, customer_id, holder_id, seq_no, \
         first_name, last_name, fee_type, callback_url, status, stage, created_at_ms, updated_at_ms, next_run_at_ms, \
         user_id, external_customer_id, holder_address, tags) \
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $15, $16, $17, $18, $19) \
       RETURNING id), \
     event AS (INSERT INTO card_events (card_id, seq, status, stage, at_ms) SELECT id, 1, $13, $14, $15 FROM card), \
     callback AS (INSERT INTO webhook_outbox (message_id, merchant_id, card_id, url, payload, created_at_ms, \
         next_attempt_at_ms) SELECT $20, $2, id, $12, $21, $15, $15 FROM card WHERE $21::text IS NOT NULL), \
     entry AS (INSERT INTO journal_entries (kind, merchant_id, card_id, reference, created_at_ms) \
         SELECT $22, $2, id, $23, $15 FROM card RETURNING id), \
     posting AS (INSERT INTO postings (entry_id, account, amount) \
         SELECT id, $24, -$26::bigint FROM entry UNION ALL SELECT id, $25, $26 FROM entry), \
     credit AS (INSERT INTO account_balances (account, balance) SELECT $25, $26 FROM entry \
         ON CONFLICT (account) DO UPDATE SET balance = account_balances.balance + excluded.balance), \
     debit AS (UPDATE account_balances SET balance = balance - $26 WHERE account = $24 \
         AND EXISTS (SELECT 1 FROM entry) RETURNING balance) \
     SELECT 1 / (SELECT COUNT(*) FROM debit)";

/// The card row alone (SQLite writes the rest statement by statement).
const INSERT_CARD: &str = "INSERT INTO cards (id, merchant_id, order_no, request_hash, range_id, customer_id, \
     holder_id, seq_no, first_name, last_name, fee_type, callback_url, status, stage, created_at_ms, \
     updated_at_ms, next_run_at_ms, user_id, external_customer_id, holder_address, tags) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $15, $16, $17, $18, $19)";

/// The card row's values, $1..=$19 of [`CREATE_CARD_POSTGRES`] and [`INSERT_CARD`] in order, for
/// the parameters to borrow.
struct CardColumns {
    user_id: String,
    holder_address: Option<String>,
    tags: String,
}

impl CardColumns {
    fn of(creation: &CardCreation, card: &CreatedCard) -> Self {
        CardColumns {
            user_id: creation.user_id(card),
            holder_address: creation.holder_address_json(),
            tags: creation.tags_json(),
        }
    }

    fn params<'a>(&'a self, creation: &'a CardCreation, card: &'a CreatedCard) -> Vec<Param<'a>> {
        let request = &creation.request;
        vec![
            (&card.id).into(),
            (&creation.merchant_id).into(),
            request.order_no.as_str().into(),
            (&creation.request_hash).into(),
            (&request.range_id).into(),
            creation.customer_id.as_ref().into(),
            (&card.holder_id).into(),
            (&card.seq_no).into(),
            request.first_name.as_str().into(),
            request.last_name.as_str().into(),
            request.fee_type.as_str().into(),
            request.callback_url.as_deref().unwrap_or_default().into(),
            CardStatus::Init.code().into(),
            ProvisioningStage::OpeningCard.code().into(),
            card.created_at_ms.into(),
            (&self.user_id).into(),
            (&request.customer_external_id).into(),
            (&self.holder_address).into(),
            (&self.tags).into(),
        ]
    }
}

/// How often a creation the database failed to break a deadlock is tried again.
const MAX_TRANSIENT_RETRIES: usize = 3;

fn is_division_by_zero(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.code().as_deref() == Some("22012"))
}

/// A refusal the savepoint absorbs; anything else is an error of this creation alone.
fn classify(error: StoreError) -> Result<CreationAttempt, StoreError> {
    match error {
        StoreError::Sql(error) if is_unique_violation(&error) => Ok(CreationAttempt::OrderNoTaken),
        StoreError::Sql(error) if is_check_violation(&error) || is_division_by_zero(&error) => {
            Ok(CreationAttempt::Overdrawn)
        }
        StoreError::Overdrawn(_) => Ok(CreationAttempt::Overdrawn),
        other => Err(other),
    }
}

/// How the creations of a batch share its transaction.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Isolation {
    /// Back to back; the first failure abandons the whole transaction. One round trip per card.
    Optimistic,
    /// Each in its own savepoint (two round trips more), so a failure is rolled back alone.
    Savepoints,
}

impl Database {
    /// Creates one card and reserves its deposit, atomically. A repeated orderNo returns the
    /// existing card when the request is the same, a conflict otherwise.
    #[tracing::instrument(level = "debug", skip_all, fields(%merchant_id))]
    pub async fn create_card(
        &self,
        merchant_id: &MerchantId,
        request: &NewCard,
        request_hash: &str,
        customer_id: Option<&CustomerId>,
    ) -> Result<CreateOutcome, CreateCardError> {
        let creation = CardCreation {
            merchant_id: merchant_id.to_owned(),
            request: request.clone(),
            request_hash: request_hash.to_owned(),
            customer_id: customer_id.cloned(),
        };
        let attempt = self
            .insert_cards(std::slice::from_ref(&creation))
            .await
            .pop()
            .expect("one attempt per creation");
        self.settle_creation(&creation, attempt).await
    }

    /// Writes every creation in ONE transaction (all at once when none is refused, else each in
    /// its own savepoint) and answers per creation, in order. When the transaction itself fails, every creation gets that error and
    /// none was created.
    ///
    /// The creations are written in wallet order: two batches in flight at once (several
    /// runners or instances) then lock their wallets in the same order and cannot deadlock.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_cards(
        &self,
        creations: &[CardCreation],
    ) -> Vec<Result<CreationAttempt, StoreError>> {
        let mut order: Vec<usize> = (0..creations.len()).collect();
        order.sort_by(|&a, &b| creations[a].merchant_id.cmp(&creations[b].merchant_id));
        let sorted: Vec<CardCreation> = order.iter().map(|&i| creations[i].clone()).collect();
        let mut attempts: Vec<Option<Result<CreationAttempt, StoreError>>> =
            creations.iter().map(|_| None).collect();
        for (attempt, original) in self
            .insert_sorted_cards(&sorted)
            .await
            .into_iter()
            .zip(order)
        {
            attempts[original] = Some(attempt);
        }
        attempts
            .into_iter()
            .map(|attempt| attempt.expect("one attempt per creation"))
            .collect()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn insert_sorted_cards(
        &self,
        creations: &[CardCreation],
    ) -> Vec<Result<CreationAttempt, StoreError>> {
        // Refusals are rare, so the batch is first tried all or nothing; if one occurs, it is
        // redone with a savepoint per card (nothing of the first try was kept).
        let mut outcome = match self.pool() {
            // The single-statement path takes its connection from the pool itself.
            Pool::Postgres(_) if self.is_marked_down() => Err(StoreError::Unavailable),
            Pool::Postgres(pool) => {
                match super::card_creation_postgres::create_all_or_none(
                    pool,
                    creations,
                    self.now_ms(),
                )
                .await
                {
                    Some(cards) => {
                        self.announce(&created(creations.iter().zip(&cards))).await;
                        return cards
                            .into_iter()
                            .map(|card| Ok(CreationAttempt::Created(card)))
                            .collect();
                    }
                    None => Ok(None),
                }
            }
            Pool::Sqlite(..) => {
                self.insert_cards_in_one_transaction(creations, Isolation::Optimistic)
                    .await
            }
        };
        if let Ok(None) = outcome {
            outcome = self
                .insert_cards_in_one_transaction(creations, Isolation::Savepoints)
                .await;
        }
        match outcome {
            Ok(Some(attempts)) => attempts,
            Ok(None) => unreachable!("a batch with savepoints is never abandoned"),
            Err(error) => {
                let shared = Arc::new(error);
                creations
                    .iter()
                    .map(|_| Err(StoreError::Shared(shared.clone())))
                    .collect()
            }
        }
    }

    /// Every creation in one transaction: `None` when an optimistic batch met a refusal (and
    /// was rolled back whole), otherwise each creation's attempt, in order.
    #[tracing::instrument(level = "debug", skip_all)]
    async fn insert_cards_in_one_transaction(
        &self,
        creations: &[CardCreation],
        isolation: Isolation,
    ) -> Result<Option<Vec<Result<CreationAttempt, StoreError>>>, StoreError> {
        let mut tx = self.begin().await?;
        let mut attempts = Vec::with_capacity(creations.len());
        for creation in creations {
            let card = new_identity(self.now_ms());
            let attempt = match isolation {
                Isolation::Optimistic => {
                    if insert_card(&mut tx.conn(), creation, &card).await.is_err() {
                        return Ok(None); // dropping `tx` rolls the whole batch back
                    }
                    Ok(CreationAttempt::Created(card))
                }
                Isolation::Savepoints => {
                    let inserted = tx
                        .savepoint(async |conn| insert_card(conn, creation, &card).await)
                        .await;
                    match inserted {
                        Ok(()) => Ok(CreationAttempt::Created(card)),
                        Err(error) => classify(error),
                    }
                }
            };
            attempts.push(attempt);
        }
        let made =
            creations
                .iter()
                .zip(&attempts)
                .filter_map(|(creation, attempt)| match attempt {
                    Ok(CreationAttempt::Created(card)) => Some((creation, card)),
                    _ => None,
                });
        for change in created(made) {
            tx.announce(change);
        }
        tx.commit().await?;
        Ok(Some(attempts))
    }

    /// Turns a creation's attempt into the caller's answer: a taken orderNo is the same card again
    /// or a conflict, an overdraft reports what the wallet holds now.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn settle_creation(
        &self,
        creation: &CardCreation,
        mut attempt: Result<CreationAttempt, StoreError>,
    ) -> Result<CreateOutcome, CreateCardError> {
        // Identical creations racing on PostgreSQL can wait on each other's orderNo and wallet
        // in opposite orders; the database then fails one of them to break the deadlock. Nothing
        // of it was kept, so it is simply tried again (and then finds the winner's card).
        for _ in 0..MAX_TRANSIENT_RETRIES {
            match &attempt {
                Err(error) if error.is_transient() => {
                    tracing::debug!(%error, "card creation retried after a transient failure");
                    attempt = self
                        .insert_cards(std::slice::from_ref(creation))
                        .await
                        .pop()
                        .expect("one attempt per creation");
                }
                _ => break,
            }
        }
        match attempt? {
            CreationAttempt::Created(card) => Ok(CreateOutcome::Created(card)),
            CreationAttempt::OrderNoTaken => {
                match self
                    .existing_order(&creation.merchant_id, creation.request.order_no.as_str())
                    .await?
                {
                    Some((id, hash)) if hash == creation.request_hash => {
                        Ok(CreateOutcome::Existing(CardId::new(id)))
                    }
                    Some(_) => Err(CreateCardError::OrderNoConflict),
                    None => Err(CreateCardError::Store(StoreError::Invalid(format!(
                        "orderNo {} refused as taken but not found",
                        creation.request.order_no.as_str()
                    )))),
                }
            }
            CreationAttempt::Overdrawn => Err(CreateCardError::InsufficientFunds {
                available: self
                    .balance(&Account::MerchantWallet(creation.merchant_id.clone()))
                    .await?,
            }),
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(%merchant_id))]
    async fn existing_order(
        &self,
        merchant_id: &MerchantId,
        order_no: &str,
    ) -> Result<Option<(String, String)>, StoreError> {
        let sql = "SELECT id, request_hash FROM cards WHERE merchant_id = $1 AND order_no = $2";
        self.fetch_optional(sql, &[merchant_id.into(), order_no.into()])
            .await
    }
}

/// One card, its first event and callback, and its deposit, on the transaction's backend.
async fn insert_card(
    conn: &mut Conn<'_>,
    creation: &CardCreation,
    card: &CreatedCard,
) -> Result<(), StoreError> {
    // Validates the transfer on both paths, although PostgreSQL's SQL posts it itself.
    let entry = deposit_entry(creation, &card.id)?;
    let columns = CardColumns::of(creation, card);
    let mut params = columns.params(creation, card);
    if let Conn::Postgres(_) = conn {
        let message_id = random::id("msg_");
        let payload = first_callback_payload(creation, card);
        let reference = format!("deposit:{}", card.id);
        let wallet = Account::MerchantWallet(creation.merchant_id.clone()).code();
        let card_account = Account::Card(card.id.clone()).code();
        params.extend([
            (&message_id).into(),
            (&payload).into(),
            EntryKind::CardDeposit.code().into(),
            (&reference).into(),
            (&wallet).into(),
            (&card_account).into(),
            creation.request.deposit.amount().0.into(),
        ]);
        conn.execute(CREATE_CARD_POSTGRES, &params).await?;
        return Ok(());
    }
    conn.execute(INSERT_CARD, &params).await?;
    let change = StatusChange {
        card_id: &card.id,
        status: CardStatus::Init,
        stage: ProvisioningStage::OpeningCard,
        at_ms: card.created_at_ms,
    };
    append_event(conn, &change).await?;
    let request = &creation.request;
    let callback_url = request.callback_url.as_deref().unwrap_or("");
    let order_no = request.order_no.as_str();
    insert_status_callback(
        conn,
        &change,
        &creation.merchant_id,
        order_no,
        callback_url,
        None,
    )
    .await?;
    let reference = format!("deposit:{}", card.id);
    let (merchant_id, now) = (&creation.merchant_id, card.created_at_ms);
    post_entry(conn, &entry, merchant_id, Some(&card.id), &reference, now).await?;
    Ok(())
}

/// What creating `cards` changed: each card (its tracker and its merchant's table), the
/// provisioning queue, and the callback queue when a card has a callback URL (its INIT message).
fn created<'a>(cards: impl Iterator<Item = (&'a CardCreation, &'a CreatedCard)>) -> Vec<Change> {
    let mut with_callback = false;
    let mut changes: Vec<Change> = cards
        .map(|(creation, card)| {
            with_callback |= creation
                .request
                .callback_url
                .as_deref()
                .is_some_and(|url| !url.is_empty());
            (creation, card)
        })
        .map(|(creation, card)| Change::Card {
            merchant: creation.merchant_id.clone(),
            card: card.id.clone(),
        })
        .collect();
    if !changes.is_empty() {
        changes.push(Change::ProvisioningDue);
    }
    if with_callback {
        changes.push(Change::CallbackDue);
    }
    changes
}
