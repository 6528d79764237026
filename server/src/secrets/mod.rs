//! Secrets at rest: card numbers and CVCs are encrypted with AES-256-GCM, and PANs are also kept as
//! a keyed fingerprint so uniqueness can be enforced without decrypting anything.
mod card_cipher;
mod key_file;
pub mod random;

pub use card_cipher::{CardCipher, CipherError};
pub use key_file::{load_or_create_key, KeyError};
