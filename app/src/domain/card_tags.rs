//! Card labels (seed 000's `tags`): the merchant's own words for grouping cards ("vip",
//! "Q4 campaign"), stored with the card, returned by both dialects and usable as a list filter.

pub const MAX_TAGS: usize = 10;
pub const MAX_TAG_LEN: usize = 40;

use super::plain_text;

/// White space as JSON Schema's `\s` (ECMA-262) counts it, so that the OpenAPI document's pattern
/// and this check agree: Unicode's white space and the byte order mark.
fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// Checks each label as given (`None` for an item that is not a string). Duplicates are dropped,
/// the first occurrence keeping its place. Problems come as `(index, message)`, or index `None`
/// for the list as a whole.
pub fn parse(items: &[Option<&str>]) -> Result<Vec<String>, Vec<(Option<usize>, String)>> {
    let mut errors = Vec::new();
    let mut tags: Vec<String> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let problem = match item {
            None => Some("must be a string".to_owned()),
            Some(tag) if tag.trim().is_empty() => Some("must not be empty".to_owned()),
            Some(tag) if tag.chars().count() > MAX_TAG_LEN => {
                Some(format!("must be at most {MAX_TAG_LEN} characters"))
            }
            Some(tag) if tag.trim_matches(is_space) != *tag => {
                Some("must not begin or end with spaces".to_owned())
            }
            Some(tag) => plain_text::check(tag).err().map(|error| error.to_string()),
        };
        match (problem, item) {
            (Some(message), _) => errors.push((Some(index), message)),
            (None, Some(tag)) if !tags.iter().any(|known| known == tag) => {
                tags.push((*tag).to_owned())
            }
            _ => {}
        }
    }
    if items.len() > MAX_TAGS {
        errors.push((None, format!("at most {MAX_TAGS} labels per card")));
    }
    if errors.is_empty() {
        Ok(tags)
    } else {
        Err(errors)
    }
}

/// One label as a list filter names it: the same rules as on a card.
pub fn parse_filter(tag: &str) -> Result<String, String> {
    parse(&[Some(tag)])
        .map(|mut tags| tags.remove(0))
        .map_err(|mut problems| problems.remove(0).1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_dropped_in_order() {
        assert_eq!(
            parse(&[Some("vip"), Some("Q4 campaign"), Some("vip")]),
            Ok(vec!["vip".to_owned(), "Q4 campaign".to_owned()])
        );
    }

    #[test]
    fn every_bad_label_is_named_by_its_index() {
        let long = "x".repeat(MAX_TAG_LEN + 1);
        let errors = parse(&[
            Some("ok"),
            Some(""),
            Some(&long),
            None,
            Some(" pad"),
            Some("a\u{202e}b"),
        ])
        .unwrap_err();
        let indexes: Vec<Option<usize>> = errors.iter().map(|(index, _)| *index).collect();
        assert_eq!(indexes, [Some(1), Some(2), Some(3), Some(4), Some(5)]);
    }

    #[test]
    fn more_than_ten_labels_are_refused() {
        let many: Vec<String> = (0..=MAX_TAGS).map(|n| format!("t{n}")).collect();
        let items: Vec<Option<&str>> = many.iter().map(|tag| Some(tag.as_str())).collect();
        assert_eq!(parse(&items).unwrap_err()[0].0, None);
        assert!(parse(&items[..MAX_TAGS]).is_ok());
    }
}
