//! Group commit: many concurrent writers share one durable transaction.
//!
//! A durable commit costs an fsync (on SQLite, behind its one writer; on PostgreSQL, while the
//! rows it touched stay locked), so one commit per operation caps throughput at the disk's fsync
//! rate. Writers instead hand their operation to a runner, which takes whatever is waiting (up to
//! a maximum) and writes it in one transaction. It never waits to fill a batch: alone, an
//! operation commits at once; under load, batches grow by themselves.
//!
//! Card creation and the provisioning stages use it; what a batch does is theirs to say.

use std::{future::Future, sync::Arc};

use tokio::sync::{mpsc, oneshot, Mutex};

use super::Backend;

/// Operations waiting for a transaction; beyond this, callers wait to enqueue (backpressure).
const QUEUE_CAPACITY: usize = 1024;

type Job<Item, Answer> = (Item, oneshot::Sender<Answer>);

/// A handle for submitting operations; the runners stop when the last handle is dropped, after
/// finishing the batches in flight.
pub struct GroupCommit<Item, Answer> {
    jobs: mpsc::Sender<Job<Item, Answer>>,
}

impl<Item, Answer> Clone for GroupCommit<Item, Answer> {
    fn clone(&self) -> Self {
        Self {
            jobs: self.jobs.clone(),
        }
    }
}

impl<Item: Send + 'static, Answer: Send + 'static> GroupCommit<Item, Answer> {
    /// Starts the runners on the current Tokio runtime. `commit` writes one batch (at most
    /// `max_batch` items) and answers per item, in order.
    ///
    /// PostgreSQL gets two runners: while one batch waits for its commit, the next is being
    /// written. SQLite admits one writer at a time, so a second would only queue.
    pub fn start<Commit, Committed>(backend: Backend, max_batch: usize, commit: Commit) -> Self
    where
        Commit: Fn(Vec<Item>) -> Committed + Send + Sync + 'static,
        Committed: Future<Output = Vec<Answer>> + Send + 'static,
    {
        let (jobs, queue) = mpsc::channel(QUEUE_CAPACITY);
        let queue = Arc::new(Mutex::new(queue));
        let commit = Arc::new(commit);
        let runners = match backend {
            Backend::Postgres => 2,
            Backend::Sqlite => 1,
        };
        for _ in 0..runners {
            tokio::spawn(run(queue.clone(), commit.clone(), max_batch.max(1)));
        }
        Self { jobs }
    }

    /// Writes `item` in the next shared transaction; `None` when the runners have stopped (the
    /// runtime is shutting down), in which case nothing was written.
    pub async fn submit(&self, item: Item) -> Option<Answer> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send((item, reply)).await.ok()?;
        answer.await.ok()
    }
}

async fn run<Item, Answer, Commit, Committed>(
    queue: Arc<Mutex<mpsc::Receiver<Job<Item, Answer>>>>,
    commit: Arc<Commit>,
    max_batch: usize,
) where
    Commit: Fn(Vec<Item>) -> Committed,
    Committed: Future<Output = Vec<Answer>>,
{
    let mut batch = Vec::with_capacity(max_batch);
    // The queue is locked only while taking a batch, so another runner takes the next one.
    while queue.lock().await.recv_many(&mut batch, max_batch).await > 0 {
        let (items, replies): (Vec<_>, Vec<_>) = batch.drain(..).unzip();
        let count = items.len();
        let answers = commit(items).await;
        debug_assert_eq!(answers.len(), count, "one answer per item");
        tracing::debug!(items = count, "group commit done");
        for (reply, answer) in replies.into_iter().zip(answers) {
            // A caller that went away (a client disconnected) still had its write done.
            let _ = reply.send(answer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Backend, GroupCommit};
    use std::sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    };

    #[tokio::test]
    async fn waiting_items_share_a_batch_and_each_gets_its_own_answer() {
        let batches = Arc::new(AtomicUsize::new(0));
        let counted = batches.clone();
        let doubler = GroupCommit::start(Backend::Sqlite, 8, move |items: Vec<u32>| {
            counted.fetch_add(1, Ordering::SeqCst);
            async move {
                tokio::task::yield_now().await;
                items.into_iter().map(|n| n * 2).collect::<Vec<_>>()
            }
        });
        let answers = futures::future::join_all((0..20).map(|n| doubler.submit(n))).await;
        let expected: Vec<Option<u32>> = (0..20).map(|n| Some(n * 2)).collect();
        assert_eq!(answers, expected);
        let batches = batches.load(Ordering::SeqCst);
        assert!(
            (3..20).contains(&batches),
            "20 items submitted together should share batches of at most 8, got {batches} batches"
        );
    }
}
