//! The ledger's invariants, checked against a real database: the journal replays (money is
//! conserved, nothing overdrawn, every card's figures add up), the stored running balances equal
//! the replay, holds never exceed a card's balance, and an ended card keeps only what is held.

use app::domain::ledger::LedgerState;
use server::store::Database;

/// Every invariant, over every card.
pub async fn check_money_invariants(db: &Database) -> Result<(), String> {
    check(db, None).await
}

/// Every invariant of the ledger as a whole, and those of each card only for `cards`: so that one
/// broken card does not hide what happens to the next.
pub async fn check_money_invariants_of(db: &Database, cards: &[&str]) -> Result<(), String> {
    check(db, Some(cards)).await
}

async fn check(db: &Database, cards: Option<&[&str]>) -> Result<(), String> {
    let journal = db.journal().await.map_err(|error| error.to_string())?;
    let state = LedgerState::replay(&journal).map_err(|error| error.to_string())?;
    let mut replayed: Vec<(String, i64)> = state
        .balances
        .iter()
        .map(|(account, cents)| (account.code(), cents.0))
        .collect();
    replayed.sort();
    let mut stored = db
        .stored_balances()
        .await
        .map_err(|error| error.to_string())?;
    stored.sort();
    if stored != replayed {
        return Err(format!(
            "stored balances {stored:?} differ from the journal's {replayed:?}"
        ));
    }
    let standings = db
        .card_standings()
        .await
        .map_err(|error| error.to_string())?;
    let checked = standings
        .iter()
        .filter(|standing| cards.is_none_or(|cards| cards.contains(&standing.card.as_str())));
    state
        .check_standing(checked)
        .map_err(|error| error.to_string())
}

pub async fn assert_money_invariants(db: &Database) {
    if let Err(violation) = check_money_invariants(db).await {
        panic!("money invariant broken: {violation}");
    }
}
