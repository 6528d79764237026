//! Entity tags: a browser that already holds the same bytes asks with `If-None-Match` and gets a
//! bodiless 304 instead of them. Tags are weak, because the same bytes may travel brotli, gzip or
//! plain (the compression layer does not change the tag).

use axum::http::HeaderValue;
use sha2::{Digest, Sha256};

/// `W/"<96 bits of SHA-256>"`: the same bytes always get the same tag, on every instance.
pub fn weak_tag(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest[..12]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("W/\"{hex}\"")
}

/// Whether an `If-None-Match` header (`*` or a list of tags) names `tag`, compared weakly: `W/`
/// is ignored on both sides.
pub fn none_match_names(header: &HeaderValue, tag: &str) -> bool {
    let opaque = |value: &str| value.trim().trim_start_matches("W/").to_owned();
    let wanted = opaque(tag);
    header.to_str().is_ok_and(|list| {
        list.split(',')
            .any(|candidate| candidate.trim() == "*" || opaque(candidate) == wanted)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_compare_weakly_within_a_list() {
        let tag = weak_tag(b"(function () {})();");
        assert!(tag.starts_with("W/\"") && tag.len() == 3 + 24 + 1, "{tag}");
        let strong = tag.trim_start_matches("W/");
        for header in [
            tag.clone(),
            strong.to_owned(),
            format!("\"other\", {tag}"),
            "*".to_owned(),
        ] {
            let header = HeaderValue::from_str(&header).unwrap();
            assert!(none_match_names(&header, &tag), "{header:?}");
        }
        let others = HeaderValue::from_static("W/\"0000\", \"1111\"");
        assert!(!none_match_names(&others, &tag));
        assert_ne!(tag, weak_tag(b"(function () { })();"));
    }
}
