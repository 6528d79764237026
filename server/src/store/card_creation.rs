//! Card creation: the card, its first event, its first callback and the deposit reserved from the
//! merchant's wallet, all or nothing per card.
//!
//! Several creations can share one transaction, and so one commit (one fsync): each runs inside
//! its own savepoint, so a refused card (overdrawn wallet, repeated orderNo) is rolled back alone
//! and the others still commit. Nothing is reported created before the shared commit succeeds.

use std::sync::Arc;

use app::domain::{
    issuing::NewCard,
    ledger::{Account, EntryKind, JournalEntry},
    provisioning::ProvisioningStage,
    CardStatus, Cents,
};
use sqlx::{Acquire, Connection};

use super::{
    dispatch::{is_check_violation, is_unique_violation, now_ms, on_pool},
    ledger::post_entry,
    webhook_outbox::{insert_status_callback, status_callback_payload},
    Database, StoreError,
};
use crate::secrets::random;

/// One card to create, owned so that it can wait in a batch.
#[derive(Debug, Clone)]
pub struct CardCreation {
    pub merchant_id: String,
    pub request: NewCard,
    /// Identifies the request's content: a repeated orderNo with another hash is a conflict.
    pub request_hash: String,
    pub customer_id: Option<String>,
}

impl CardCreation {
    /// The user the card belongs to: the customer of its email, or else the user of its own
    /// that creation made up for it.
    pub fn user_id(&self, card: &CreatedCard) -> String {
        self.customer_id
            .clone()
            .unwrap_or_else(|| card.own_user_id.clone())
    }

    /// The holder's own address as stored (JSON), `None` for the range's billing address.
    pub(super) fn holder_address_json(&self) -> Option<String> {
        let address = self.request.holder_address.as_ref()?;
        Some(serde_json::to_string(address).expect("an address serializes"))
    }

    pub(super) fn tags_json(&self) -> String {
        serde_json::to_string(&self.request.tags).expect("labels serialize")
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum CreateOutcome {
    Created(CreatedCard),
    /// The same orderNo with the same request: the card made the first time.
    Existing(String),
}

/// What creation wrote that the request did not say, so the caller can answer without reading back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedCard {
    pub id: String,
    pub holder_id: String,
    pub seq_no: String,
    pub created_at_ms: i64,
    /// The user id a card made without an email belongs to (see [`CardCreation::user_id`]).
    pub own_user_id: String,
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

/// `bind_card_columns!(query, creation, card)`: binds $1..=$19 of the card row, in the order both
/// [`CREATE_CARD_POSTGRES`] and [`INSERT_CARD`] use.
macro_rules! bind_card_columns {
    ($query:expr, $creation:expr, $card:expr) => {{
        let (creation, card): (&CardCreation, &CreatedCard) = ($creation, $card);
        let request = &creation.request;
        $query
            .bind(card.id.clone())
            .bind(creation.merchant_id.clone())
            .bind(request.order_no.as_str().to_owned())
            .bind(creation.request_hash.clone())
            .bind(request.range_id.clone())
            .bind(creation.customer_id.clone())
            .bind(card.holder_id.clone())
            .bind(card.seq_no.clone())
            .bind(request.first_name.as_str().to_owned())
            .bind(request.last_name.as_str().to_owned())
            .bind(request.fee_type.as_str())
            .bind(request.callback_url.clone().unwrap_or_default())
            .bind(CardStatus::Init.code())
            .bind(ProvisioningStage::OpeningCard.code())
            .bind(card.created_at_ms)
            .bind(creation.user_id(card))
            .bind(request.customer_external_id.clone())
            .bind(creation.holder_address_json())
            .bind(creation.tags_json())
    }};
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

pub(super) fn new_identity() -> CreatedCard {
    CreatedCard {
        id: random::id("c_"),
        holder_id: random::id("ch_"),
        seq_no: random::id("C").to_uppercase(),
        created_at_ms: now_ms(),
        own_user_id: random::id("u_"),
    }
}

pub(super) fn deposit_entry(
    creation: &CardCreation,
    card_id: &str,
) -> Result<JournalEntry, StoreError> {
    JournalEntry::transfer(
        EntryKind::CardDeposit,
        Account::MerchantWallet(creation.merchant_id.clone()),
        Account::Card(card_id.to_owned()),
        creation.request.deposit.amount(),
    )
    .map_err(|error| StoreError::Invalid(error.to_string()))
}

/// How the creations of a batch share its transaction.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Isolation {
    /// Back to back; the first failure abandons the whole transaction. One round trip per card.
    Optimistic,
    /// Each in its own savepoint (two round trips more), so a failure is rolled back alone.
    Savepoints,
}

/// `each_creation!(tx, creations, isolation, |conn, creation, card| body)`: runs `body` for every
/// creation inside `tx`. Evaluates to the attempts in order, or `None` when an optimistic batch
/// met a failure and the transaction must be abandoned.
macro_rules! each_creation {
    ($tx:ident, $creations:expr, $isolation:expr, |$conn:ident, $creation:ident, $card:ident| $body:expr) => {{
        let mut attempts = Vec::with_capacity($creations.len());
        let mut abandoned = false;
        for $creation in $creations {
            let $card = new_identity();
            if $isolation == Isolation::Optimistic {
                let $conn = &mut *$tx;
                let result: Result<(), StoreError> = $body;
                if result.is_err() {
                    abandoned = true;
                    break;
                }
                attempts.push(Ok(CreationAttempt::Created($card)));
            } else {
                let mut savepoint = (&mut $tx).begin().await?;
                let $conn = &mut *savepoint;
                let result: Result<(), StoreError> = $body;
                attempts.push(match result {
                    Ok(()) => {
                        savepoint.commit().await?;
                        Ok(CreationAttempt::Created($card))
                    }
                    Err(error) => {
                        savepoint.rollback().await?;
                        classify(error)
                    }
                });
            }
        }
        (!abandoned).then_some(attempts)
    }};
}

impl Database {
    /// Creates one card and reserves its deposit, atomically. A repeated orderNo returns the
    /// existing card when the request is the same, a conflict otherwise.
    pub async fn create_card(
        &self,
        merchant_id: &str,
        request: &NewCard,
        request_hash: &str,
        customer_id: Option<&str>,
    ) -> Result<CreateOutcome, CreateCardError> {
        let creation = CardCreation {
            merchant_id: merchant_id.to_owned(),
            request: request.clone(),
            request_hash: request_hash.to_owned(),
            customer_id: customer_id.map(str::to_owned),
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

    async fn insert_sorted_cards(
        &self,
        creations: &[CardCreation],
    ) -> Vec<Result<CreationAttempt, StoreError>> {
        // Refusals are rare, so the batch is first tried all or nothing; if one occurs, it is
        // redone with a savepoint per card (nothing of the first try was kept).
        let mut outcome = match self {
            Database::Postgres(pool) => {
                match super::card_creation_postgres::create_all_or_none(pool, creations).await {
                    Some(cards) => {
                        return cards
                            .into_iter()
                            .map(|card| Ok(CreationAttempt::Created(card)))
                            .collect()
                    }
                    None => Ok(None),
                }
            }
            Database::Sqlite(..) => {
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

    async fn insert_cards_in_one_transaction(
        &self,
        creations: &[CardCreation],
        isolation: Isolation,
    ) -> Result<Option<Vec<Result<CreationAttempt, StoreError>>>, sqlx::Error> {
        match self {
            Database::Sqlite(pool, gate) => {
                // Connection first, then the gate (see `in_transaction!`).
                let mut connection = pool.acquire().await?;
                let _writer = gate.enter().await;
                let mut tx = connection.begin_with("BEGIN IMMEDIATE").await?;
                let attempts = each_creation!(tx, creations, isolation, |conn, creation, card| {
                    insert_card_sqlite(conn, creation, &card).await
                });
                match attempts {
                    Some(_) => tx.commit().await?,
                    None => tx.rollback().await?,
                }
                Ok(attempts)
            }
            Database::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                let attempts = each_creation!(tx, creations, isolation, |conn, creation, card| {
                    insert_card_postgres(conn, creation, &card).await
                });
                match attempts {
                    Some(_) => tx.commit().await?,
                    None => tx.rollback().await?,
                }
                Ok(attempts)
            }
        }
    }

    /// Turns a creation's attempt into the caller's answer: a taken orderNo is the same card again
    /// or a conflict, an overdraft reports what the wallet holds now.
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
                        Ok(CreateOutcome::Existing(id))
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

    async fn existing_order(
        &self,
        merchant_id: &str,
        order_no: &str,
    ) -> Result<Option<(String, String)>, StoreError> {
        let sql = "SELECT id, request_hash FROM cards WHERE merchant_id = $1 AND order_no = $2";
        Ok(
            on_pool!(self, pool => sqlx::query_as(sql).bind(merchant_id).bind(order_no).fetch_optional(pool).await)?,
        )
    }
}

/// The body of the INIT callback, when the card has a callback URL.
pub(super) fn first_callback_payload(
    creation: &CardCreation,
    card: &CreatedCard,
) -> Option<String> {
    let request = &creation.request;
    let callback_url = request.callback_url.as_deref().unwrap_or("");
    // The card's first event, number 1.
    let event = app::domain::issuing::CardEvent {
        seq: 1,
        status: CardStatus::Init,
        stage: ProvisioningStage::OpeningCard,
        at_ms: card.created_at_ms,
    };
    (!callback_url.is_empty())
        .then(|| status_callback_payload(&card.id, request.order_no.as_str(), None, &event))
}

async fn insert_card_postgres(
    conn: &mut sqlx::PgConnection,
    creation: &CardCreation,
    card: &CreatedCard,
) -> Result<(), StoreError> {
    let payload = first_callback_payload(creation, card);
    // Validates the transfer exactly as the SQLite path does, although the SQL posts it.
    deposit_entry(creation, &card.id)?;
    bind_card_columns!(sqlx::query(CREATE_CARD_POSTGRES), creation, card)
        .bind(random::id("msg_"))
        .bind(payload)
        .bind(EntryKind::CardDeposit.code())
        .bind(format!("deposit:{}", card.id))
        .bind(Account::MerchantWallet(creation.merchant_id.clone()).code())
        .bind(Account::Card(card.id.clone()).code())
        .bind(creation.request.deposit.amount().0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn insert_card_sqlite(
    conn: &mut sqlx::SqliteConnection,
    creation: &CardCreation,
    card: &CreatedCard,
) -> Result<(), StoreError> {
    let request = &creation.request;
    let (card_id, merchant_id, now) = (
        card.id.as_str(),
        creation.merchant_id.as_str(),
        card.created_at_ms,
    );
    let stage = ProvisioningStage::OpeningCard;
    let callback_url = request.callback_url.as_deref().unwrap_or("");
    let entry = deposit_entry(creation, card_id)?;
    bind_card_columns!(sqlx::query(INSERT_CARD), creation, card)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO card_events (card_id, seq, status, stage, at_ms) VALUES ($1, 1, $2, $3, $4)",
    )
    .bind(card_id)
    .bind(CardStatus::Init.code())
    .bind(stage.code())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    insert_status_callback!(
        conn,
        card_id,
        merchant_id,
        request.order_no.as_str(),
        callback_url,
        None,
        CardStatus::Init,
        stage,
        now
    )?;
    let reference = format!("deposit:{card_id}");
    post_entry!(
        &mut *conn,
        &entry,
        merchant_id,
        Some(card_id),
        &reference,
        now
    )?;
    Ok(())
}
