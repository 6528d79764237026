//! Groups concurrent card creations into shared transactions.
//!
//! Every creation debits its merchant's wallet, so a merchant's creations serialize on that one
//! balance row: on PostgreSQL its lock is held until the commit's fsync, and SQLite has a single
//! writer anyway. One durable commit per card caps throughput at the disk's fsync rate. The batcher
//! instead takes whatever creations are waiting (up to [`MAX_BATCH`]) and commits them together;
//! each keeps its own savepoint, so one refusal does not affect the others. It never waits to
//! fill a batch: alone, a creation commits at once; under load, batches grow by themselves.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, Mutex};

use super::{
    Backend, CardCreation, CreateCardError, CreateOutcome, CreationAttempt, Database, StoreError,
};

/// Most creations one transaction carries: bounds how long the wallet row stays locked.
pub const MAX_BATCH: usize = 64;

/// Creations waiting for a transaction; beyond this, callers wait to enqueue (backpressure).
const QUEUE_CAPACITY: usize = 1024;

struct Job {
    creation: CardCreation,
    reply: oneshot::Sender<Result<CreationAttempt, StoreError>>,
}

#[derive(Clone)]
pub struct CreationBatcher {
    database: Database,
    jobs: mpsc::Sender<Job>,
}

impl CreationBatcher {
    /// Starts the batching tasks on the current Tokio runtime. They stop when the last handle is
    /// dropped, after finishing the batches in flight.
    ///
    /// PostgreSQL gets two: while one batch waits for its commit, the next is being written
    /// (its wallet debit then waits for that commit, not for the whole batch). SQLite admits one
    /// writer at a time, so a second would only queue.
    pub fn start(database: Database) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE_CAPACITY);
        let queue = Arc::new(Mutex::new(queue));
        let runners = match database.backend() {
            Backend::Postgres => 2,
            Backend::Sqlite => 1,
        };
        for _ in 0..runners {
            tokio::spawn(run(database.clone(), queue.clone()));
        }
        Self { database, jobs }
    }

    /// Creates the card in the next shared transaction and answers as
    /// [`Database::create_card`] does.
    pub async fn create(&self, creation: CardCreation) -> Result<CreateOutcome, CreateCardError> {
        let (reply, answer) = oneshot::channel();
        let stopped = || {
            CreateCardError::Store(StoreError::Invalid(
                "the card creation queue has stopped".into(),
            ))
        };
        self.jobs
            .send(Job {
                creation: creation.clone(),
                reply,
            })
            .await
            .map_err(|_| stopped())?;
        let attempt = answer.await.map_err(|_| stopped())?;
        // Settling may read (an existing orderNo, the wallet): done here, outside the batch.
        self.database.settle_creation(&creation, attempt).await
    }
}

async fn run(database: Database, queue: Arc<Mutex<mpsc::Receiver<Job>>>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    // The queue is locked only while taking a batch, so the other runner takes the next one.
    while queue.lock().await.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (creations, replies): (Vec<_>, Vec<_>) =
            batch.drain(..).map(|job| (job.creation, job.reply)).unzip();
        let attempts = database.insert_cards(&creations).await;
        tracing::debug!(cards = creations.len(), "creation batch committed");
        for (reply, attempt) in replies.into_iter().zip(attempts) {
            // A caller that went away (client disconnected) still has its card; it finds it again
            // by orderNo.
            let _ = reply.send(attempt);
        }
    }
}
