//! The console's customers table: a merchant's customers in email order, optionally of one KYC
//! status, found by the start of an email or a whole customer id of the merchant's own, a page at
//! a time after the last email seen (emails are unique per merchant, so the email is the cursor).
//!
//! Index-backed: the unique `(merchant_id, email)` key, or `customers_by_merchant_kyc` with a
//! status; each row's card count reads `cards_by_customer`, its latest rejection reason
//! `kyc_reviews_by_customer`.

use app::domain::{
    console_customers::{CustomerQuery, CustomerRow},
    ids::{CustomerId, MerchantId},
    kyc::KycStatus,
};

use super::{Database, StoreError};

type Row = (
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<i64>,
    i64,
    i64,
    Option<String>,
);

/// `LIKE` pattern for text starting with `prefix`: the pattern's own wildcards escaped, so an
/// email with `_` in it matches only itself.
fn starts_with_pattern(prefix: &str) -> String {
    let mut pattern = String::with_capacity(prefix.len() + 1);
    for character in prefix.chars() {
        if matches!(character, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(character);
    }
    pattern.push('%');
    pattern
}

impl Database {
    /// Up to `limit` customers of the merchant for `query`.
    pub async fn console_customers(
        &self,
        merchant_id: &MerchantId,
        query: &CustomerQuery,
        limit: i64,
    ) -> Result<Vec<CustomerRow>, StoreError> {
        // Emails are stored lower-cased; customer ids are matched exactly as typed.
        let search = query.search.as_deref();
        let email_pattern = search.map(|search| starts_with_pattern(&search.to_lowercase()));
        let after = if query.after.is_some() {
            "AND c.email > $5"
        } else {
            "AND $5 IS NULL"
        };
        let sql = format!(
            "SELECT c.id, c.email, c.external_id, c.kyc_status, c.kyc_source, c.kyc_updated_at_ms, \
             c.created_at_ms, \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM cards k WHERE k.customer_id = c.id), \
             (SELECT r.reason FROM kyc_reviews r WHERE r.customer_id = c.id AND r.decision IS NOT NULL \
              ORDER BY r.submitted_at_ms DESC LIMIT 1) \
             FROM customers c WHERE c.merchant_id = $1 AND ($2 IS NULL OR c.kyc_status = $2) \
             AND ($3 IS NULL OR c.email LIKE $3 ESCAPE '\\' OR c.external_id = $4) \
             {after} ORDER BY c.email LIMIT $6"
        );
        let rows: Vec<Row> = self
            .fetch_all(
                &sql,
                &[
                    merchant_id.into(),
                    query.kyc.map(KycStatus::code).into(),
                    email_pattern.as_deref().into(),
                    search.into(),
                    query.after.as_deref().into(),
                    limit.into(),
                ],
            )
            .await?;
        rows.into_iter().map(customer_row).collect()
    }
}

fn customer_row(row: Row) -> Result<CustomerRow, StoreError> {
    let (id, email, external_id, kyc, source, updated_at_ms, created_at_ms, cards, reason) = row;
    let kyc_status = KycStatus::parse(&kyc)
        .ok_or_else(|| StoreError::Corrupt(format!("customer {id} KYC status")))?;
    Ok(CustomerRow {
        customer_id: CustomerId::new(id),
        email,
        external_id,
        kyc_status,
        kyc_source: source,
        kyc_updated_at_ms: updated_at_ms,
        // An older rejection says nothing about a customer approved or pending since.
        rejection_reason: reason.filter(|_| kyc_status == KycStatus::Rejected),
        cards,
        created_at_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::starts_with_pattern;

    #[test]
    fn like_wildcards_in_a_search_match_only_themselves() {
        assert_eq!(starts_with_pattern("ada"), "ada%");
        assert_eq!(starts_with_pattern("a_b%c\\"), "a\\_b\\%c\\\\%");
    }
}
