//! Card numbers (PANs): composition inside a BIN with a Luhn check digit, and masking.
//! Randomness is an input, so this stays pure; the server feeds it from a CSPRNG.
//! Hand-written on purpose: Luhn is ten lines, and a crate for it would weigh on the widget bundle.

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CardNumberError {
    #[error("a BIN is 6 to 8 digits")]
    BadBin,
    #[error("a card number is 12 to 19 digits")]
    BadLength,
    #[error("not enough random digits for the card number")]
    NotEnoughRandomness,
}

/// The Luhn check digit that makes `payload` followed by it valid.
pub fn luhn_check_digit(payload: &[u8]) -> u8 {
    // Walking from the right, the digit next to the check digit is doubled, then every other one.
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &digit)| {
            let digit = u32::from(digit);
            if i % 2 == 0 {
                let doubled = digit * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                digit
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

pub fn is_luhn_valid(number: &str) -> bool {
    let digits: Option<Vec<u8>> = number
        .bytes()
        .map(|b| b.is_ascii_digit().then(|| b - b'0'))
        .collect();
    match digits {
        Some(digits) if digits.len() >= 2 => {
            let (payload, check) = digits.split_at(digits.len() - 1);
            luhn_check_digit(payload) == check[0]
        }
        _ => false,
    }
}

/// A card number of `length` digits: `bin`, then digits drawn from `random` (each byte taken
/// modulo 10 only when below 250, so every digit is equally likely), then the Luhn check digit.
pub fn compose(bin: &str, length: usize, random: &[u8]) -> Result<String, CardNumberError> {
    if !(6..=8).contains(&bin.len()) || !bin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CardNumberError::BadBin);
    }
    if !(12..=19).contains(&length) {
        return Err(CardNumberError::BadLength);
    }
    let mut digits: Vec<u8> = bin.bytes().map(|b| b - b'0').collect();
    let needed = length - 1 - digits.len();
    digits.extend(
        random
            .iter()
            .filter(|&&byte| byte < 250)
            .map(|byte| byte % 10)
            .take(needed),
    );
    if digits.len() != length - 1 {
        return Err(CardNumberError::NotEnoughRandomness);
    }
    digits.push(luhn_check_digit(&digits));
    Ok(digits
        .into_iter()
        .map(|digit| char::from(b'0' + digit))
        .collect())
}

/// The last four digits, the only part besides the BIN that is ever stored or shown in clear.
pub fn last4(number: &str) -> &str {
    &number[number.len().saturating_sub(4)..]
}

/// `472593******1234`.
pub fn mask(bin: &str, last4: &str, length: usize) -> String {
    let hidden = length.saturating_sub(bin.len() + last4.len());
    format!("{bin}{}{last4}", "*".repeat(hidden))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_valid_numbers() {
        assert!(is_luhn_valid("4111111111111111"));
        assert!(is_luhn_valid("79927398713"));
        assert!(!is_luhn_valid("79927398710"));
        assert!(!is_luhn_valid("4111-1111-1111-1111"));
        assert!(!is_luhn_valid(""));
    }

    #[test]
    fn composed_numbers_are_valid_and_inside_the_bin() {
        let random: Vec<u8> = (0..=255).collect();
        let number = compose("472593", 16, &random).unwrap();
        assert_eq!(number.len(), 16);
        assert!(number.starts_with("472593"));
        assert!(is_luhn_valid(&number));
    }

    #[test]
    fn biased_bytes_are_skipped() {
        let mut random = vec![250, 251, 255];
        random.extend([1_u8; 9]);
        assert_eq!(&compose("472593", 16, &random).unwrap()[6..15], "111111111");
        assert_eq!(
            compose("472593", 16, &[1; 8]),
            Err(CardNumberError::NotEnoughRandomness)
        );
    }

    #[test]
    fn refuses_bad_bins_and_lengths() {
        assert_eq!(compose("4725", 16, &[0; 32]), Err(CardNumberError::BadBin));
        assert_eq!(
            compose("47259x", 16, &[0; 32]),
            Err(CardNumberError::BadBin)
        );
        assert_eq!(
            compose("472593", 20, &[0; 32]),
            Err(CardNumberError::BadLength)
        );
    }

    #[test]
    fn masks_all_but_bin_and_last4() {
        assert_eq!(mask("472593", "1234", 16), "472593******1234");
        assert_eq!(last4("4725931111111234"), "1234");
    }
}
