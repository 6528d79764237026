//! A changed or lost card key is found at start, not at the first reveal: the database keeps a
//! check value derived from the key its card secrets were written with, and a start with a key
//! that does not match is refused with a message that says what to do.

use crate::{
    secrets::CardCipher,
    store::{Database, StoreError},
};
use app::domain::ids::CardId;

const CARD_KEY: &str = "card_secrets";

#[derive(Debug, thiserror::Error)]
pub enum KeyCheckError {
    #[error(
        "the card encryption key does not match the key this database's card numbers were \
         written with: start with the original key (--secret-key / CARDKIT_SECRET_KEY, or \
         <data-dir>/card.key); with another key no stored card could be revealed"
    )]
    Mismatch,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `Ok` when `cipher`'s key is the one the stored card secrets were written with. The first start
/// records the key's check value; a database written before check values were kept is checked by
/// decrypting one of its stored card numbers first.
pub async fn verify_card_key(
    database: &Database,
    cipher: &CardCipher,
) -> Result<(), KeyCheckError> {
    let value = cipher.check_value();
    let recorded = match database.key_check(CARD_KEY).await? {
        Some(recorded) => recorded,
        None => {
            if let Some((card_id, pan)) = database.any_stored_pan().await? {
                cipher
                    .decrypt(&CardId::new(card_id), "pan", &pan)
                    .map_err(|_| KeyCheckError::Mismatch)?;
            }
            database.record_key_check(CARD_KEY, &value).await?
        }
    };
    if recorded == value {
        Ok(())
    } else {
        Err(KeyCheckError::Mismatch)
    }
}
