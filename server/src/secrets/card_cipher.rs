use aes_gcm::{
    aead::{Aead, KeyInit, Payload},
    Aes256Gcm, Nonce,
};
use app::domain::ids::CardId;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum CipherError {
    #[error("a stored card secret could not be decrypted (wrong key or damaged data)")]
    Decrypt,
}

/// Encrypts card secrets for storage. Each value is bound to its card and field (as associated
/// data), so a ciphertext copied to another row or column does not decrypt.
#[derive(Clone)]
pub struct CardCipher {
    aead: Aes256Gcm,
    fingerprint_key: [u8; 32],
    /// Derived from the key, and telling nothing about it: equal for the same key only.
    check_value: String,
}

impl std::fmt::Debug for CardCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardCipher(..)")
    }
}

impl CardCipher {
    pub fn new(key: &[u8; 32]) -> Self {
        // The fingerprint key is derived, so one configured key serves both purposes separately.
        let mut derive =
            <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
        derive.update(b"cardkit pan fingerprint v1");
        let mut check =
            <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
        check.update(b"cardkit card key check v1");
        let check_value = check.finalize().into_bytes()[..16]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        Self {
            aead: Aes256Gcm::new(key.into()),
            fingerprint_key: derive.finalize().into_bytes().into(),
            check_value,
        }
    }

    /// The key's check value: stored beside the data, it tells at start whether the configured
    /// key is the one the data was written with (see `key_check`).
    pub fn check_value(&self) -> String {
        self.check_value.clone()
    }

    /// nonce ‖ ciphertext ‖ tag.
    pub fn encrypt(&self, card_id: &CardId, field: &str, plaintext: &str) -> Vec<u8> {
        self.seal(card_id.as_str(), field, plaintext.as_bytes())
    }

    pub fn decrypt(
        &self,
        card_id: &CardId,
        field: &str,
        stored: &[u8],
    ) -> Result<String, CipherError> {
        let plain = self.open(card_id.as_str(), field, stored)?;
        String::from_utf8(plain).map_err(|_| CipherError::Decrypt)
    }

    /// A console user's authenticator secret, bound to the user (`user:` keeps it apart from
    /// any card's values).
    pub fn encrypt_user_secret(&self, user_id: &str, plaintext: &[u8]) -> Vec<u8> {
        self.seal(&format!("user:{user_id}"), "totp", plaintext)
    }

    pub fn decrypt_user_secret(
        &self,
        user_id: &str,
        stored: &[u8],
    ) -> Result<Vec<u8>, CipherError> {
        self.open(&format!("user:{user_id}"), "totp", stored)
    }

    /// nonce ‖ ciphertext ‖ tag, with `owner/field` as associated data.
    fn seal(&self, owner: &str, field: &str, plaintext: &[u8]) -> Vec<u8> {
        let nonce = super::random::bytes::<NONCE_LEN>();
        let aad = format!("{owner}/{field}");
        let sealed = self
            .aead
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: aad.as_bytes(),
                },
            )
            .expect("AES-GCM encryption of a short value cannot fail");
        [nonce.as_slice(), &sealed].concat()
    }

    fn open(&self, owner: &str, field: &str, stored: &[u8]) -> Result<Vec<u8>, CipherError> {
        if stored.len() < NONCE_LEN {
            return Err(CipherError::Decrypt);
        }
        let (nonce, sealed) = stored.split_at(NONCE_LEN);
        let aad = format!("{owner}/{field}");
        self.aead
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| CipherError::Decrypt)
    }

    /// HMAC-SHA256 of the PAN in hex: equal PANs give equal fingerprints, and without the key a
    /// fingerprint says nothing about the PAN (a plain hash of 16 digits could be brute-forced).
    pub fn fingerprint(&self, pan: &str) -> String {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.fingerprint_key).expect("any key length");
        mac.update(pan.as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_binds_to_card_and_field() {
        let cipher = CardCipher::new(&[7; 32]);
        let sealed = cipher.encrypt(&CardId::new("c_1"), "pan", "4725931234567890");
        assert!(!sealed.windows(16).any(|w| w == b"4725931234567890"));
        assert_eq!(
            cipher.decrypt(&CardId::new("c_1"), "pan", &sealed).unwrap(),
            "4725931234567890"
        );
        assert!(cipher.decrypt(&CardId::new("c_2"), "pan", &sealed).is_err());
        assert!(cipher.decrypt(&CardId::new("c_1"), "cvc", &sealed).is_err());
        assert!(CardCipher::new(&[8; 32])
            .decrypt(&CardId::new("c_1"), "pan", &sealed)
            .is_err());
    }

    #[test]
    fn fingerprints_are_stable_and_keyed() {
        let a = CardCipher::new(&[1; 32]);
        assert_eq!(
            a.fingerprint("4111111111111111"),
            a.fingerprint("4111111111111111")
        );
        assert_ne!(
            a.fingerprint("4111111111111111"),
            CardCipher::new(&[2; 32]).fingerprint("4111111111111111")
        );
    }
}
