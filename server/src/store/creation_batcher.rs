//! Groups concurrent card creations into shared transactions.
//!
//! Every creation debits its merchant's wallet, so a merchant's creations serialize on that one
//! balance row: on PostgreSQL its lock is held until the commit's fsync, and SQLite has a single
//! writer anyway. Creations therefore go through a [`GroupCommit`]: whatever is waiting (up to
//! [`MAX_BATCH`]) is committed together, and a refusal is redone in its own savepoint so that it
//! does not affect the others.

use super::{
    group_commit::GroupCommit, CardCreation, CreateCardError, CreateOutcome, CreationAttempt,
    Database, StoreError,
};

/// Most creations one transaction carries: bounds how long the wallet row stays locked.
pub const MAX_BATCH: usize = 64;

#[derive(Clone)]
pub struct CreationBatcher {
    database: Database,
    commits: GroupCommit<CardCreation, Result<CreationAttempt, StoreError>>,
}

impl CreationBatcher {
    /// Starts the batching tasks on the current Tokio runtime. They stop when the last handle is
    /// dropped, after finishing the batches in flight.
    /// On PostgreSQL, while one batch waits for its commit the next is being written (its
    /// wallet debit then waits for that commit, not for the whole batch).
    pub fn start(database: Database) -> Self {
        let writer = database.clone();
        let commits = GroupCommit::start(
            database.backend(),
            MAX_BATCH,
            move |creations: Vec<CardCreation>| {
                let database = writer.clone();
                async move { database.insert_cards(&creations).await }
            },
        );
        Self { database, commits }
    }

    /// Creates the card in the next shared transaction and answers as
    /// [`Database::create_card`] does.
    pub async fn create(&self, creation: CardCreation) -> Result<CreateOutcome, CreateCardError> {
        let attempt = self.commits.submit(creation.clone()).await.ok_or_else(|| {
            CreateCardError::Store(StoreError::Invalid(
                "the card creation queue has stopped".into(),
            ))
        })?;
        // Settling may read (an existing orderNo, the wallet): done here, outside the batch.
        self.database.settle_creation(&creation, attempt).await
    }
}
