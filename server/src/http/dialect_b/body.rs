//! Reading a dialect B JSON body the way FastAPI/pydantic validates one: every field is checked
//! and every problem is reported at once, each at its location. Fields are kept as raw JSON text
//! until read, so amounts are converted from the number as written, never through a float.

use std::collections::{BTreeMap, BTreeSet};

use app::domain::{
    unit_amount::{cents_from_json_number, UnitAmountError},
    Cents,
};
use serde_json::{value::RawValue, Value};

use super::errors::{loc, ApiError, ErrorItem};
use crate::http::plain_json::first_unplain;

/// The type a non-`Optional` field expects, for the error an explicit `null` gets.
#[derive(Clone, Copy, Debug)]
pub enum Expected {
    String,
    Boolean,
    Decimal,
    List,
}

/// The longest text a string field takes unless it says otherwise (pydantic's `max_length`).
pub const MAX_TEXT_CHARS: usize = 256;
/// A card's label: short enough to show in a list.
pub const MAX_NICK_NAME_CHARS: usize = 64;

pub struct Body {
    fields: BTreeMap<String, Box<RawValue>>,
    /// Fields refused already (text that is not plain): read as absent, without a second error.
    refused: BTreeSet<String>,
    pub errors: Vec<ErrorItem>,
}

impl Body {
    /// Parses the top level: malformed JSON or anything but an object is refused at once, as
    /// FastAPI does before looking at fields.
    pub fn parse(bytes: &[u8]) -> Result<Self, ApiError> {
        let text = std::str::from_utf8(bytes).map_err(|_| json_invalid(0, "invalid UTF-8"))?;
        let value: Box<RawValue> = serde_json::from_str(text).map_err(|error| {
            // Like Python's decoder: the position of the offending character, or the end.
            let position = if error.is_eof() {
                text.chars().count()
            } else {
                char_position(text, error.line(), error.column())
            };
            json_invalid(position, &error.to_string())
        })?;
        let fields: BTreeMap<String, Box<RawValue>> =
            serde_json::from_str(value.get()).map_err(|_| {
                ApiError::validation(vec![ErrorItem {
                    loc: loc!["body"],
                    msg: "Input should be a valid dictionary or object to extract fields from"
                        .into(),
                    kind: "model_attributes_type".into(),
                }])
            })?;
        let mut body = Self {
            fields,
            refused: BTreeSet::new(),
            errors: Vec::new(),
        };
        body.refuse_unplain_text();
        Ok(body)
    }

    /// Every string anywhere in the body must be plain text: each field that holds one that is
    /// not is refused at the string's location, before any handler reads it.
    fn refuse_unplain_text(&mut self) {
        let mut refusals = Vec::new();
        for (name, raw) in &self.fields {
            if let Err(error) = app::domain::plain_text::check(name) {
                refusals.push((name.clone(), loc!["body", name.as_str()], error));
                continue;
            }
            let Ok(value) = serde_json::from_str::<Value>(raw.get()) else {
                continue;
            };
            if let Some((inner, error)) = first_unplain(&value) {
                let mut loc = loc!["body", name.as_str()];
                loc.extend(inner);
                refusals.push((name.clone(), loc, error));
            }
        }
        for (name, loc, error) in refusals {
            self.error(loc, format!("Value error, {error}"), "value_error");
            self.refused.insert(name);
        }
    }

    /// The collected problems as the 422 answer, or `Ok` when there are none.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.errors))
        }
    }

    pub fn error(&mut self, loc: Vec<Value>, msg: impl Into<String>, kind: &str) {
        self.errors.push(ErrorItem {
            loc,
            msg: msg.into(),
            kind: kind.to_owned(),
        });
    }

    /// For a field that is not `Optional` in the seed's model: an explicit `null` is pydantic's
    /// type error for the field (which then reads as absent, without a second error).
    pub fn refuse_null(&mut self, field: &str, expected: Expected) {
        let is_null = self
            .fields
            .get(field)
            .is_some_and(|raw| raw.get() == "null");
        if is_null && !self.refused.contains(field) {
            let (msg, kind) = match expected {
                Expected::String => ("Input should be a valid string", "string_type"),
                Expected::Boolean => ("Input should be a valid boolean", "bool_type"),
                Expected::Decimal => (
                    "Decimal input should be an integer, float, string or Decimal object",
                    "decimal_type",
                ),
                Expected::List => ("Input should be a valid list", "list_type"),
            };
            self.error(loc!["body", field], msg, kind);
            self.refused.insert(field.to_owned());
        }
    }

    /// Whether the field is absent or `null`: not given, for an `Optional` field.
    pub fn is_absent(&self, field: &str) -> bool {
        self.raw(field).is_none()
    }

    /// The field's raw JSON; `null` counts as absent (pydantic's Optional fields).
    fn raw(&self, field: &str) -> Option<&RawValue> {
        self.fields
            .get(field)
            .map(AsRef::as_ref)
            .filter(|raw| raw.get() != "null")
    }

    fn require(&mut self, field: &str, required: bool) -> Option<String> {
        if self.refused.contains(field) {
            return None;
        }
        match self.raw(field) {
            Some(raw) => Some(raw.get().to_owned()),
            None => {
                if required {
                    self.error(loc!["body", field], "Field required", "missing");
                }
                None
            }
        }
    }

    /// A string of at most [`MAX_TEXT_CHARS`] characters.
    pub fn string(&mut self, field: &str, required: bool) -> Option<String> {
        self.string_at_most(field, required, MAX_TEXT_CHARS)
    }

    pub fn string_at_most(
        &mut self,
        field: &str,
        required: bool,
        max_chars: usize,
    ) -> Option<String> {
        let raw = self.require(field, required)?;
        match serde_json::from_str::<String>(&raw) {
            Ok(text) if text.chars().count() > max_chars => {
                self.error(
                    loc!["body", field],
                    format!("String should have at most {max_chars} characters"),
                    "string_too_long",
                );
                None
            }
            Ok(text) => Some(text),
            Err(_) => {
                self.error(
                    loc!["body", field],
                    "Input should be a valid string",
                    "string_type",
                );
                None
            }
        }
    }

    pub fn boolean(&mut self, field: &str) -> Option<bool> {
        let raw = self.require(field, false)?;
        match serde_json::from_str::<bool>(&raw) {
            Ok(flag) => Some(flag),
            Err(_) => {
                self.error(
                    loc!["body", field],
                    "Input should be a valid boolean",
                    "bool_type",
                );
                None
            }
        }
    }

    /// An amount in currency units (a JSON number, or a string holding one), within `min..=max`
    /// cents when given; `min` exclusive when `exclusive_min`.
    pub fn amount(&mut self, field: &str, required: bool, bounds: AmountBounds) -> Option<Cents> {
        let raw = self.require(field, required)?;
        self.amount_at(loc!["body", field], &raw, bounds)
    }

    pub fn amount_at(&mut self, loc: Vec<Value>, raw: &str, bounds: AmountBounds) -> Option<Cents> {
        let text = match serde_json::from_str::<String>(raw) {
            Ok(quoted) => quoted,
            Err(_) => raw.to_owned(),
        };
        let cents = match cents_from_json_number(&text) {
            Ok(cents) => cents,
            Err(error) => {
                let kind = match error {
                    UnitAmountError::NotANumber => "decimal_parsing",
                    UnitAmountError::TooManyDecimals => "decimal_max_places",
                    UnitAmountError::Negative if bounds.exclusive_min => "greater_than",
                    UnitAmountError::Negative => "greater_than_equal",
                    UnitAmountError::TooLarge => "finite_number",
                };
                let msg = match error {
                    UnitAmountError::NotANumber => "Input should be a valid decimal".to_owned(),
                    UnitAmountError::Negative => format!(
                        "Input should be greater than {}{}",
                        if bounds.exclusive_min {
                            ""
                        } else {
                            "or equal to "
                        },
                        units(bounds.min)
                    ),
                    other => other.to_string(),
                };
                self.error(loc, msg, kind);
                return None;
            }
        };
        if bounds.exclusive_min && cents <= bounds.min {
            self.error(
                loc,
                format!("Input should be greater than {}", units(bounds.min)),
                "greater_than",
            );
            return None;
        }
        if !bounds.exclusive_min && cents < bounds.min {
            self.error(
                loc,
                format!(
                    "Input should be greater than or equal to {}",
                    units(bounds.min)
                ),
                "greater_than_equal",
            );
            return None;
        }
        if cents > bounds.max {
            self.error(
                loc,
                format!(
                    "Input should be less than or equal to {}",
                    units(bounds.max)
                ),
                "less_than_equal",
            );
            return None;
        }
        Some(cents)
    }

    /// A whole number within `min..=max`.
    pub fn integer(&mut self, field: &str, min: i64, max: i64) -> Option<i64> {
        let raw = self.require(field, false)?;
        let Some(number) = app::domain::unit_amount::whole_number_from_json(&raw) else {
            self.error(
                loc!["body", field],
                "Input should be a valid integer",
                "int_type",
            );
            return None;
        };
        if number < min {
            let msg = format!("Input should be greater than or equal to {min}");
            self.error(loc!["body", field], msg, "greater_than_equal");
            return None;
        }
        if number > max {
            let msg = format!("Input should be less than or equal to {max}");
            self.error(loc!["body", field], msg, "less_than_equal");
            return None;
        }
        Some(number)
    }

    /// A list of raw JSON elements.
    pub fn list(&mut self, field: &str) -> Option<Vec<Box<RawValue>>> {
        let raw = self.require(field, false)?;
        match serde_json::from_str::<Vec<Box<RawValue>>>(&raw) {
            Ok(items) => Some(items),
            Err(_) => {
                self.error(
                    loc!["body", field],
                    "Input should be a valid list",
                    "list_type",
                );
                None
            }
        }
    }

    /// An object's members, raw, by name.
    pub fn object(
        &mut self,
        field: &str,
    ) -> Option<std::collections::BTreeMap<String, Box<RawValue>>> {
        let raw = self.require(field, false)?;
        match serde_json::from_str(&raw) {
            Ok(members) => Some(members),
            Err(_) => {
                self.error(
                    loc!["body", field],
                    "Input should be a valid dictionary",
                    "dict_type",
                );
                None
            }
        }
    }

    pub fn contains(&self, field: &str) -> bool {
        self.fields.contains_key(field)
    }
}

#[derive(Clone, Copy)]
pub struct AmountBounds {
    pub min: Cents,
    pub exclusive_min: bool,
    pub max: Cents,
}

impl AmountBounds {
    pub const POSITIVE: AmountBounds = AmountBounds {
        min: Cents::ZERO,
        exclusive_min: true,
        max: Cents(100_000_000_000),
    };
}

/// An amount as the error messages print it: `5`, `0.5`.
fn units(amount: Cents) -> String {
    app::domain::unit_amount::json_number_from_cents(amount)
}

fn json_invalid(position: usize, detail: &str) -> ApiError {
    ApiError::validation(vec![ErrorItem {
        loc: loc!["body", position],
        msg: format!("JSON decode error: {detail}"),
        kind: "json_invalid".into(),
    }])
}

/// serde_json reports (line, 1-based column); FastAPI reports the 0-based character position.
fn char_position(text: &str, line: usize, column: usize) -> usize {
    let before: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(|line| line.chars().count())
        .sum();
    before + column.saturating_sub(1)
}
