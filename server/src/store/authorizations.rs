//! Purchase authorizations: decided against the card's controls and funds while the card is
//! locked, so two concurrent purchases cannot both spend the same money; approved ones hold funds
//! (PENDING) until captured (the ledger moves the money to spend) or reversed (the hold ends).

use app::domain::ids::{AuthorizationId, CardId, MerchantId};
use app::{
    domain::{
        ledger::{Account, EntryKind, JournalEntry},
        spend_controls::{
            authorize, AuthorizationStatus, CardForAuthorization, PastSpend, Purchase,
        },
        CardStatus, Cents,
    },
    ports::AuthorizationView,
};

use crate::change_feed::Change;

use super::{
    card_operations::lock_card,
    ledger::{change_hold, funds_of, post_entry},
    spend_controls::{controls_row, StoredControls},
    CardOperationError, Database, StoreError,
};
use crate::secrets::random;

type AuthorizationRow = (
    String,
    String,
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    Option<i64>,
);

const AUTHORIZATION_COLUMNS: &str =
    "id, card_id, amount, currency, merchant_name, category, status, \
     decline_reason, created_at_ms, settled_at_ms";

fn authorization(row: AuthorizationRow) -> Result<AuthorizationView, StoreError> {
    let (
        id,
        card_id,
        amount,
        currency,
        merchant_name,
        category,
        status,
        decline_reason,
        created_at_ms,
        settled_at_ms,
    ) = row;
    Ok(AuthorizationView {
        status: AuthorizationStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("authorization {id}")))?,
        id: AuthorizationId::new(id),
        card_id: CardId::new(card_id),
        amount: Cents(amount),
        currency,
        merchant_name,
        category,
        decline_reason,
        created_at_ms,
        settled_at_ms,
    })
}

impl Database {
    /// Decides a purchase on a merchant's card and records the decision (declines too, so the
    /// merchant sees them). `bin_merchants` is the card's BIN allow-list.
    #[tracing::instrument(level = "debug", skip_all, fields(%merchant_id, %card_id))]
    pub async fn authorize_purchase(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
        purchase: &Purchase,
        category: &str,
        bin_merchants: &[String],
    ) -> Result<AuthorizationView, CardOperationError> {
        let id = random::id("auth_");
        let account = Account::Card(card_id.to_owned());
        let mut tx = self.begin().await?;
        let mut conn = tx.conn();
        // Lock the card first: every authorization of this card queues here, and so does every
        // other operation on its money.
        let status = lock_card(&mut conn, merchant_id, card_id)
            .await?
            .ok_or(CardOperationError::NotFound)?;
        let funds = funds_of(&mut conn, &account).await?;
        let spent: Vec<(i64, i64)> = conn
            .fetch_all(
                "SELECT amount, created_at_ms FROM authorizations \
                 WHERE card_id = $1 AND status IN ('PENDING', 'CAPTURED')",
                &[card_id.into()],
            )
            .await?;
        let past: Vec<PastSpend> = spent
            .iter()
            .map(|(amount, at_ms)| PastSpend {
                amount: Cents(*amount),
                at_ms: *at_ms,
            })
            .collect();
        let stored = match controls_row(&mut conn, card_id).await? {
            Some(row) => row.into_stored(card_id)?,
            None => StoredControls::initial(funds.balance),
        };
        let decision = authorize(
            &CardForAuthorization {
                status,
                spendable: funds.unheld(),
                controls: &stored.controls,
                bin_merchants,
                past_spend: &past,
            },
            purchase,
        );
        let (status, reason) = match decision {
            Ok(()) => (AuthorizationStatus::Pending, None),
            Err(reason) => (AuthorizationStatus::Declined, Some(reason.code())),
        };
        if status == AuthorizationStatus::Pending {
            // The hold sits beside the balance, where the database refuses anything that would
            // leave less money on the card than it holds.
            change_hold(&mut conn, &account, purchase.amount).await?;
        }
        conn.execute(
            "INSERT INTO authorizations (id, card_id, amount, currency, merchant_name, category, status, \
             decline_reason, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                (&id).into(),
                card_id.into(),
                purchase.amount.0.into(),
                (&purchase.currency).into(),
                (&purchase.merchant_name).into(),
                category.into(),
                status.code().into(),
                reason.as_deref().into(),
                purchase.at_ms.into(),
            ],
        )
        .await?;
        tx.announce(Change::card(merchant_id, card_id));
        tx.commit().await?;
        let decision = (status, reason);
        Ok(AuthorizationView {
            id: AuthorizationId::new(id),
            card_id: card_id.to_owned(),
            amount: purchase.amount,
            currency: purchase.currency.clone(),
            merchant_name: purchase.merchant_name.clone(),
            category: category.to_owned(),
            status: decision.0,
            decline_reason: decision.1,
            created_at_ms: purchase.at_ms,
            settled_at_ms: None,
        })
    }

    /// Ends a PENDING authorization: `capture` moves its amount from the card to spend through
    /// the ledger; otherwise the hold is released. Settling twice is refused. A closed card's
    /// authorizations settle too: a capture takes what the closure left held, and a reversal
    /// sends it back to the wallet, so a deleted card ends with nothing on it.
    #[tracing::instrument(level = "debug", skip_all, fields(%merchant_id, %authorization_id))]
    pub async fn settle_authorization(
        &self,
        merchant_id: &MerchantId,
        authorization_id: &AuthorizationId,
        capture: bool,
        now: i64,
    ) -> Result<AuthorizationView, CardOperationError> {
        let card_id: Option<String> = self
            .scalar_optional(
                "SELECT card_id FROM authorizations WHERE id = $1",
                &[authorization_id.into()],
            )
            .await?;
        let card_id = CardId::new(card_id.ok_or(CardOperationError::NotFound)?);
        let settled = self
            .settle_pending(merchant_id, authorization_id, &card_id, capture, now)
            .await?;
        let current = self
            .authorization(merchant_id, authorization_id)
            .await?
            .ok_or(CardOperationError::NotFound)?;
        if settled {
            Ok(current)
        } else {
            Err(CardOperationError::NotPending(current.status.code()))
        }
    }

    /// The settlement itself, under the card's lock; whether the authorization was PENDING.
    #[tracing::instrument(level = "debug", skip_all, fields(%merchant_id, %card_id, %authorization_id))]
    async fn settle_pending(
        &self,
        merchant_id: &MerchantId,
        authorization_id: &AuthorizationId,
        card_id: &CardId,
        capture: bool,
        now: i64,
    ) -> Result<bool, CardOperationError> {
        let to = if capture {
            AuthorizationStatus::Captured
        } else {
            AuthorizationStatus::Reversed
        };
        let card = Account::Card(card_id.to_owned());
        let mut tx = self.begin().await?;
        let mut conn = tx.conn();
        // The card's lock first, as every operation on its money takes it.
        let card_status = lock_card(&mut conn, merchant_id, card_id)
            .await?
            .ok_or(CardOperationError::NotFound)?;
        let amount: Option<i64> = conn
            .scalar_optional(
                "UPDATE authorizations SET status = $1, settled_at_ms = $2 \
                 WHERE id = $3 AND card_id = $4 AND status = 'PENDING' RETURNING amount",
                &[
                    to.code().into(),
                    now.into(),
                    authorization_id.into(),
                    card_id.into(),
                ],
            )
            .await?;
        let Some(amount) = amount.map(Cents) else {
            return Ok(false);
        };
        // Release the hold before the money leaves: the balance may not drop below it.
        change_hold(&mut conn, &card, Cents(-amount.0)).await?;
        let end = if capture {
            let reference = format!("capture:{authorization_id}");
            Some((EntryKind::Consumption, Account::Spend, reference))
        } else if card_status == CardStatus::Deleted {
            let wallet = Account::MerchantWallet(merchant_id.to_owned());
            let reference = format!("closure:{card_id}:{authorization_id}");
            Some((EntryKind::CardClosure, wallet, reference))
        } else {
            None
        };
        if let Some((kind, to, reference)) = end {
            let entry = JournalEntry::transfer(kind, card, to, amount)
                .map_err(|error| StoreError::Invalid(error.to_string()))?;
            post_entry(
                &mut conn,
                &entry,
                merchant_id,
                Some(card_id),
                &reference,
                now,
            )
            .await?;
        }
        tx.announce(Change::card(merchant_id, card_id));
        tx.commit().await?;
        Ok(true)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(%merchant_id, %authorization_id))]
    pub async fn authorization(
        &self,
        merchant_id: &MerchantId,
        authorization_id: &AuthorizationId,
    ) -> Result<Option<AuthorizationView>, StoreError> {
        let sql = format!(
            "SELECT {AUTHORIZATION_COLUMNS} FROM authorizations WHERE id = $1 \
             AND card_id IN (SELECT id FROM cards WHERE merchant_id = $2)"
        );
        let row: Option<AuthorizationRow> = self
            .fetch_optional(&sql, &[authorization_id.into(), merchant_id.into()])
            .await?;
        row.map(authorization).transpose()
    }

    /// A card's authorizations, newest first.
    #[tracing::instrument(level = "debug", skip_all, fields(%card_id))]
    pub async fn card_authorizations(
        &self,
        card_id: &CardId,
    ) -> Result<Vec<AuthorizationView>, StoreError> {
        let sql = format!(
            "SELECT {AUTHORIZATION_COLUMNS} FROM authorizations WHERE card_id = $1 ORDER BY created_at_ms DESC, id"
        );
        let rows: Vec<AuthorizationRow> = self.fetch_all(&sql, &[card_id.into()]).await?;
        rows.into_iter().map(authorization).collect()
    }

    /// The funds held by a card's pending authorizations.
    #[tracing::instrument(level = "debug", skip_all, fields(%card_id))]
    pub async fn pending_holds(&self, card_id: &CardId) -> Result<Cents, StoreError> {
        let sql = "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM authorizations WHERE card_id = $1 AND status = 'PENDING'";
        let total: i64 = self.scalar(sql, &[card_id.into()]).await?;
        Ok(Cents(total))
    }
}
