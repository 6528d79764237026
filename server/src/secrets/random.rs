//! Identifiers and secrets from the operating system's CSPRNG.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

pub fn bytes<const N: usize>() -> [u8; N] {
    let mut buffer = [0_u8; N];
    getrandom::fill(&mut buffer).expect("the operating system's random source is unavailable");
    buffer
}

/// `prefix` + 16 lower-case hex digits (64 random bits), e.g. `c_3f9a0c1d5e7b2a48`.
pub fn id(prefix: &str) -> String {
    let random = bytes::<8>();
    let mut id = String::with_capacity(prefix.len() + 16);
    id.push_str(prefix);
    for byte in random {
        id.push_str(&format!("{byte:02x}"));
    }
    id
}

/// 256 random bits, URL-safe base64.
pub fn token() -> String {
    URL_SAFE_NO_PAD.encode(bytes::<32>())
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_prefixed_and_distinct() {
        let (a, b) = (super::id("c_"), super::id("c_"));
        assert!(a.starts_with("c_") && a.len() == 18);
        assert_ne!(a, b);
    }
}
