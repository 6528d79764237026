//! A card's spend controls. Stored only once set (by dialect B's creation or a settings update);
//! until then a card has [`SpendControls::initial`] for its current balance.

use app::domain::ids::{CardId, MerchantId};
use app::domain::{
    ledger::Account,
    spend_controls::{SpendControls, SpendLimit},
};

use super::{ledger::balance_of, sql::Conn, Database, StoreError};

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

/// The stored controls row of a card, if any.
pub(super) async fn controls_row(
    conn: &mut Conn<'_>,
    card_id: &CardId,
) -> Result<Option<ControlsRow>, StoreError> {
    Ok(conn
        .fetch_optional(
            "SELECT nick_name, limits, active_from_ms, active_to_ms, allowed_currencies, \
             limit_per_transaction, is_autolimit FROM card_controls WHERE card_id = $1",
            &[card_id.into()],
        )
        .await?)
}

/// The card's effective controls: stored, or the initial ones for its balance.
pub(super) async fn controls_of(
    conn: &mut Conn<'_>,
    card_id: &CardId,
) -> Result<StoredControls, StoreError> {
    match controls_row(conn, card_id).await? {
        Some(row) => row.into_stored(card_id),
        None => {
            let balance = balance_of(conn, &Account::Card(card_id.to_owned())).await?;
            Ok(StoredControls::initial(balance))
        }
    }
}

impl ControlsRow {
    pub(super) fn into_stored(self, card_id: &CardId) -> Result<StoredControls, StoreError> {
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

/// Stores a card's controls; with `only_if_absent`, controls already stored win.
pub(super) async fn upsert_controls(
    conn: &mut Conn<'_>,
    card_id: &CardId,
    stored: &StoredControls,
    only_if_absent: bool,
) -> Result<(), StoreError> {
    let controls = &stored.controls;
    let on_conflict = if only_if_absent {
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
    let limits = serde_json::to_string(&controls.limits).unwrap_or_else(|_| "[]".into());
    let currencies =
        serde_json::to_string(&controls.allowed_currencies).unwrap_or_else(|_| "[]".into());
    conn.execute(
        &sql,
        &[
            card_id.into(),
            (&stored.nick_name).into(),
            (&limits).into(),
            controls.active_from_ms.into(),
            controls.active_to_ms.into(),
            (&currencies).into(),
            controls.limit_per_transaction.0.into(),
            controls.is_autolimit.into(),
        ],
    )
    .await?;
    Ok(())
}

impl Database {
    /// The controls of a merchant's card; `None` when the card is not the merchant's.
    #[tracing::instrument(level = "debug", skip_all, fields(%merchant_id, %card_id))]
    pub async fn card_controls(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<Option<StoredControls>, StoreError> {
        if !self.owns_card(merchant_id, card_id).await? {
            return Ok(None);
        }
        let stored = controls_of(&mut self.connection().await?.conn(), card_id).await?;
        Ok(Some(stored))
    }

    /// Stores a card's controls. With `only_if_absent`, controls already stored win (a repeated
    /// creation must not reset settings changed since).
    #[tracing::instrument(level = "debug", skip_all, fields(%card_id))]
    pub async fn set_card_controls(
        &self,
        card_id: &CardId,
        stored: &StoredControls,
        only_if_absent: bool,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        upsert_controls(&mut tx.conn(), card_id, stored, only_if_absent).await?;
        tx.commit().await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(%merchant_id, %card_id))]
    pub async fn owns_card(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<bool, StoreError> {
        let sql = "SELECT COUNT(*) FROM cards WHERE merchant_id = $1 AND id = $2";
        let count: i64 = self
            .scalar(sql, &[merchant_id.into(), card_id.into()])
            .await?;
        Ok(count == 1)
    }
}
