//! The provisioning job's claim/advance/fail steps on a card (creation is in `card_creation`,
//! reads in `card_views`). Every step is a conditional update on (lease owner, expected stage), so a
//! stage can only ever be completed once.

use app::domain::ids::{CardId, MerchantId};
use app::domain::{
    ledger::{Account, EntryKind, JournalEntry},
    provisioning::ProvisioningStage,
    CardStatus, Cents,
};

use super::{
    fees::{charge_fee, FEE_PERIOD_MS, MONTHLY_FEE_SQL},
    ledger::{balance_of, post_entry},
    sql::Conn,
    webhook_outbox::{enqueue_status_callback, StatusChange},
    Database, StoreError,
};
use crate::change_feed::Change;

/// Where the PAN and CVC go when a card is activated: already encrypted by the caller.
pub struct Activation {
    pub card_bin: String,
    pub last4: String,
    pub exp_month: i64,
    pub exp_year: i64,
    pub pan_ciphertext: Vec<u8>,
    pub cvc_ciphertext: Vec<u8>,
    pub pan_fingerprint: String,
    /// The first month's fee, charged with the activation.
    pub first_fee: Cents,
}

/// A card's PAN and CVC as stored: (PAN ciphertext, CVC ciphertext).
pub type SealedSecrets = (Vec<u8>, Vec<u8>);

/// What the provisioning worker needs to know about a claimed card.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProvisioningCard {
    #[sqlx(try_from = "String")]
    pub id: CardId,
    #[sqlx(try_from = "String")]
    pub merchant_id: MerchantId,
    pub stage: String,
    pub status: String,
    pub first_name: String,
    pub last_name: String,
    pub attempts: i64,
    pub bin: String,
    pub pan_length: i64,
    pub valid_months: i64,
    /// The range's monthly fee for the card's fee type, in cents.
    pub monthly_fee: i64,
}

/// Appends the card's next numbered event for a status change.
pub(super) async fn append_event(
    conn: &mut Conn<'_>,
    change: &StatusChange<'_>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO card_events (card_id, seq, status, stage, at_ms) \
         SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4 FROM card_events WHERE card_id = $1",
        &[
            change.card_id.into(),
            change.status.code().into(),
            change.stage.code().into(),
            change.at_ms.into(),
        ],
    )
    .await?;
    Ok(())
}

/// One card's stage completion, as [`Database::advance_stage`] describes it.
pub(super) struct StageStep<'a> {
    pub card_id: &'a CardId,
    pub owner: &'a str,
    pub from: ProvisioningStage,
    pub to: ProvisioningStage,
    pub lease_ms: i64,
    pub activation: Option<&'a Activation>,
}

/// Writes one stage completion inside the caller's transaction: `None`, having changed nothing,
/// when the lease or the stage is no longer as expected; otherwise what to announce on commit.
pub(super) async fn advance_card(
    conn: &mut Conn<'_>,
    step: &StageStep<'_>,
    now: i64,
) -> Result<Option<Vec<Change>>, StoreError> {
    let StageStep {
        card_id,
        owner,
        from,
        to,
        lease_ms,
        activation,
    } = *step;
    let finished = activation.is_some();
    let status = to.status();
    let updated: Option<(String,)> = conn
        .fetch_optional(
            "UPDATE cards SET stage = $1, status = $2, updated_at_ms = $3, attempts = 0, \
             next_run_at_ms = CASE WHEN $4 THEN NULL ELSE $3 END, \
             lease_owner = CASE WHEN $4 THEN NULL ELSE lease_owner END, \
             lease_expires_at_ms = CASE WHEN $4 THEN NULL ELSE $5 END, \
             card_bin = COALESCE($6, card_bin), last4 = COALESCE($7, last4), \
             exp_month = COALESCE($8, exp_month), exp_year = COALESCE($9, exp_year), \
             pan_ciphertext = COALESCE($10, pan_ciphertext), cvc_ciphertext = COALESCE($11, cvc_ciphertext), \
             pan_fingerprint = COALESCE($12, pan_fingerprint), \
             next_fee_at_ms = CASE WHEN $4 THEN $16 ELSE next_fee_at_ms END \
             WHERE id = $13 AND stage = $14 AND lease_owner = $15 RETURNING merchant_id",
            &[
                to.code().into(),
                status.code().into(),
                now.into(),
                finished.into(),
                (now + lease_ms).into(),
                activation.map(|a| a.card_bin.as_str()).into(),
                activation.map(|a| a.last4.as_str()).into(),
                activation.map(|a| a.exp_month).into(),
                activation.map(|a| a.exp_year).into(),
                activation.map(|a| a.pan_ciphertext.as_slice()).into(),
                activation.map(|a| a.cvc_ciphertext.as_slice()).into(),
                activation.map(|a| a.pan_fingerprint.as_str()).into(),
                card_id.into(),
                from.code().into(),
                owner.into(),
                (now + FEE_PERIOD_MS).into(),
            ],
        )
        .await?;
    let Some((merchant_id,)) = updated else {
        return Ok(None);
    };
    let merchant_id = MerchantId::new(merchant_id);
    let change = StatusChange {
        card_id,
        status,
        stage: to,
        at_ms: now,
    };
    append_event(conn, &change).await?;
    if let Some(activation) = activation {
        let reference = format!("fee:{card_id}:{now}");
        let fee = activation.first_fee;
        charge_fee(conn, &merchant_id, card_id, fee, &reference, now).await?;
    }
    let queued = from.status() != status && enqueue_status_callback(conn, &change).await?;
    let mut changes = vec![Change::Card {
        merchant: merchant_id,
        card: card_id.clone(),
    }];
    if queued {
        changes.push(Change::CallbackDue);
    }
    Ok(Some(changes))
}

impl Database {
    /// Leases up to `limit` due cards (see [`super::Queue`]).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn claim_due_cards(
        &self,
        owner: &str,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<CardId>, StoreError> {
        let claimed: Vec<String> = self
            .claim_due(super::Queue::Provisioning, owner, lease_ms, limit)
            .await?;
        Ok(claimed.into_iter().map(CardId::new).collect())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(%card_id))]
    pub async fn provisioning_card(
        &self,
        card_id: &CardId,
    ) -> Result<Option<ProvisioningCard>, StoreError> {
        let sql = format!(
            "SELECT c.id, c.merchant_id, c.stage, c.status, c.first_name, c.last_name, c.attempts, \
             r.bin, r.pan_length, r.valid_months, {MONTHLY_FEE_SQL} AS monthly_fee \
             FROM cards c JOIN card_ranges r ON r.id = c.range_id WHERE c.id = $1"
        );
        self.fetch_optional(&sql, &[card_id.into()]).await
    }

    /// Records that `from` is done and `to` is next (or, for `Activated`, that the card is live with
    /// its secrets). Returns false, changing nothing, unless `owner` still holds the lease and the
    /// card is still at `from`. The worker batches these (see [`super::stage_batches`]).
    #[tracing::instrument(level = "debug", skip_all, fields(%card_id))]
    pub async fn advance_stage(
        &self,
        card_id: &CardId,
        owner: &str,
        from: ProvisioningStage,
        to: ProvisioningStage,
        lease_ms: i64,
        activation: Option<&Activation>,
    ) -> Result<bool, StoreError> {
        let step = StageStep {
            card_id,
            owner,
            from,
            to,
            lease_ms,
            activation,
        };
        let mut tx = self.begin().await?;
        let Some(changes) = advance_card(&mut tx.conn(), &step, self.now_ms()).await? else {
            return Ok(false);
        };
        for change in changes {
            tx.announce(change);
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Provisioning failed for good: CARD FAILED REFUND, and the whole card balance back to the
    /// wallet in the same transaction. Same guard as [`Database::advance_stage`].
    #[tracing::instrument(level = "debug", skip_all, fields(%card_id))]
    pub async fn fail_card(
        &self,
        card_id: &CardId,
        owner: &str,
        at: ProvisioningStage,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let now = self.now_ms();
        let mut tx = self.begin().await?;
        let mut conn = tx.conn();
        let row: Option<(String,)> = conn
            .fetch_optional(
                "UPDATE cards SET status = $1, failure_reason = $2, updated_at_ms = $3, next_run_at_ms = NULL, \
                 lease_owner = NULL, lease_expires_at_ms = NULL WHERE id = $4 AND stage = $5 AND lease_owner = $6 \
                 RETURNING merchant_id",
                &[
                    CardStatus::CardFailedRefund.code().into(),
                    reason.into(),
                    now.into(),
                    card_id.into(),
                    at.code().into(),
                    owner.into(),
                ],
            )
            .await?;
        let Some((merchant_id,)) = row else {
            return Ok(false);
        };
        let merchant_id = MerchantId::new(merchant_id);
        let change = StatusChange {
            card_id,
            status: CardStatus::CardFailedRefund,
            stage: at,
            at_ms: now,
        };
        append_event(&mut conn, &change).await?;
        let queued = enqueue_status_callback(&mut conn, &change).await?;
        let card = Account::Card(card_id.to_owned());
        let balance = balance_of(&mut conn, &card).await?;
        if balance.is_positive() {
            let wallet = Account::MerchantWallet(merchant_id.clone());
            let refund = JournalEntry::transfer(EntryKind::DepositRefund, card, wallet, balance)
                .map_err(|error| StoreError::Invalid(error.to_string()))?;
            let reference = format!("refund:{card_id}");
            post_entry(
                &mut conn,
                &refund,
                &merchant_id,
                Some(card_id),
                &reference,
                now,
            )
            .await?;
        }
        tx.announce(Change::Card {
            merchant: merchant_id,
            card: card_id.clone(),
        });
        if queued {
            tx.announce(Change::CallbackDue);
        }
        tx.commit().await?;
        Ok(true)
    }

    /// A transient processor error: release the lease and try again at `retry_at_ms`.
    #[tracing::instrument(level = "debug", skip_all, fields(%card_id))]
    pub async fn retry_stage_later(
        &self,
        card_id: &CardId,
        owner: &str,
        retry_at_ms: i64,
    ) -> Result<(), StoreError> {
        let sql =
            "UPDATE cards SET attempts = attempts + 1, next_run_at_ms = $1, lease_owner = NULL, \
                   lease_expires_at_ms = NULL WHERE id = $2 AND lease_owner = $3";
        self.execute(sql, &[retry_at_ms.into(), card_id.into(), owner.into()])
            .await?;
        Ok(())
    }

    /// Gives up this worker's leases (at shutdown) so the cards are due again at once.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn release_leases(&self, owner: &str) -> Result<(), StoreError> {
        let sql = "UPDATE cards SET lease_owner = NULL, lease_expires_at_ms = NULL WHERE lease_owner = $1";
        if self.execute(sql, &[owner.into()]).await? > 0 {
            // Another instance's worker takes them over now, not at its next look.
            self.announce(&[Change::ProvisioningDue]).await;
        }
        Ok(())
    }

    /// The encrypted PAN and CVC of a merchant's card, for an explicit reveal.
    #[tracing::instrument(level = "debug", skip_all, fields(%merchant_id, %card_id))]
    pub async fn card_secrets(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<Option<SealedSecrets>, StoreError> {
        let sql =
            "SELECT pan_ciphertext, cvc_ciphertext FROM cards WHERE merchant_id = $1 AND id = $2 \
                   AND pan_ciphertext IS NOT NULL";
        self.fetch_optional(sql, &[merchant_id.into(), card_id.into()])
            .await
    }
}
