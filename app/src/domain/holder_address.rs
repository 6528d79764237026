//! The cardholder's address, as seed 000's `cardHolder` carries it (`street`, `city`, `state`,
//! `country`, `zipCode`). Optional on create: a card without one has its range's billing address.

use serde::{Deserialize, Serialize};

use super::plain_text;

const MAX_STREET_LEN: usize = 100;
const MAX_CITY_LEN: usize = 64;
const MAX_STATE_LEN: usize = 64;
const MAX_ZIP_CODE_LEN: usize = 16;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolderAddress {
    pub street: String,
    pub city: String,
    /// Empty where the country has no states or provinces.
    pub state: String,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
    pub zip_code: String,
}

/// The address fields as the request gave them (`None`: absent or null).
#[derive(Clone, Copy, Debug, Default)]
pub struct AddressInput<'a> {
    pub street: Option<&'a str>,
    pub city: Option<&'a str>,
    pub state: Option<&'a str>,
    pub country: Option<&'a str>,
    pub zip_code: Option<&'a str>,
}

impl HolderAddress {
    /// `Ok(None)` when no address field was given. Once one is, street, city, country and zip
    /// code are all needed (an address a card network can check); state may be left out. Every
    /// problem is reported, as `(field, message)` with the seed's field names.
    pub fn parse(input: AddressInput<'_>) -> Result<Option<Self>, Vec<(&'static str, String)>> {
        let given = [
            input.street,
            input.city,
            input.state,
            input.country,
            input.zip_code,
        ];
        if given.iter().all(Option::is_none) {
            return Ok(None);
        }
        let mut errors = Vec::new();
        let mut text = |field: &'static str, value: Option<&str>, max: usize, required: bool| {
            checked_text(value, max, required).unwrap_or_else(|message| {
                errors.push((field, message));
                String::new()
            })
        };
        let street = text("street", input.street, MAX_STREET_LEN, true);
        let city = text("city", input.city, MAX_CITY_LEN, true);
        let state = text("state", input.state, MAX_STATE_LEN, false);
        let zip_code = text("zipCode", input.zip_code, MAX_ZIP_CODE_LEN, true);
        let country = input.country.unwrap_or_default();
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_alphabetic()) {
            errors.push((
                "country",
                "must be an ISO 3166-1 alpha-2 country code, e.g. US".to_owned(),
            ));
        }
        let zip_ok = zip_code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-');
        if !zip_ok {
            errors.push((
                "zipCode",
                "may contain only letters, digits, spaces and -".to_owned(),
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Some(HolderAddress {
            street,
            city,
            state,
            country: country.to_ascii_uppercase(),
            zip_code,
        }))
    }
}

/// One text field as given: empty only when not `required`, at most `max` characters, plain text.
/// (Not trimmed: the OpenAPI document states exactly these rules, and a client's schema check
/// and the server must agree.)
fn checked_text(value: Option<&str>, max: usize, required: bool) -> Result<String, String> {
    let value = value.unwrap_or_default();
    if value.is_empty() && required {
        Err("is required when an address is given".to_owned())
    } else if value.chars().count() > max {
        Err(format!("must be at most {max} characters"))
    } else {
        plain_text::check(value).map_err(|error| error.to_string())?;
        Ok(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_address() -> AddressInput<'static> {
        AddressInput {
            street: Some("1010 Pine St LOT 12-E"),
            city: Some("Vienna"),
            state: Some("GA"),
            country: Some("us"),
            zip_code: Some("31092"),
        }
    }

    #[test]
    fn no_field_is_no_address() {
        assert_eq!(HolderAddress::parse(AddressInput::default()), Ok(None));
    }

    #[test]
    fn the_seeds_address_is_accepted_with_the_country_in_upper_case() {
        let address = HolderAddress::parse(seed_address()).unwrap().unwrap();
        assert_eq!(address.country, "US");
        assert_eq!(address.zip_code, "31092");
    }

    #[test]
    fn a_partial_or_malformed_address_names_every_field() {
        let input = AddressInput {
            street: Some("1 Main St"),
            country: Some("usa"),
            zip_code: Some("x\u{0}"),
            ..AddressInput::default()
        };
        let fields: Vec<&str> = HolderAddress::parse(input)
            .unwrap_err()
            .into_iter()
            .map(|(field, _)| field)
            .collect();
        assert_eq!(fields, ["city", "zipCode", "country"]);
    }

    #[test]
    fn state_may_be_left_out() {
        let input = AddressInput {
            state: None,
            ..seed_address()
        };
        assert_eq!(HolderAddress::parse(input).unwrap().unwrap().state, "");
    }
}
