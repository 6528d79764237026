//! Card views: a card as the core reports it, read as one consistent snapshot (one read
//! transaction), so a view's newest event can never run ahead of its status; and pages of cards
//! in a fixed number of queries whatever the page size (the card rows, their count, and the
//! figures, events and balances of all of them at once).

use app::domain::ids::{CardId, CustomerId, MerchantId};
use std::collections::HashMap;

use app::{
    domain::{
        issuing::{CardEvent, CardView},
        ledger::{Account, EntryKind},
        provisioning::ProvisioningStage,
        CardStatus, Cents,
    },
    ports::CardFilter,
};

use super::{
    sql::{placeholders, Conn, Param},
    Database, Pool, StoreError,
};

#[derive(sqlx::FromRow)]
struct CardRow {
    id: String,
    order_no: String,
    holder_id: String,
    seq_no: String,
    first_name: String,
    last_name: String,
    range_id: String,
    fee_type: String,
    user_id: Option<String>,
    customer_id: Option<String>,
    customer_external_id: Option<String>,
    customer_email: Option<String>,
    holder_address: Option<String>,
    tags: String,
    status: String,
    stage: String,
    failure_reason: Option<String>,
    card_bin: Option<String>,
    last4: Option<String>,
    exp_month: Option<i64>,
    exp_year: Option<i64>,
    created_at_ms: i64,
    updated_at_ms: i64,
    pan_length: i64,
    brand: String,
}

const CARD_COLUMNS: &str = "c.id, c.order_no, c.holder_id, c.seq_no, c.first_name, c.last_name, c.range_id, \
     c.fee_type, c.user_id, c.customer_id, COALESCE(u.external_id, c.external_customer_id) AS customer_external_id, \
     u.email AS customer_email, c.holder_address, c.tags, c.status, c.stage, c.failure_reason, \
     c.card_bin, c.last4, c.exp_month, c.exp_year, c.created_at_ms, c.updated_at_ms, r.pan_length, r.brand";
const CARD_FROM: &str =
    "FROM cards c JOIN card_ranges r ON r.id = c.range_id LEFT JOIN customers u ON u.id = c.customer_id";

impl Database {
    /// A card of this merchant, by id; another merchant's card is simply not found.
    #[tracing::instrument(level = "debug", skip_all, fields(%merchant_id, %card_id))]
    pub async fn card(
        &self,
        merchant_id: &MerchantId,
        card_id: &CardId,
    ) -> Result<Option<CardView>, StoreError> {
        let sql =
            format!("SELECT {CARD_COLUMNS} {CARD_FROM} WHERE c.merchant_id = $1 AND c.id = $2");
        self.one_view(&sql, &[merchant_id.into(), card_id.into()])
            .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(%merchant_id))]
    pub async fn card_by_order_no(
        &self,
        merchant_id: &MerchantId,
        order_no: &str,
    ) -> Result<Option<CardView>, StoreError> {
        let sql = format!(
            "SELECT {CARD_COLUMNS} {CARD_FROM} WHERE c.merchant_id = $1 AND c.order_no = $2"
        );
        self.one_view(&sql, &[merchant_id.into(), order_no.into()])
            .await
    }

    /// A page of the merchant's cards, newest first, and the total count.
    #[tracing::instrument(level = "debug", skip_all, fields(%merchant_id))]
    pub async fn cards(
        &self,
        merchant_id: &MerchantId,
        filter: &CardFilter,
        page: i64,
        page_size: i64,
    ) -> Result<(Vec<CardView>, i64), StoreError> {
        // A label is an element of the card's JSON array of labels; PostgreSQL answers that from
        // an index (`cards_by_tag`), SQLite by reading the merchant's cards' labels.
        let has_tag = match self.pool() {
            Pool::Sqlite(..) => {
                "EXISTS (SELECT 1 FROM json_each(c.tags) WHERE json_each.value = $4)"
            }
            Pool::Postgres(_) => "c.tags::jsonb ? $4",
        };
        let filter_sql = format!(
            "c.merchant_id = $1 AND ($2 IS NULL OR c.status = $2) AND ($3 IS NULL OR u.email = $3) \
             AND ($4 IS NULL OR {has_tag})"
        );
        let sql = format!(
            "SELECT {CARD_COLUMNS} {CARD_FROM} WHERE {filter_sql} \
             ORDER BY c.created_at_ms DESC, c.id DESC LIMIT $5 OFFSET $6"
        );
        let count = format!("SELECT COUNT(*) {CARD_FROM} WHERE {filter_sql}");
        let status = filter.status.map(CardStatus::code);
        let email = filter.customer_email.as_deref();
        let tag = filter.tag.as_deref();
        // Saturating: a page far beyond the last is simply empty, never an overflow.
        let offset = (page.max(1) - 1).saturating_mul(page_size.max(0));
        let filter_params = [merchant_id.into(), status.into(), email.into(), tag.into()];
        let mut page_params = filter_params.to_vec();
        page_params.extend([page_size.into(), offset.into()]);
        let mut read = self.begin_read().await?;
        let mut conn = read.conn();
        let rows: Vec<CardRow> = conn.fetch_all(&sql, &page_params).await?;
        let total: i64 = conn.scalar(&count, &filter_params).await?;
        let views = views_of(&mut conn, rows).await?;
        read.commit().await?;
        Ok((views, total))
    }

    /// The number of a card's newest event (0 when it has none): one indexed read, so a live
    /// status stream can look often and build the whole card only when something happened.
    pub async fn card_event_seq(&self, card_id: &CardId) -> Result<i64, StoreError> {
        let sql =
            "SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM card_events WHERE card_id = $1";
        self.scalar(sql, &[card_id.into()]).await
    }

    /// The view of the card the query finds, if any, from one snapshot.
    #[tracing::instrument(level = "debug", skip_all)]
    async fn one_view(
        &self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<Option<CardView>, StoreError> {
        let mut read = self.begin_read().await?;
        let mut conn = read.conn();
        let rows: Vec<CardRow> = conn.fetch_all(sql, params).await?;
        let mut views = views_of(&mut conn, rows).await?;
        read.commit().await?;
        Ok(views.pop())
    }
}

/// The views of these cards: three queries in all, for any number of cards.
async fn views_of(conn: &mut Conn<'_>, rows: Vec<CardRow>) -> Result<Vec<CardView>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let accounts: Vec<String> = rows
        .iter()
        .map(|row| Account::Card(CardId::new(row.id.clone())).code())
        .collect();
    let account_params: Vec<Param<'_>> = accounts.iter().map(Param::from).collect();
    let id_params: Vec<Param<'_>> = rows.iter().map(|row| Param::from(&row.id)).collect();
    let listed = placeholders(1, rows.len());
    let figure_rows: Vec<(String, String, i64)> = conn
        .fetch_all(
            &format!(
                "SELECT p.account, e.kind, CAST(SUM(ABS(p.amount)) AS BIGINT) FROM postings p \
                 JOIN journal_entries e ON e.id = p.entry_id WHERE p.account IN ({listed}) \
                 GROUP BY p.account, e.kind"
            ),
            &account_params,
        )
        .await?;
    let event_rows: Vec<(String, i64, String, String, i64)> = conn
        .fetch_all(
            &format!(
                "SELECT card_id, seq, status, stage, at_ms FROM card_events \
                 WHERE card_id IN ({listed}) ORDER BY card_id, seq"
            ),
            &id_params,
        )
        .await?;
    let balance_rows: Vec<(String, i64)> = conn
        .fetch_all(
            &format!("SELECT account, balance FROM account_balances WHERE account IN ({listed})"),
            &account_params,
        )
        .await?;

    let mut figures: HashMap<String, Vec<(String, i64)>> = HashMap::new();
    for (account, kind, amount) in figure_rows {
        figures.entry(account).or_default().push((kind, amount));
    }
    let mut events: HashMap<String, Vec<(i64, String, String, i64)>> = HashMap::new();
    for (card_id, seq, status, stage, at_ms) in event_rows {
        events
            .entry(card_id)
            .or_default()
            .push((seq, status, stage, at_ms));
    }
    let balances: HashMap<String, i64> = balance_rows.into_iter().collect();
    rows.into_iter()
        .zip(&accounts)
        .map(|(row, account)| {
            let card_figures = figures.remove(account).unwrap_or_default();
            let card_events = events.remove(&row.id).unwrap_or_default();
            let balance = Cents(balances.get(account).copied().unwrap_or(0));
            view(row, card_figures, card_events, balance)
        })
        .collect()
}

/// One card's view from its row, its ledger figures by entry kind, its events and its balance.
fn view(
    row: CardRow,
    figures: Vec<(String, i64)>,
    events: Vec<(i64, String, String, i64)>,
    balance: Cents,
) -> Result<CardView, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("card {}: {what}", row.id));
    let sum = |kinds: &[EntryKind]| {
        Cents(
            figures
                .iter()
                .filter(|(kind, _)| kinds.iter().any(|k| k.code() == kind))
                .map(|(_, v)| v)
                .sum(),
        )
    };
    let events = events
        .into_iter()
        .map(|(seq, status, stage, at_ms)| {
            Ok(CardEvent {
                seq,
                status: CardStatus::parse(&status).ok_or_else(|| corrupt("event status"))?,
                stage: ProvisioningStage::parse(&stage).ok_or_else(|| corrupt("event stage"))?,
                at_ms,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let user_id = row
        .user_id
        .clone()
        .or_else(|| row.customer_id.clone())
        .ok_or_else(|| corrupt("user id"))?;
    let holder_address = row
        .holder_address
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|_| corrupt("holder address"))?;
    let tags = serde_json::from_str(&row.tags).map_err(|_| corrupt("tags"))?;
    Ok(CardView {
        status: CardStatus::parse(&row.status).ok_or_else(|| corrupt("status"))?,
        stage: ProvisioningStage::parse(&row.stage).ok_or_else(|| corrupt("stage"))?,
        fee_type: app::domain::fee_type::FeeType::parse(&row.fee_type)
            .ok_or_else(|| corrupt("fee type"))?,
        deposit: sum(&[EntryKind::CardDeposit, EntryKind::CardRecharge]),
        consume: sum(&[EntryKind::Consumption]),
        fees: sum(&[EntryKind::CardFee]),
        returned: sum(&[
            EntryKind::DepositRefund,
            EntryKind::CardClosure,
            EntryKind::CardWithdrawal,
        ]),
        recharged: sum(&[EntryKind::CardRecharge]),
        withdrawn: sum(&[EntryKind::CardWithdrawal]),
        balance,
        card_id: CardId::new(row.id),
        order_no: row.order_no,
        holder_id: row.holder_id,
        seq_no: row.seq_no,
        first_name: row.first_name,
        last_name: row.last_name,
        range_id: row.range_id,
        user_id,
        customer_id: row.customer_id.map(CustomerId::new),
        customer_external_id: row.customer_external_id,
        customer_email: row.customer_email,
        holder_address,
        tags,
        failure_reason: row.failure_reason,
        card_bin: row.card_bin,
        last4: row.last4,
        pan_length: row.pan_length,
        brand: row.brand,
        exp_month: row.exp_month,
        exp_year: row.exp_year,
        created_at_ms: row.created_at_ms,
        updated_at_ms: row.updated_at_ms,
        events,
    })
}
