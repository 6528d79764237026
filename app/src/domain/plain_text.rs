//! Text that is safe to store, compare and show: no control characters (NUL among them, which
//! PostgreSQL cannot store in text at all, so the two backends would disagree) and no
//! bidirectional formatting characters, which make a name or label read differently from what
//! it is (`ads\u{202e}exe.txt`). Every text input of every dialect is checked against this before
//! anything is written.

/// Why a text input is not plain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlainTextError {
    #[error("must not contain control characters (found U+{0:04X})")]
    Control(u32),
    #[error("must not contain bidirectional formatting characters (found U+{0:04X})")]
    Bidirectional(u32),
}

/// The C0 and C1 control characters and DEL.
fn is_control(c: char) -> bool {
    c.is_control()
}

/// The explicit bidirectional formatting characters of Unicode's bidi algorithm: embeddings,
/// overrides, isolates and the implicit marks.
fn is_bidirectional_format(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// `Ok` when `text` has neither control nor bidirectional formatting characters.
pub fn check(text: &str) -> Result<(), PlainTextError> {
    for c in text.chars() {
        if is_control(c) {
            return Err(PlainTextError::Control(u32::from(c)));
        }
        if is_bidirectional_format(c) {
            return Err(PlainTextError::Bidirectional(u32::from(c)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_text_in_any_script_is_plain() {
        for text in [
            "Milton Schmitt",
            "ads-2026 #1",
            "Zoë",
            "日本語",
            "عربي",
            "",
            "a@b.c",
        ] {
            assert_eq!(check(text), Ok(()), "{text}");
        }
    }

    #[test]
    fn every_control_character_is_refused() {
        for code in (0..0x20).chain(0x7F..0xA0) {
            let c = char::from_u32(code).unwrap();
            assert_eq!(check(&format!("a{c}b")), Err(PlainTextError::Control(code)));
        }
    }

    #[test]
    fn bidirectional_overrides_isolates_and_marks_are_refused() {
        for code in [
            0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068,
            0x2069,
        ] {
            let c = char::from_u32(code).unwrap();
            assert_eq!(
                check(&format!("ads{c}txt")),
                Err(PlainTextError::Bidirectional(code))
            );
        }
    }
}
