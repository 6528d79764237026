//! Merchants and the card ranges they may issue from (their API keys: [`super::api_keys`]).

use app::domain::ids::MerchantId;
use app::domain::{issuing::CardRange, Cents};

use super::{Database, StoreError};
use crate::secrets::random;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Merchant {
    pub id: MerchantId,
    pub name: String,
    pub webhook_secret: String,
}

#[derive(sqlx::FromRow)]
struct RangeRow {
    id: String,
    bin: String,
    brand: String,
    currency: String,
    pan_length: i64,
    valid_months: i64,
    fee_one_cents: i64,
    fee_two_cents: i64,
    fee_three_cents: i64,
}

impl From<RangeRow> for CardRange {
    fn from(row: RangeRow) -> Self {
        CardRange {
            id: row.id,
            bin: row.bin,
            brand: row.brand,
            currency: row.currency,
            pan_length: row.pan_length,
            valid_months: row.valid_months,
            monthly_fee_one: Cents(row.fee_one_cents),
            monthly_fee_two: Cents(row.fee_two_cents),
            monthly_fee_three: Cents(row.fee_three_cents),
        }
    }
}

const RANGE_COLUMNS: &str =
    "r.id, r.bin, r.brand, r.currency, r.pan_length, r.valid_months, r.fee_one_cents, r.fee_two_cents, r.fee_three_cents";

impl Database {
    pub async fn create_merchant(&self, name: &str) -> Result<Merchant, StoreError> {
        let merchant = Merchant {
            id: MerchantId::new(random::id("m_")),
            name: name.to_owned(),
            webhook_secret: new_webhook_secret(),
        };
        let sql = "INSERT INTO merchants (id, name, created_at_ms, webhook_secret) VALUES ($1, $2, $3, $4)";
        self.execute(
            sql,
            &[
                (&merchant.id).into(),
                (&merchant.name).into(),
                (self.now_ms()).into(),
                (&merchant.webhook_secret).into(),
            ],
        )
        .await?;
        Ok(merchant)
    }

    pub async fn merchant(&self, id: &MerchantId) -> Result<Option<Merchant>, StoreError> {
        let sql = "SELECT id, name, webhook_secret FROM merchants WHERE id = $1";
        let row: Option<(String, String, String)> = self.fetch_optional(sql, &[id.into()]).await?;
        Ok(row.map(|(id, name, webhook_secret)| Merchant {
            id: MerchantId::new(id),
            name,
            webhook_secret,
        }))
    }

    /// Creates or updates a card range (ranges are operator data, shared by merchants).
    pub async fn upsert_card_range(&self, range: &CardRange) -> Result<(), StoreError> {
        let sql = "INSERT INTO card_ranges (id, bin, brand, currency, pan_length, valid_months, \
                   fee_one_cents, fee_two_cents, fee_three_cents) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                   ON CONFLICT (id) DO UPDATE SET bin = excluded.bin, brand = excluded.brand, \
                   currency = excluded.currency, pan_length = excluded.pan_length, \
                   valid_months = excluded.valid_months, fee_one_cents = excluded.fee_one_cents, \
                   fee_two_cents = excluded.fee_two_cents, fee_three_cents = excluded.fee_three_cents";
        self.execute(
            sql,
            &[
                (&range.id).into(),
                (&range.bin).into(),
                (&range.brand).into(),
                (&range.currency).into(),
                range.pan_length.into(),
                range.valid_months.into(),
                range.monthly_fee_one.0.into(),
                range.monthly_fee_two.0.into(),
                range.monthly_fee_three.0.into(),
            ],
        )
        .await?;
        Ok(())
    }

    pub async fn grant_card_range(
        &self,
        merchant_id: &MerchantId,
        range_id: &str,
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO merchant_card_ranges (merchant_id, range_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
        self.execute(sql, &[merchant_id.into(), range_id.into()])
            .await?;
        Ok(())
    }

    pub async fn card_ranges_for(
        &self,
        merchant_id: &MerchantId,
    ) -> Result<Vec<CardRange>, StoreError> {
        let sql = format!(
            "SELECT {RANGE_COLUMNS} FROM card_ranges r JOIN merchant_card_ranges m ON m.range_id = r.id \
             WHERE m.merchant_id = $1 ORDER BY r.id"
        );
        let rows: Vec<RangeRow> = self.fetch_all(&sql, &[merchant_id.into()]).await?;
        Ok(rows.into_iter().map(CardRange::from).collect())
    }

    pub async fn card_range_for(
        &self,
        merchant_id: &MerchantId,
        range_id: &str,
    ) -> Result<Option<CardRange>, StoreError> {
        let sql = format!(
            "SELECT {RANGE_COLUMNS} FROM card_ranges r JOIN merchant_card_ranges m ON m.range_id = r.id \
             WHERE m.merchant_id = $1 AND r.id = $2"
        );
        let row: Option<RangeRow> = self
            .fetch_optional(&sql, &[merchant_id.into(), range_id.into()])
            .await?;
        Ok(row.map(CardRange::from))
    }

    /// Pays `amount` into the merchant's wallet from outside (a journal entry from `funding`).
    pub async fn fund_wallet(
        &self,
        merchant_id: &MerchantId,
        amount: Cents,
        reference: &str,
    ) -> Result<(), StoreError> {
        use app::domain::ledger::{Account, EntryKind, JournalEntry};
        let entry = JournalEntry::transfer(
            EntryKind::WalletFunding,
            Account::Funding,
            Account::MerchantWallet(merchant_id.to_owned()),
            amount,
        )
        .map_err(|error| StoreError::Invalid(error.to_string()))?;
        let mut tx = self.begin().await?;
        super::ledger::post_entry(
            &mut tx.conn(),
            &entry,
            merchant_id,
            None,
            reference,
            self.now_ms(),
        )
        .await?;
        tx.commit().await
    }
}

/// A Standard Webhooks signing secret: `whsec_` and 24 random bytes in base64.
pub fn new_webhook_secret() -> String {
    use base64::{engine::general_purpose::STANDARD, Engine};
    format!("whsec_{}", STANDARD.encode(random::bytes::<24>()))
}
