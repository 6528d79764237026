//! Provisioning stages of many cards committed together.
//!
//! Each card's stage is a small transaction of its own (the card row, its event, maybe a callback
//! and a fee), so with one commit per stage the worker's writes outnumbered card creation's four
//! to one and both queued for the disk's fsync. The worker's card tasks instead hand their
//! completed stages to a [`StageCommitter`], whose [`GroupCommit`] writes whatever is waiting in
//! one transaction. Each completion keeps its own guard (lease owner and expected stage), so
//! batching changes no outcome, only how many fsyncs pay for it.

use app::domain::{
    ids::{CardId, MerchantId},
    provisioning::ProvisioningStage,
};
use std::sync::Arc;

use super::{
    dispatch::is_transient,
    group_commit::GroupCommit,
    provisioning_steps::{advance_card, Activation, StageStep},
    Database, StoreError,
};

/// Most stage completions one transaction carries: bounds how long the wallets that activation
/// fees debit stay locked.
pub const MAX_BATCH: usize = 64;

/// How often a batch the database undid to break a deadlock is written again.
const MAX_TRANSIENT_RETRIES: usize = 3;

/// A stage completion handed over by a card's task.
pub struct StageAdvance {
    pub card_id: CardId,
    /// The card's merchant, whose wallet an activation's fee debits (see
    /// [`Database::advance_stages`] for the order this gives).
    pub merchant_id: MerchantId,
    pub owner: String,
    pub from: ProvisioningStage,
    pub to: ProvisioningStage,
    pub lease_ms: i64,
    pub activation: Option<Activation>,
}

impl StageAdvance {
    fn step(&self) -> StageStep<'_> {
        StageStep {
            card_id: &self.card_id,
            owner: &self.owner,
            from: self.from,
            to: self.to,
            lease_ms: self.lease_ms,
            activation: self.activation.as_ref(),
        }
    }
}

/// How the completions of a batch share its transaction.
#[derive(Clone, Copy)]
enum Isolation {
    /// Back to back; the first failure abandons the whole transaction.
    Optimistic,
    /// Each in its own savepoint, so a failure (a PAN drawn twice) is undone alone.
    Savepoints,
}

impl Database {
    /// Writes every completion in ONE transaction and answers per completion, in order, as
    /// [`Database::advance_stage`] does: `Ok(false)` when the lease or the stage was no longer as
    /// expected. When the transaction itself fails, every completion gets that error and none
    /// was written.
    #[tracing::instrument(level = "debug", skip_all, fields(cards = advances.len()))]
    pub async fn advance_stages(&self, advances: &[StageAdvance]) -> Vec<Result<bool, StoreError>> {
        let mut order: Vec<usize> = (0..advances.len()).collect();
        // Activations charge the first fee, which locks the merchant's wallet until the commit
        // (card creation waits for that lock): they go last, so the lock is held briefly, and
        // in merchant order, so two batches in flight lock wallets in the same order.
        order.sort_by_key(|&n| {
            let advance = &advances[n];
            (advance.activation.is_some(), &advance.merchant_id)
        });
        let sorted: Vec<&StageAdvance> = order.iter().map(|&i| &advances[i]).collect();
        let mut outcome = Err(StoreError::Invalid("no attempt made".into()));
        for _ in 0..MAX_TRANSIENT_RETRIES {
            outcome = self.advance_sorted(&sorted).await;
            match &outcome {
                Err(StoreError::Sql(error)) if is_transient(error) => continue,
                _ => break,
            }
        }
        let answers = match outcome {
            Ok(answers) => answers,
            Err(error) => {
                let shared = Arc::new(error);
                sorted
                    .iter()
                    .map(|_| Err(StoreError::Shared(shared.clone())))
                    .collect()
            }
        };
        let mut in_order: Vec<Option<Result<bool, StoreError>>> =
            advances.iter().map(|_| None).collect();
        for (answer, original) in answers.into_iter().zip(order) {
            in_order[original] = Some(answer);
        }
        in_order
            .into_iter()
            .map(|answer| answer.expect("one answer per completion"))
            .collect()
    }

    /// All or nothing first, since failures are rare; after one, again with a savepoint each
    /// (nothing of the first try was kept).
    async fn advance_sorted(
        &self,
        advances: &[&StageAdvance],
    ) -> Result<Vec<Result<bool, StoreError>>, StoreError> {
        if let Some(answers) = self
            .advance_in_one_transaction(advances, Isolation::Optimistic)
            .await?
        {
            return Ok(answers);
        }
        self.advance_in_one_transaction(advances, Isolation::Savepoints)
            .await
            .map(|answers| answers.expect("a batch with savepoints is never abandoned"))
    }

    /// `None` when an optimistic batch met a failure and was rolled back whole.
    async fn advance_in_one_transaction(
        &self,
        advances: &[&StageAdvance],
        isolation: Isolation,
    ) -> Result<Option<Vec<Result<bool, StoreError>>>, StoreError> {
        let now = self.now_ms();
        let mut tx = self.begin().await?;
        let mut answers = Vec::with_capacity(advances.len());
        for advance in advances {
            let step = advance.step();
            let written = match isolation {
                Isolation::Optimistic => match advance_card(&mut tx.conn(), &step, now).await {
                    Ok(written) => written,
                    Err(_) => return Ok(None), // dropping `tx` rolls the whole batch back
                },
                Isolation::Savepoints => {
                    match tx
                        .savepoint(async |conn| advance_card(conn, &step, now).await)
                        .await
                    {
                        Ok(written) => written,
                        Err(error) => {
                            answers.push(Err(error));
                            continue;
                        }
                    }
                }
            };
            answers.push(Ok(written.is_some()));
            for change in written.into_iter().flatten() {
                tx.announce(change);
            }
        }
        tx.commit().await?;
        Ok(Some(answers))
    }
}

/// The provisioning worker's way to write stages: concurrent completions share commits.
#[derive(Clone)]
pub struct StageCommitter {
    commits: GroupCommit<StageAdvance, Result<bool, StoreError>>,
}

impl StageCommitter {
    /// Starts on the current Tokio runtime; stops when the last handle is dropped.
    pub fn start(database: Database) -> Self {
        let commits = GroupCommit::start(
            database.backend(),
            MAX_BATCH,
            move |advances: Vec<StageAdvance>| {
                let database = database.clone();
                async move { database.advance_stages(&advances).await }
            },
        );
        Self { commits }
    }

    /// Writes the completion in the next shared transaction; answers as
    /// [`Database::advance_stage`] does.
    pub async fn advance(&self, advance: StageAdvance) -> Result<bool, StoreError> {
        self.commits.submit(advance).await.unwrap_or_else(|| {
            Err(StoreError::Invalid(
                "the provisioning stage queue has stopped".into(),
            ))
        })
    }
}
