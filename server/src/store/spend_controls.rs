//! A card's spend controls. Stored only once set (by dialect B's creation or a settings update);
//! until then a card has [`SpendControls::initial`] for its current balance.

use app::domain::{
    ledger::Account,
    spend_controls::{SpendControls, SpendLimit},
};

use super::{
    dispatch::{in_transaction, on_pool},
    ledger::balance_of,
    Database, StoreError,
};

/// A card's controls and the nickname stored beside them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredControls {
    pub controls: SpendControls,
    pub nick_name: Option<String>,
}

impl StoredControls {
    /// What a card has until its controls are set.
    pub fn initial(balance: app::domain::Cents) -> Self {
        Self {
            controls: SpendControls::initial(balance),
            nick_name: None,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ControlsRow {
    nick_name: Option<String>,
    limits: String,
    active_from_ms: Option<i64>,
    active_to_ms: Option<i64>,
    allowed_currencies: String,
    limit_per_transaction: i64,
    is_autolimit: bool,
}

/// `controls_row!(conn, card_id)`: the stored controls row of a card, if any.
macro_rules! controls_row {
    ($conn:expr, $card:expr) => {
        sqlx::query_as::<_, $crate::store::spend_controls::ControlsRow>(
            "SELECT nick_name, limits, active_from_ms, active_to_ms, allowed_currencies, \
             limit_per_transaction, is_autolimit FROM card_controls WHERE card_id = $1",
        )
        .bind($card)
        .fetch_optional($conn)
        .await
    };
}
pub(super) use controls_row;

/// `controls_of!(conn, card_id)`: the card's effective controls (stored, or the initial ones for
/// its balance), as a `Result<StoredControls, StoreError>`.
macro_rules! controls_of {
    ($conn:expr, $card:expr) => {
        async {
            let card: &str = $card;
            match controls_row!(&mut *$conn, card)? {
                Some(row) => row.into_stored(card),
                None => {
                    let balance = balance_of!(&mut *$conn, Account::Card(card.to_owned()).code())?;
                    Ok(StoredControls::initial(balance))
                }
            }
        }
        .await
    };
}

impl ControlsRow {
    pub(super) fn into_stored(self, card_id: &str) -> Result<StoredControls, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("{what} of card {card_id}"));
        let limits: Vec<SpendLimit> =
            serde_json::from_str(&self.limits).map_err(|_| corrupt("limits"))?;
        let allowed_currencies: Vec<String> =
            serde_json::from_str(&self.allowed_currencies).map_err(|_| corrupt("currencies"))?;
        Ok(StoredControls {
            controls: SpendControls {
                limits,
                active_from_ms: self.active_from_ms,
                active_to_ms: self.active_to_ms,
                allowed_currencies,
                limit_per_transaction: app::domain::Cents(self.limit_per_transaction),
                is_autolimit: self.is_autolimit,
            },
            nick_name: self.nick_name,
        })
    }
}

/// `upsert_controls!(conn, card_id, &stored, only_if_absent)`.
macro_rules! upsert_controls {
    ($conn:expr, $card:expr, $stored:expr, $only_if_absent:expr) => {
        async {
            let stored: &StoredControls = $stored;
            let controls = &stored.controls;
            let on_conflict = if $only_if_absent {
                "DO NOTHING"
            } else {
                "DO UPDATE SET nick_name = excluded.nick_name, limits = excluded.limits, \
                 active_from_ms = excluded.active_from_ms, active_to_ms = excluded.active_to_ms, \
                 allowed_currencies = excluded.allowed_currencies, \
                 limit_per_transaction = excluded.limit_per_transaction, is_autolimit = excluded.is_autolimit"
            };
            let sql = format!(
                "INSERT INTO card_controls (card_id, nick_name, limits, active_from_ms, active_to_ms, \
                 allowed_currencies, limit_per_transaction, is_autolimit) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (card_id) {on_conflict}"
            );
            sqlx::query(&sql)
                .bind($card)
                .bind(stored.nick_name.as_deref())
                .bind(serde_json::to_string(&controls.limits).unwrap_or_else(|_| "[]".into()))
                .bind(controls.active_from_ms)
                .bind(controls.active_to_ms)
                .bind(serde_json::to_string(&controls.allowed_currencies).unwrap_or_else(|_| "[]".into()))
                .bind(controls.limit_per_transaction.0)
                .bind(controls.is_autolimit)
                .execute(&mut *$conn)
                .await
                .map(drop)
        }
        .await
    };
}

impl Database {
    /// The controls of a merchant's card; `None` when the card is not the merchant's.
    pub async fn card_controls(
        &self,
        merchant_id: &str,
        card_id: &str,
    ) -> Result<Option<StoredControls>, StoreError> {
        if !self.owns_card(merchant_id, card_id).await? {
            return Ok(None);
        }
        let stored = on_pool!(self, pool => {
            let mut conn = pool.acquire().await?;
            controls_of!(conn, card_id)
        })?;
        Ok(Some(stored))
    }

    /// Stores a card's controls. With `only_if_absent`, controls already stored win (a repeated
    /// creation must not reset settings changed since).
    pub async fn set_card_controls(
        &self,
        card_id: &str,
        stored: &StoredControls,
        only_if_absent: bool,
    ) -> Result<(), StoreError> {
        in_transaction!(self, tx => upsert_controls!(tx, card_id, stored, only_if_absent)?);
        Ok(())
    }

    pub async fn owns_card(&self, merchant_id: &str, card_id: &str) -> Result<bool, StoreError> {
        let sql = "SELECT COUNT(*) FROM cards WHERE merchant_id = $1 AND id = $2";
        let count: i64 = on_pool!(self, pool => sqlx::query_scalar(sql).bind(merchant_id).bind(card_id).fetch_one(pool).await)?;
        Ok(count == 1)
    }
}
