//! Every string of a JSON request body is plain text ([`app::domain::plain_text`]) before any
//! handler reads it: one walk over the parsed body, shared by both dialects, so no field can be
//! forgotten (nor a field the handler ignores smuggle a NUL into a log line).

use app::domain::plain_text::{self, PlainTextError};
use serde_json::Value;

/// The location (keys and indexes from the top) and problem of the first string in `value` that
/// is not plain text; `None` when every string is.
pub fn first_unplain(value: &Value) -> Option<(Vec<Value>, PlainTextError)> {
    match value {
        Value::String(text) => plain_text::check(text)
            .err()
            .map(|error| (Vec::new(), error)),
        Value::Array(items) => items.iter().enumerate().find_map(|(index, item)| {
            first_unplain(item).map(|(mut loc, error)| {
                loc.insert(0, Value::from(index));
                (loc, error)
            })
        }),
        // A property's name is text too: checked before its value, located at the name.
        Value::Object(fields) => fields.iter().find_map(|(name, field)| {
            if let Err(error) = plain_text::check(name) {
                return Some((vec![Value::from(name.as_str())], error));
            }
            first_unplain(field).map(|(mut loc, error)| {
                loc.insert(0, Value::from(name.as_str()));
                (loc, error)
            })
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_property_name_is_checked_like_a_value() {
        let body = json!({"cardHolder": {"first\u{84}Name": "Milton"}});
        let (loc, _) = first_unplain(&body).expect("the name is not plain");
        assert_eq!(loc, [json!("cardHolder"), json!("first\u{84}Name")]);
    }

    #[test]
    fn finds_the_nested_string_and_says_where() {
        let body = json!({"cardHolder": {"firstName": "Milton", "lastName": "Sch\u{0}mitt"}});
        assert_eq!(
            first_unplain(&body),
            Some((
                json!(["cardHolder", "lastName"])
                    .as_array()
                    .unwrap()
                    .clone(),
                PlainTextError::Control(0)
            ))
        );
        let body = json!({"limits": [{"interval": "DAILY"}, {"interval": "\u{202e}"}]});
        assert_eq!(
            first_unplain(&body).map(|(loc, _)| loc),
            Some(json!(["limits", 1, "interval"]).as_array().unwrap().clone())
        );
    }

    #[test]
    fn plain_bodies_pass() {
        let body = json!({"amount": 10.5, "email": "a@example.com", "tags": ["x", "y"], "n": null});
        assert_eq!(first_unplain(&body), None);
    }
}
