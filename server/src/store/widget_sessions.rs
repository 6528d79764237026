//! Widget sessions: what a partner page may do on a merchant's behalf, and until when.

use app::domain::ids::{CardId, MerchantId, SessionId};
use app::domain::{plan_names::PlanNames, CardStatus, Cents};

use super::{hash_token, Database, StoreError};
use crate::change_feed::Change;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WidgetSession {
    pub id: SessionId,
    pub merchant_id: MerchantId,
    /// The first session of the chain this one continues (its own id when it continues none):
    /// a session shows the cards of every session in its chain.
    pub chain_id: SessionId,
    pub allowed_origins: Vec<String>,
    pub customer_email: Option<String>,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    /// Cards the session may make, and what they may deposit in all.
    pub max_cards: i64,
    pub max_deposit: Cents,
    /// What the merchant calls its fee plans in this session's widget.
    pub plan_names: PlanNames,
    /// When the merchant ended the session early, from the console: from then on it neither
    /// makes nor shows cards.
    pub closed_at_ms: Option<i64>,
    /// The console user who minted it; `None` when an API key did.
    pub created_by: Option<String>,
}

/// What counts against a session's caps: its cards (made or being made) and their deposits, less
/// the cards that failed and were refunded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WidgetUsage {
    pub cards: i64,
    pub deposited: Cents,
}

/// The answer to a session asking for a place for one more card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WidgetReservation {
    Reserved,
    /// This session reserved this orderNo before: the same form again.
    AlreadyReserved,
    CardsUsedUp {
        max_cards: i64,
    },
    DepositUsedUp {
        left: Cents,
    },
}

/// The console lists this many of a merchant's live sessions at most.
pub const LIVE_SESSIONS_SHOWN: i64 = 100;

/// What became of a request to end a session early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionClosing {
    Closed,
    /// Not one of the merchant's sessions.
    Unknown,
    /// It had ended already: run out, or closed before.
    AlreadyOver,
}

impl WidgetSession {
    pub fn is_expired(&self, now_ms: i64) -> bool {
        now_ms >= self.expires_at_ms
    }
}

type SessionRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    i64,
    i64,
    i64,
    Option<String>,
    Option<i64>,
    Option<String>,
);

const SESSION_COLUMNS: &str = "id, merchant_id, chain_id, allowed_origins, customer_email, \
                               created_at_ms, expires_at_ms, max_cards, max_deposit_cents, plan_names, \
                               closed_at_ms, created_by";

/// What a session has used: its cards (made or being made) and their deposits, except cards that
/// failed and were refunded. `$1` the session, `$2` the CARD FAILED REFUND status code.
const USAGE: &str = "SELECT COUNT(*), CAST(COALESCE(SUM(r.deposit_cents), 0) AS BIGINT) \
                     FROM widget_session_cards r \
                     LEFT JOIN cards c ON c.merchant_id = r.merchant_id AND c.order_no = r.order_no \
                     WHERE r.session_id = $1 AND (c.status IS NULL OR c.status <> $2)";

impl Database {
    /// What of a session's caps its cards use (see [`USAGE`]).
    pub async fn widget_session_usage(
        &self,
        merchant_id: &MerchantId,
        session_id: &SessionId,
    ) -> Result<WidgetUsage, StoreError> {
        let refunded = CardStatus::CardFailedRefund.code();
        let sql = format!("{USAGE} AND r.merchant_id = $3");
        let (cards, deposited): (i64, i64) = self
            .fetch_one(
                &sql,
                &[session_id.into(), refunded.into(), merchant_id.into()],
            )
            .await?;
        Ok(WidgetUsage {
            cards,
            deposited: Cents(deposited),
        })
    }

    /// Stores a session under the hash of its token (the token itself is only ever given out).
    pub async fn create_widget_session(
        &self,
        session: &WidgetSession,
        token: &str,
    ) -> Result<(), StoreError> {
        let origins = serde_json::to_string(&session.allowed_origins)
            .map_err(|error| StoreError::Invalid(error.to_string()))?;
        let plan_names = if session.plan_names.is_empty() {
            None
        } else {
            Some(
                serde_json::to_string(&session.plan_names)
                    .map_err(|error| StoreError::Invalid(error.to_string()))?,
            )
        };
        let sql =
            "INSERT INTO widget_sessions (id, token_hash, merchant_id, chain_id, allowed_origins, \
                   customer_email, created_at_ms, expires_at_ms, max_cards, max_deposit_cents, \
                   plan_names, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
        self.execute(
            sql,
            &[
                (&session.id).into(),
                (&hash_token(token)).into(),
                (&session.merchant_id).into(),
                (&session.chain_id).into(),
                (&origins).into(),
                (session.customer_email.as_deref()).into(),
                session.created_at_ms.into(),
                session.expires_at_ms.into(),
                session.max_cards.into(),
                session.max_deposit.0.into(),
                plan_names.as_deref().into(),
                session.created_by.as_deref().into(),
            ],
        )
        .await?;
        Ok(())
    }

    /// The session a token belongs to, expired or not (the caller decides what expiry means).
    pub async fn widget_session(&self, token: &str) -> Result<Option<WidgetSession>, StoreError> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM widget_sessions WHERE token_hash = $1");
        let row: Option<SessionRow> = self
            .fetch_optional(&sql, &[(&hash_token(token)).into()])
            .await?;
        row.map(session_of_row).transpose()
    }

    /// One of a merchant's sessions by its id, expired or not: another merchant's is `None`.
    pub async fn widget_session_by_id(
        &self,
        merchant_id: &MerchantId,
        session_id: &SessionId,
    ) -> Result<Option<WidgetSession>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM widget_sessions WHERE id = $1 AND merchant_id = $2"
        );
        let row: Option<SessionRow> = self
            .fetch_optional(&sql, &[session_id.into(), merchant_id.into()])
            .await?;
        row.map(session_of_row).transpose()
    }

    /// How many cards the sessions of a chain have made or are making.
    pub async fn widget_chain_cards(
        &self,
        merchant_id: &MerchantId,
        chain_id: &SessionId,
    ) -> Result<i64, StoreError> {
        let sql = "SELECT COUNT(*) FROM widget_sessions s \
                   JOIN widget_session_cards r ON r.session_id = s.id AND r.merchant_id = s.merchant_id \
                   WHERE s.merchant_id = $1 AND s.chain_id = $2";
        self.scalar(sql, &[merchant_id.into(), chain_id.into()])
            .await
    }

    /// The newest card made through any session of a chain.
    pub async fn latest_widget_card(
        &self,
        merchant_id: &MerchantId,
        chain_id: &SessionId,
    ) -> Result<Option<CardId>, StoreError> {
        let sql = "SELECT c.id FROM widget_sessions s \
                   JOIN widget_session_cards r ON r.session_id = s.id AND r.merchant_id = s.merchant_id \
                   JOIN cards c ON c.merchant_id = r.merchant_id AND c.order_no = r.order_no \
                   WHERE s.merchant_id = $1 AND s.chain_id = $2 \
                   ORDER BY c.created_at_ms DESC, c.id DESC LIMIT 1";
        let card: Option<String> = self
            .scalar_optional(sql, &[merchant_id.into(), chain_id.into()])
            .await?;
        Ok(card.map(CardId::new))
    }

    /// Whether the orderNo was reserved by a session of this chain (its card was made through it).
    pub async fn widget_chain_reserved(
        &self,
        merchant_id: &MerchantId,
        chain_id: &SessionId,
        order_no: &str,
    ) -> Result<bool, StoreError> {
        let sql = "SELECT COUNT(*) FROM widget_session_cards r \
                   JOIN widget_sessions s ON s.id = r.session_id AND s.merchant_id = r.merchant_id \
                   WHERE r.merchant_id = $1 AND r.order_no = $2 AND s.chain_id = $3";
        let count: i64 = self
            .scalar(sql, &[merchant_id.into(), order_no.into(), chain_id.into()])
            .await?;
        Ok(count > 0)
    }

    /// Reserves a place for one more card of `session_id` under the session's caps. The session
    /// row is locked first, so reservations of one session happen one after the other and the
    /// last place cannot be taken twice; a card that ended in CARD FAILED REFUND was refunded and
    /// no longer counts.
    pub async fn reserve_widget_card(
        &self,
        merchant_id: &MerchantId,
        session_id: &SessionId,
        order_no: &str,
        deposit: Cents,
        now_ms: i64,
    ) -> Result<WidgetReservation, StoreError> {
        let lock = "UPDATE widget_sessions SET max_cards = max_cards \
                    WHERE id = $1 AND merchant_id = $2 RETURNING max_cards, max_deposit_cents";
        let earlier = "SELECT COUNT(*) FROM widget_session_cards \
                       WHERE merchant_id = $1 AND order_no = $2 AND session_id = $3";
        let usage = format!("{USAGE} AND r.merchant_id = $3");
        let reserve = "INSERT INTO widget_session_cards \
                       (merchant_id, order_no, session_id, deposit_cents, reserved_at_ms) \
                       VALUES ($1, $2, $3, $4, $5)";
        let refunded = CardStatus::CardFailedRefund.code();
        let mut tx = self.begin().await?;
        let mut conn = tx.conn();
        let limits: Option<(i64, i64)> = conn
            .fetch_optional(lock, &[session_id.into(), merchant_id.into()])
            .await?;
        let Some((max_cards, max_deposit)) = limits else {
            return Err(StoreError::Invalid(format!("widget session {session_id}")));
        };
        let reserved_before: i64 = conn
            .scalar(
                earlier,
                &[merchant_id.into(), order_no.into(), session_id.into()],
            )
            .await?;
        if reserved_before > 0 {
            return Ok(WidgetReservation::AlreadyReserved);
        }
        let (cards, deposited): (i64, i64) = conn
            .fetch_one(
                &usage,
                &[session_id.into(), refunded.into(), merchant_id.into()],
            )
            .await?;
        let left = max_deposit.saturating_sub(deposited).max(0);
        if cards >= max_cards {
            return Ok(WidgetReservation::CardsUsedUp { max_cards });
        }
        if deposit.0 > left {
            return Ok(WidgetReservation::DepositUsedUp { left: Cents(left) });
        }
        let params = [
            merchant_id.into(),
            order_no.into(),
            session_id.into(),
            deposit.0.into(),
            now_ms.into(),
        ];
        conn.execute(reserve, &params).await?;
        tx.commit().await?;
        Ok(WidgetReservation::Reserved)
    }

    /// The merchant's sessions that still run (neither past their lifetime nor closed), newest
    /// first, at most [`LIVE_SESSIONS_SHOWN`], each with how many cards it has made or is making
    /// (refunded ones not counted, as for its cap).
    pub async fn live_widget_sessions(
        &self,
        merchant_id: &MerchantId,
        now_ms: i64,
    ) -> Result<Vec<(WidgetSession, i64)>, StoreError> {
        let live = "merchant_id = $1 AND closed_at_ms IS NULL AND expires_at_ms > $2";
        let sessions = format!(
            "SELECT {SESSION_COLUMNS} FROM widget_sessions WHERE {live} \
             ORDER BY created_at_ms DESC, id DESC LIMIT {LIVE_SESSIONS_SHOWN}"
        );
        let rows: Vec<SessionRow> = self
            .fetch_all(&sessions, &[merchant_id.into(), now_ms.into()])
            .await?;
        let counts = format!(
            "SELECT r.session_id, COUNT(*) FROM widget_session_cards r \
             LEFT JOIN cards c ON c.merchant_id = r.merchant_id AND c.order_no = r.order_no \
             WHERE r.merchant_id = $1 AND (c.status IS NULL OR c.status <> $3) \
             AND r.session_id IN (SELECT id FROM widget_sessions WHERE {live}) \
             GROUP BY r.session_id"
        );
        let refunded = CardStatus::CardFailedRefund.code();
        let counts: Vec<(String, i64)> = self
            .fetch_all(
                &counts,
                &[merchant_id.into(), now_ms.into(), refunded.into()],
            )
            .await?;
        let counts: std::collections::HashMap<String, i64> = counts.into_iter().collect();
        rows.into_iter()
            .map(|row| {
                let session = session_of_row(row)?;
                let made = counts.get(session.id.as_str()).copied().unwrap_or(0);
                Ok((session, made))
            })
            .collect()
    }

    /// Ends a running session of the merchant's now: its form makes no more cards and its open
    /// trackers are told (the change feed wakes their streams, here and on other instances).
    pub async fn close_widget_session(
        &self,
        merchant_id: &MerchantId,
        session_id: &SessionId,
        now_ms: i64,
    ) -> Result<SessionClosing, StoreError> {
        let close = "UPDATE widget_sessions SET closed_at_ms = $3 \
                     WHERE id = $1 AND merchant_id = $2 AND closed_at_ms IS NULL \
                     AND expires_at_ms > $3 RETURNING id";
        let mut tx = self.begin().await?;
        let closed: Option<String> = tx
            .conn()
            .scalar_optional(
                close,
                &[session_id.into(), merchant_id.into(), now_ms.into()],
            )
            .await?;
        if closed.is_none() {
            let known = "SELECT COUNT(*) FROM widget_sessions WHERE id = $1 AND merchant_id = $2";
            let count: i64 = tx
                .conn()
                .scalar(known, &[session_id.into(), merchant_id.into()])
                .await?;
            return Ok(if count == 0 {
                SessionClosing::Unknown
            } else {
                SessionClosing::AlreadyOver
            });
        }
        tx.announce(Change::WidgetSession(session_id.clone()));
        tx.commit().await?;
        Ok(SessionClosing::Closed)
    }

    /// Gives back a reservation whose card was not made.
    pub async fn release_widget_card(
        &self,
        merchant_id: &MerchantId,
        session_id: &SessionId,
        order_no: &str,
    ) -> Result<(), StoreError> {
        let sql = "DELETE FROM widget_session_cards \
                   WHERE merchant_id = $1 AND order_no = $2 AND session_id = $3";
        self.execute(
            sql,
            &[merchant_id.into(), order_no.into(), session_id.into()],
        )
        .await?;
        Ok(())
    }
}

fn session_of_row(row: SessionRow) -> Result<WidgetSession, StoreError> {
    let (
        id,
        merchant_id,
        chain_id,
        origins,
        customer_email,
        created_at_ms,
        expires_at_ms,
        max_cards,
        max_deposit,
        plan_names,
        closed_at_ms,
        created_by,
    ) = row;
    let corrupt = || StoreError::Corrupt(format!("widget session {id}"));
    let allowed_origins = serde_json::from_str(&origins).map_err(|_| corrupt())?;
    let plan_names = match plan_names {
        Some(names) => serde_json::from_str(&names).map_err(|_| corrupt())?,
        None => PlanNames::default(),
    };
    Ok(WidgetSession {
        id: SessionId::new(id),
        merchant_id: MerchantId::new(merchant_id),
        chain_id: SessionId::new(chain_id),
        allowed_origins,
        customer_email,
        created_at_ms,
        expires_at_ms,
        max_cards,
        max_deposit: Cents(max_deposit),
        plan_names,
        closed_at_ms,
        created_by,
    })
}
