//! PostgreSQL's fast path for a batch of card creations: ONE statement for the whole batch, so a
//! hundred cards cost one round trip, one plan and one commit instead of a hundred of each.
//!
//! It is all or nothing: an overdrawn wallet, a taken orderNo or anything else fails the statement
//! and writes nothing, and the caller redoes the batch card by card with savepoints, which sorts
//! out which card was refused. Refusals are rare, so almost every batch takes this path.

use app::domain::ids::CustomerId;
use app::domain::{
    ledger::{Account, EntryKind},
    provisioning::ProvisioningStage,
    CardStatus,
};

use super::card_creation_input::{
    deposit_entry, first_callback_payload, new_identity, CardCreation, CreatedCard,
};
use crate::secrets::random;

/// Arrays of one element per card, unnested into rows; the same rows and balances as the
/// card-by-card path. The wallets are debited once each, by their batch total ($22/$23: one
/// element per wallet), found through the index by `= ANY` (a join against the unnested rows
/// may be planned as a scan of every balance, which grows with every card). The final division
/// fails (and so undoes everything) unless every wallet was debited; an overdraft fails the CHECK.
const CREATE_CARDS: &str = "WITH input AS ( \
       SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
         $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::bigint[], \
         $14::text[], $15::text[], $16::bigint[], $17::text[], $18::text[], $24::text[], $25::text[], \
         $26::text[], $27::text[]) \
       AS t(id, merchant_id, order_no, request_hash, range_id, customer_id, holder_id, seq_no, first_name, \
         last_name, fee_type, callback_url, created_at_ms, message_id, payload, deposit, wallet, card_account, \
         user_id, external_customer_id, holder_address, tags)), \
     card AS (INSERT INTO cards (id, merchant_id, order_no, request_hash, range_id, customer_id, holder_id, \
         seq_no, first_name, last_name, fee_type, callback_url, status, stage, created_at_ms, updated_at_ms, \
         next_run_at_ms, user_id, external_customer_id, holder_address, tags) \
       SELECT id, merchant_id, order_no, request_hash, range_id, customer_id, holder_id, seq_no, first_name, \
         last_name, fee_type, callback_url, $19, $20, created_at_ms, created_at_ms, created_at_ms, user_id, \
         external_customer_id, holder_address, tags FROM input), \
     event AS (INSERT INTO card_events (card_id, seq, status, stage, at_ms) \
       SELECT id, 1, $19, $20, created_at_ms FROM input), \
     callback AS (INSERT INTO webhook_outbox (message_id, merchant_id, card_id, url, payload, created_at_ms, \
         next_attempt_at_ms) \
       SELECT message_id, merchant_id, id, callback_url, payload, created_at_ms, created_at_ms FROM input \
       WHERE payload IS NOT NULL), \
     entry AS (INSERT INTO journal_entries (kind, merchant_id, card_id, reference, created_at_ms) \
       SELECT $21, merchant_id, id, 'deposit:' || id, created_at_ms FROM input RETURNING id, card_id), \
     posting AS (INSERT INTO postings (entry_id, account, amount) \
       SELECT e.id, i.wallet, -i.deposit FROM entry e JOIN input i ON i.id = e.card_id \
       UNION ALL SELECT e.id, i.card_account, i.deposit FROM entry e JOIN input i ON i.id = e.card_id), \
     credit AS (INSERT INTO account_balances (account, balance) SELECT card_account, deposit FROM input), \
     debit AS (UPDATE account_balances b SET balance = b.balance - \
         (SELECT d.total FROM UNNEST($22::text[], $23::bigint[]) AS d(wallet, total) WHERE d.wallet = b.account) \
       WHERE b.account = ANY($22::text[]) RETURNING 1) \
     SELECT 1 / ((SELECT COUNT(*) FROM debit) = cardinality($22::text[]))::int";

/// Creates every card of the batch in one statement, or none: `None` when the statement was
/// refused for any reason (the caller then goes card by card and reports each outcome).
pub async fn create_all_or_none(
    pool: &sqlx::PgPool,
    creations: &[CardCreation],
    created_at_ms: i64,
) -> Option<Vec<CreatedCard>> {
    let cards: Vec<CreatedCard> = creations
        .iter()
        .map(|_| new_identity(created_at_ms))
        .collect();
    let column = |field: fn(&CardCreation, &CreatedCard) -> String| -> Vec<String> {
        creations
            .iter()
            .zip(&cards)
            .map(|(c, card)| field(c, card))
            .collect()
    };
    for (creation, card) in creations.iter().zip(&cards) {
        // The same validation as the card-by-card path, although the SQL posts the transfer.
        deposit_entry(creation, &card.id).ok()?;
    }
    let stage = ProvisioningStage::OpeningCard;
    let payloads: Vec<Option<String>> = creations
        .iter()
        .zip(&cards)
        .map(|(creation, card)| first_callback_payload(creation, card))
        .collect();
    let mut wallet_totals: std::collections::BTreeMap<String, i64> = Default::default();
    for creation in creations {
        let wallet = Account::MerchantWallet(creation.merchant_id.clone()).code();
        *wallet_totals.entry(wallet).or_default() += creation.request.deposit.amount().0;
    }
    let (wallets, totals): (Vec<String>, Vec<i64>) = wallet_totals.into_iter().unzip();
    let result = sqlx::query(CREATE_CARDS)
        .bind(column(|_, card| card.id.to_string()))
        .bind(column(|c, _| c.merchant_id.to_string()))
        .bind(column(|c, _| c.request.order_no.as_str().to_owned()))
        .bind(column(|c, _| c.request_hash.clone()))
        .bind(column(|c, _| c.request.range_id.clone()))
        .bind(
            creations
                .iter()
                .map(|c| c.customer_id.as_ref().map(CustomerId::to_string))
                .collect::<Vec<_>>(),
        )
        .bind(column(|_, card| card.holder_id.clone()))
        .bind(column(|_, card| card.seq_no.clone()))
        .bind(column(|c, _| c.request.first_name.as_str().to_owned()))
        .bind(column(|c, _| c.request.last_name.as_str().to_owned()))
        .bind(column(|c, _| c.request.fee_type.as_str().to_owned()))
        .bind(column(|c, _| {
            c.request.callback_url.clone().unwrap_or_default()
        }))
        .bind(
            cards
                .iter()
                .map(|card| card.created_at_ms)
                .collect::<Vec<_>>(),
        )
        .bind(column(|_, _| random::id("msg_")))
        .bind(payloads)
        .bind(
            creations
                .iter()
                .map(|c| c.request.deposit.amount().0)
                .collect::<Vec<_>>(),
        )
        .bind(column(|c, _| {
            Account::MerchantWallet(c.merchant_id.clone()).code()
        }))
        .bind(column(|_, card| Account::Card(card.id.clone()).code()))
        .bind(CardStatus::Init.code())
        .bind(stage.code())
        .bind(EntryKind::CardDeposit.code())
        .bind(wallets)
        .bind(totals)
        .bind(column(|c, card| c.user_id(card)))
        .bind(
            creations
                .iter()
                .map(|c| c.request.customer_external_id.clone())
                .collect::<Vec<_>>(),
        )
        .bind(
            creations
                .iter()
                .map(CardCreation::holder_address_json)
                .collect::<Vec<_>>(),
        )
        .bind(column(|c, _| c.tags_json()))
        .execute(pool)
        .await;
    match result {
        Ok(_) => Some(cards),
        Err(error) => {
            tracing::debug!(%error, cards = creations.len(), "batch refused as a whole; retrying card by card");
            None
        }
    }
}
