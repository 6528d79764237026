//! Purchase authorizations: decided against the card's controls and funds while the card is
//! locked, so two concurrent purchases cannot both spend the same money; approved ones hold funds
//! (PENDING) until captured (the ledger moves the money to spend) or reversed (the hold ends).

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

use super::{
    dispatch::{in_transaction, on_pool},
    ledger::{balance_of, post_entry},
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
        id,
        card_id,
        amount: Cents(amount),
        currency,
        merchant_name,
        category,
        decline_reason,
        created_at_ms,
        settled_at_ms,
    })
}

/// `held_by_pending!(conn, card_id)`: the funds the card's pending authorizations hold.
macro_rules! held_by_pending {
    ($conn:expr, $card:expr) => {
        sqlx::query_scalar::<_, i64>(
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM authorizations \
             WHERE card_id = $1 AND status = 'PENDING'",
        )
        .bind($card)
        .fetch_one($conn)
        .await
        .map(Cents)
    };
}
pub(super) use held_by_pending;

impl Database {
    /// Decides a purchase on a merchant's card and records the decision (declines too, so the
    /// merchant sees them). `bin_merchants` is the card's BIN allow-list.
    pub async fn authorize_purchase(
        &self,
        merchant_id: &str,
        card_id: &str,
        purchase: &Purchase,
        category: &str,
        bin_merchants: &[String],
    ) -> Result<AuthorizationView, CardOperationError> {
        let id = random::id("auth_");
        let decision = in_transaction!(self, tx => {
            // Lock the card first: every authorization of this card queues here.
            let status: Option<String> = sqlx::query_scalar(
                "UPDATE cards SET updated_at_ms = updated_at_ms WHERE id = $1 AND merchant_id = $2 RETURNING status",
            )
            .bind(card_id)
            .bind(merchant_id)
            .fetch_optional(&mut *tx)
            .await?;
            let status = status.ok_or(CardOperationError::NotFound)?;
            let status = CardStatus::parse(&status)
                .ok_or_else(|| StoreError::Corrupt(format!("card {card_id}")))?;
            let balance = balance_of!(&mut *tx, Account::Card(card_id.to_owned()).code())?;
            let held: Vec<(i64, i64, String)> = sqlx::query_as(
                "SELECT amount, created_at_ms, status FROM authorizations \
                 WHERE card_id = $1 AND status IN ('PENDING', 'CAPTURED')",
            )
            .bind(card_id)
            .fetch_all(&mut *tx)
            .await?;
            let pending: i64 = held.iter().filter(|(_, _, s)| s == "PENDING").map(|(a, _, _)| a).sum();
            let past: Vec<PastSpend> = held
                .iter()
                .map(|(amount, at_ms, _)| PastSpend { amount: Cents(*amount), at_ms: *at_ms })
                .collect();
            let stored = match controls_row!(&mut *tx, card_id)?
            {
                Some(row) => row.into_stored(card_id)?,
                None => StoredControls::initial(balance),
            };
            let decision = authorize(
                &CardForAuthorization {
                    status,
                    spendable: Cents(balance.0 - pending),
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
            sqlx::query(
                "INSERT INTO authorizations (id, card_id, amount, currency, merchant_name, category, status, \
                 decline_reason, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&id)
            .bind(card_id)
            .bind(purchase.amount.0)
            .bind(&purchase.currency)
            .bind(&purchase.merchant_name)
            .bind(category)
            .bind(status.code())
            .bind(reason.as_deref())
            .bind(purchase.at_ms)
            .execute(&mut *tx)
            .await?;
            (status, reason)
        });
        Ok(AuthorizationView {
            id,
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
    /// the ledger; otherwise the hold is released. Settling twice is refused.
    pub async fn settle_authorization(
        &self,
        merchant_id: &str,
        authorization_id: &str,
        capture: bool,
        now: i64,
    ) -> Result<AuthorizationView, CardOperationError> {
        let to = if capture {
            AuthorizationStatus::Captured
        } else {
            AuthorizationStatus::Reversed
        };
        let settled = in_transaction!(self, tx => {
            let row: Option<(String, i64)> = sqlx::query_as(
                "UPDATE authorizations SET status = $1, settled_at_ms = $2 WHERE id = $3 AND status = 'PENDING' \
                 AND card_id IN (SELECT id FROM cards WHERE merchant_id = $4) RETURNING card_id, amount",
            )
            .bind(to.code())
            .bind(now)
            .bind(authorization_id)
            .bind(merchant_id)
            .fetch_optional(&mut *tx)
            .await?;
            match row {
                None => false,
                Some((card_id, amount)) => {
                    if capture {
                        let entry = JournalEntry::transfer(
                            EntryKind::Consumption,
                            Account::Card(card_id.clone()),
                            Account::Spend,
                            Cents(amount),
                        )
                        .map_err(|error| StoreError::Invalid(error.to_string()))?;
                        let reference = format!("capture:{authorization_id}");
                        post_entry!(&mut *tx, &entry, merchant_id, Some(card_id.as_str()), &reference, now)?;
                    }
                    true
                }
            }
        });
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

    pub async fn authorization(
        &self,
        merchant_id: &str,
        authorization_id: &str,
    ) -> Result<Option<AuthorizationView>, StoreError> {
        let sql = format!(
            "SELECT {AUTHORIZATION_COLUMNS} FROM authorizations WHERE id = $1 \
             AND card_id IN (SELECT id FROM cards WHERE merchant_id = $2)"
        );
        let row: Option<AuthorizationRow> = on_pool!(self, pool => sqlx::query_as(&sql).bind(authorization_id).bind(merchant_id).fetch_optional(pool).await)?;
        row.map(authorization).transpose()
    }

    /// A card's authorizations, newest first.
    pub async fn card_authorizations(
        &self,
        card_id: &str,
    ) -> Result<Vec<AuthorizationView>, StoreError> {
        let sql = format!(
            "SELECT {AUTHORIZATION_COLUMNS} FROM authorizations WHERE card_id = $1 ORDER BY created_at_ms DESC, id"
        );
        let rows: Vec<AuthorizationRow> =
            on_pool!(self, pool => sqlx::query_as(&sql).bind(card_id).fetch_all(pool).await)?;
        rows.into_iter().map(authorization).collect()
    }

    /// The funds held by a card's pending authorizations.
    pub async fn pending_holds(&self, card_id: &str) -> Result<Cents, StoreError> {
        let sql = "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM authorizations WHERE card_id = $1 AND status = 'PENDING'";
        let total: i64 =
            on_pool!(self, pool => sqlx::query_scalar(sql).bind(card_id).fetch_one(pool).await)?;
        Ok(Cents(total))
    }
}
