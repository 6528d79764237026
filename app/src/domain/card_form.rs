//! The widget's card form, validated by the same function in the browser (inline messages as the
//! user types) and on the server (whose verdict wins). Messages are sentences for people, keyed by
//! the field they belong next to.

use serde::{Deserialize, Serialize};

use crate::domain::{
    cardholder_name::{CardholderName, NameError},
    email::Email,
    fee_type::FeeType,
    issuing::NewCard,
    money::DollarsParseError,
    order_no::OrderNo,
    recharge::{Recharge, MAX_RECHARGE, MIN_RECHARGE},
    Cents,
};

/// The form as typed: every field a string, as the inputs hold them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardForm {
    pub range_id: String,
    pub first_name: String,
    pub last_name: String,
    /// Dollars as typed: "25", "25.50", "$1,000".
    pub deposit: String,
    pub fee_type: String,
    pub email: String,
}

/// A form that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidCardForm {
    pub range_id: String,
    pub first_name: CardholderName,
    pub last_name: CardholderName,
    pub deposit: Recharge,
    pub fee_type: FeeType,
    pub email: Option<Email>,
}

impl ValidCardForm {
    /// The card request the form makes (it has no callback URL, address or tags to give).
    pub fn into_new_card(self, order_no: OrderNo) -> NewCard {
        NewCard {
            range_id: self.range_id,
            first_name: self.first_name,
            last_name: self.last_name,
            deposit: self.deposit,
            order_no,
            callback_url: None,
            fee_type: self.fee_type,
            customer_email: self.email,
            customer_external_id: None,
            holder_address: None,
            tags: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The `CardForm` field: `first_name`, `deposit`, ...
    pub field: String,
    pub message: String,
}

fn name_message(label: &str, error: NameError) -> String {
    match error {
        NameError::NotLetters => format!("{label} may contain only the letters A to Z."),
        NameError::TooShort => format!("{label} needs at least 3 letters."),
        NameError::TooLong => format!("{label} is too long."),
    }
}

/// Checks every field and reports every problem at once.
pub fn validate(form: &CardForm) -> Result<ValidCardForm, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut error = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.to_owned(),
            message,
        })
    };
    let range_id = form.range_id.trim().to_owned();
    if range_id.is_empty() {
        error("range_id", "Choose a card range.".into());
    }
    let first_name = CardholderName::parse(form.first_name.trim())
        .map_err(|e| error("first_name", name_message("The first name", e)))
        .ok();
    let last_name = CardholderName::parse(form.last_name.trim())
        .map_err(|e| error("last_name", name_message("The last name", e)))
        .ok();
    let deposit = match Cents::parse_dollars(&form.deposit) {
        Ok(cents) => Recharge::new(cents)
            .map_err(|_| {
                error(
                    "deposit",
                    format!("The deposit must be between {MIN_RECHARGE} and {MAX_RECHARGE}."),
                )
            })
            .ok(),
        Err(DollarsParseError::TooManyDecimals) => {
            error("deposit", "Use at most two decimals (cents).".into());
            None
        }
        Err(DollarsParseError::Negative) => {
            error("deposit", "The deposit cannot be negative.".into());
            None
        }
        Err(_) => {
            error(
                "deposit",
                "Enter an amount in dollars, such as 25 or 25.50.".into(),
            );
            None
        }
    };
    let fee_type = FeeType::parse(form.fee_type.trim())
        .or_else(|| form.fee_type.trim().is_empty().then_some(FeeType::One));
    if fee_type.is_none() {
        error("fee_type", "Choose a fee plan.".into());
    }
    let email = match form.email.trim() {
        "" => None,
        text => Email::parse(text)
            .map_err(|_| error("email", "Enter a valid email address.".into()))
            .ok(),
    };
    if deposit.is_some_and(Recharge::requires_kyc)
        && email.is_none()
        && form.email.trim().is_empty()
    {
        error(
            "email",
            "Deposits above $1,000.00 need the customer's email (their KYC must be approved)."
                .into(),
        );
    }
    match (first_name, last_name, deposit, fee_type) {
        (Some(first_name), Some(last_name), Some(deposit), Some(fee_type)) if errors.is_empty() => {
            Ok(ValidCardForm {
                range_id,
                first_name,
                last_name,
                deposit,
                fee_type,
                email,
            })
        }
        _ => Err(errors),
    }
}

/// The message for one field, if it has one.
pub fn message_for<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|error| error.field == field)
        .map(|error| error.message.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> CardForm {
        CardForm {
            range_id: "vab_069af8a792ad".into(),
            first_name: "Milton".into(),
            last_name: "Schmitt".into(),
            deposit: "25.50".into(),
            fee_type: "ONE".into(),
            email: String::new(),
        }
    }

    #[test]
    fn a_good_form_becomes_exact_cents() {
        let valid = validate(&form()).unwrap();
        assert_eq!(valid.deposit.amount(), Cents(2550));
        assert_eq!(valid.fee_type, FeeType::One);
    }

    #[test]
    fn deposit_bounds_are_exact_to_the_cent() {
        for (deposit, ok) in [
            ("5", true),
            ("4.99", false),
            ("5000", true),
            ("5000.01", false),
            ("1.005", false),
        ] {
            let result = validate(&CardForm {
                deposit: deposit.into(),
                email: "a@b.co".into(),
                ..form()
            });
            assert_eq!(result.is_ok(), ok, "{deposit}");
        }
    }

    #[test]
    fn every_problem_is_reported_next_to_its_field() {
        let errors = validate(&CardForm {
            range_id: String::new(),
            first_name: "Al".into(),
            last_name: "O'Neil".into(),
            deposit: "abc".into(),
            fee_type: "FOUR".into(),
            email: "nope".into(),
        })
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|error| error.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "range_id",
                "first_name",
                "last_name",
                "deposit",
                "fee_type",
                "email"
            ]
        );
        assert_eq!(
            message_for(&errors, "first_name"),
            Some("The first name needs at least 3 letters.")
        );
    }

    #[test]
    fn large_deposits_ask_for_the_customer() {
        let errors = validate(&CardForm {
            deposit: "1000.01".into(),
            ..form()
        })
        .unwrap_err();
        assert_eq!(errors[0].field, "email");
        assert!(validate(&CardForm {
            deposit: "1000".into(),
            ..form()
        })
        .is_ok());
    }
}
