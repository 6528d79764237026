//! Walks new cards through the five provisioning stages. Durable: every finished stage is stored
//! before the next starts, work is claimed with expiring leases (so a crashed instance's cards are
//! taken over, and several instances can share one PostgreSQL), and a restart resumes every
//! unfinished card.

use app::domain::ids::CardId;
use std::{collections::HashSet, sync::Arc, time::Duration};

use app::{
    domain::{calendar, card_number, provisioning::ProvisioningStage},
    ports::{CardProcessor, StageError},
};
use tokio::{sync::watch, task::JoinSet};

use crate::{
    change_feed::Topic,
    secrets::{random, CardCipher},
    store::{
        stage_batches::{StageAdvance, StageCommitter},
        Activation, Database, ProvisioningCard, StoreError,
    },
};

pub struct WorkerSettings {
    /// Identifies this worker's leases; unique per process.
    pub owner: String,
    pub lease: Duration,
    pub poll_interval: Duration,
    pub batch_size: i64,
}

impl WorkerSettings {
    pub fn for_this_process() -> Self {
        Self {
            owner: random::id(&format!("worker-{}-", std::process::id())),
            lease: Duration::from_secs(30),
            poll_interval: Duration::from_secs(1),
            batch_size: 32,
        }
    }
}

/// The worker: cheap to share, its card tasks run on their own.
pub struct ProvisioningWorker {
    stages: Arc<Stages>,
}

/// What provisioning a card needs; shared by the worker's concurrent card tasks.
struct Stages {
    database: Database,
    /// Completed stages of concurrent cards share commits (see `store::stage_batches`).
    commits: StageCommitter,
    cipher: CardCipher,
    processor: Arc<dyn CardProcessor>,
    settings: WorkerSettings,
}

/// Attempts to draw a PAN that is not already taken before giving up on the card.
const PAN_ATTEMPTS: usize = 5;

impl ProvisioningWorker {
    /// Starts its stage committer on the current Tokio runtime.
    pub fn new(
        database: Database,
        cipher: CardCipher,
        processor: Arc<dyn CardProcessor>,
        settings: WorkerSettings,
    ) -> Self {
        let stages = Stages {
            commits: StageCommitter::start(database.clone()),
            database,
            cipher,
            processor,
            settings,
        };
        Self {
            stages: Arc::new(stages),
        }
    }

    /// Runs until `stop` turns true (see [`Stages::run`]).
    pub async fn run(&self, stop: watch::Receiver<bool>) {
        self.stages.run(stop).await;
    }

    /// One round, for tests and the benchmark (see [`Stages::run_once`]).
    pub async fn run_once(&self) -> Result<usize, StoreError> {
        self.stages.run_once().await
    }
}

impl Stages {
    /// Runs until `stop` turns true, then hands back its leases so another instance (or the next
    /// start) continues at once rather than after the lease expires.
    ///
    /// Cards are provisioned independently, up to `batch_size` at once: whenever one finishes (or
    /// a wake-up says new cards are due) free places are filled with newly claimed cards, so a new
    /// card never waits for unrelated cards' stages. Fees and expiry are looked at once per poll.
    async fn run(self: &Arc<Self>, mut stop: watch::Receiver<bool>) {
        tracing::info!(owner = %self.settings.owner, "provisioning worker started");
        // Woken when any instance commits a new card or hands its cards back (see
        // `change_feed`); the poll interval stays for retries that come due and housekeeping.
        let mut due = self
            .database
            .change_feed()
            .subscribe(Topic::ProvisioningDue);
        // Each card is its own task: it progresses (and gives back its database connection)
        // whatever this loop is awaiting.
        let mut in_flight = JoinSet::new();
        let mut provisioning: HashSet<CardId> = HashSet::new();
        let mut next_housekeeping = tokio::time::Instant::now();
        while !*stop.borrow() {
            let capacity = usize::try_from(self.settings.batch_size).unwrap_or(1);
            let free = capacity.saturating_sub(in_flight.len());
            // Every claim is a commit of its own: under load, places are refilled a quarter of
            // the capacity at a time rather than one card per finished card.
            if free > 0 && (free >= capacity.div_ceil(4) || in_flight.is_empty()) {
                match self.claim(free).await {
                    Ok(claimed) => {
                        // A card still being provisioned here whose lease ran out comes back:
                        // it is not started twice.
                        for card_id in claimed {
                            if provisioning.insert(card_id.clone()) {
                                let stages = Arc::clone(self);
                                in_flight
                                    .spawn(async move { stages.provision_owned(card_id).await });
                            }
                        }
                    }
                    Err(error) => tracing::warn!(%error, "claiming cards failed"),
                }
            }
            if tokio::time::Instant::now() >= next_housekeeping {
                if let Err(error) = self.housekeeping().await {
                    tracing::warn!(%error, "fee and expiry round failed");
                }
                next_housekeeping = tokio::time::Instant::now() + self.settings.poll_interval;
            }
            tokio::select! {
                Some(finished) = in_flight.join_next(), if !in_flight.is_empty() => {
                    match finished {
                        Ok(card_id) => {
                            provisioning.remove(&card_id);
                        }
                        // Only when the runtime shuts down (panics are caught in the task).
                        Err(error) => tracing::warn!(%error, "provisioning task ended"),
                    }
                }
                _ = due.changed(self.settings.poll_interval) => {}
                _ = stop.changed() => {}
            }
        }
        // What was started finishes its current run of stages, as before a shutdown.
        while in_flight.join_next().await.is_some() {}
        if let Err(error) = self.database.release_leases(&self.settings.owner).await {
            tracing::warn!(%error, "could not release provisioning leases");
        }
        tracing::info!("provisioning worker stopped");
    }

    async fn claim(&self, limit: usize) -> Result<Vec<CardId>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.database
            .claim_due_cards(&self.settings.owner, self.lease_ms(), limit)
            .await
    }

    /// Provisions one card; answers its id when done, so the place can be given to another. A
    /// panic is caught here, where the card is known: its lease runs out and it is tried again.
    async fn provision_owned(&self, card_id: CardId) -> CardId {
        use futures::FutureExt;
        let provisioned = std::panic::AssertUnwindSafe(self.provision(&card_id))
            .catch_unwind()
            .await;
        if provisioned.is_err() {
            tracing::error!(%card_id, "provisioning panicked; the card is retried");
        }
        card_id
    }

    /// One round, for tests and the benchmark: claims the due cards, provisions them all
    /// concurrently, then charges the monthly fees that have come due and expires cards. Returns
    /// how many cards were claimed for provisioning.
    async fn run_once(&self) -> Result<usize, StoreError> {
        let lease_ms = self.lease_ms();
        let claimed = self
            .database
            .claim_due_cards(&self.settings.owner, lease_ms, self.settings.batch_size)
            .await?;
        futures::future::join_all(claimed.iter().map(|card_id| self.provision(card_id))).await;
        self.housekeeping().await?;
        Ok(claimed.len())
    }

    /// Charges the monthly fees that have come due and expires the cards past their date.
    async fn housekeeping(&self) -> Result<(), StoreError> {
        let charged = self
            .database
            .charge_due_fees(self.database.now_ms(), self.settings.batch_size)
            .await?;
        if charged > 0 {
            tracing::info!(cards = charged, "monthly fees charged");
        }
        let expired = self
            .database
            .expire_due_cards(self.database.now_ms(), self.settings.batch_size)
            .await?;
        if expired > 0 {
            tracing::info!(cards = expired, "cards expired");
        }
        Ok(())
    }

    fn lease_ms(&self) -> i64 {
        i64::try_from(self.settings.lease.as_millis()).unwrap_or(i64::MAX)
    }

    async fn provision(&self, card_id: &CardId) {
        if let Err(error) = self.try_provision(card_id).await {
            // The lease runs out and the card is retried; nothing half-done was stored.
            tracing::warn!(%card_id, %error, "provisioning step failed");
        }
    }

    async fn try_provision(&self, card_id: &CardId) -> Result<(), StoreError> {
        loop {
            let Some(card) = self.database.provisioning_card(card_id).await? else {
                return Ok(());
            };
            let stage = ProvisioningStage::parse(&card.stage).ok_or_else(|| {
                StoreError::Corrupt(format!("card {card_id} stage {}", card.stage))
            })?;
            let (Some(next), true) = (stage.next(), card.status == stage.status().code()) else {
                return Ok(()); // activated, or failed meanwhile
            };
            let started = std::time::Instant::now();
            match self
                .processor
                .perform(card_id, (&card.first_name, &card.last_name), stage)
                .await
            {
                Ok(()) => {
                    if !self.complete_stage(&card, stage, next).await? {
                        return Ok(()); // lost the lease: someone else owns this card now
                    }
                    metrics::histogram!("cardkit_provisioning_stage_duration_seconds", "stage" => stage.code())
                        .record(started.elapsed().as_secs_f64());
                    tracing::info!(%card_id, stage = next.label(), "provisioning stage reached");
                }
                Err(StageError::Declined(reason)) => {
                    if self
                        .database
                        .fail_card(card_id, &self.settings.owner, stage, &reason)
                        .await?
                    {
                        tracing::info!(%card_id, stage = stage.label(), %reason, "card failed, deposit refunded");
                    }
                    return Ok(());
                }
                Err(StageError::Unavailable(reason)) => {
                    let retry_at = self.database.now_ms() + backoff_ms(card.attempts);
                    tracing::info!(%card_id, stage = stage.label(), %reason, retry_at, "processor unavailable, will retry");
                    return self
                        .database
                        .retry_stage_later(card_id, &self.settings.owner, retry_at)
                        .await;
                }
            }
        }
    }

    async fn complete_stage(
        &self,
        card: &ProvisioningCard,
        stage: ProvisioningStage,
        next: ProvisioningStage,
    ) -> Result<bool, StoreError> {
        let advance = |activation| StageAdvance {
            card_id: card.id.clone(),
            merchant_id: card.merchant_id.clone(),
            owner: self.settings.owner.clone(),
            from: stage,
            to: next,
            lease_ms: self.lease_ms(),
            activation,
        };
        if next != ProvisioningStage::Activated {
            return self.commits.advance(advance(None)).await;
        }
        for _ in 0..PAN_ATTEMPTS {
            match self
                .commits
                .advance(advance(Some(self.activation(card)?)))
                .await
            {
                Err(StoreError::Sql(error))
                    if crate::store::dispatch::is_unique_violation(&error) =>
                {
                    continue
                }
                other => return other,
            }
        }
        Err(StoreError::Invalid(format!(
            "no free card number in BIN {} after {PAN_ATTEMPTS} draws",
            card.bin
        )))
    }

    /// A fresh PAN inside the range's BIN, a CVC and an expiry, encrypted for storage.
    fn activation(&self, card: &ProvisioningCard) -> Result<Activation, StoreError> {
        let length = usize::try_from(card.pan_length).unwrap_or(16);
        let pan = card_number::compose(&card.bin, length, &random::bytes::<64>())
            .map_err(|error| StoreError::Invalid(format!("card range of {}: {error}", card.id)))?;
        let cvc: String = random::bytes::<16>()
            .iter()
            .filter(|byte| **byte < 250)
            .take(3)
            .map(|byte| char::from(b'0' + byte % 10))
            .collect();
        let (exp_year, exp_month) =
            calendar::month_after(self.database.now_ms(), card.valid_months);
        Ok(Activation {
            card_bin: card.bin.clone(),
            last4: card_number::last4(&pan).to_owned(),
            exp_month: i64::from(exp_month),
            exp_year,
            pan_ciphertext: self.cipher.encrypt(&card.id, "pan", &pan),
            cvc_ciphertext: self.cipher.encrypt(&card.id, "cvc", &cvc),
            pan_fingerprint: self.cipher.fingerprint(&pan),
            first_fee: app::domain::Cents(card.monthly_fee),
        })
    }
}

/// 1 s, 2 s, 4 s, … capped at 5 minutes.
fn backoff_ms(attempts: i64) -> i64 {
    1000_i64
        .saturating_mul(1 << attempts.clamp(0, 9))
        .min(300_000)
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_doubles_up_to_a_cap() {
        assert_eq!(super::backoff_ms(0), 1000);
        assert_eq!(super::backoff_ms(3), 8000);
        assert_eq!(super::backoff_ms(50), 300_000);
    }
}
