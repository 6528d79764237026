//! Reads dialect A's create-card body into the core's [`NewCard`], naming every bad field at once.

use app::domain::unit_amount::whole_number_from_json;
use app::domain::{
    card_tags,
    cardholder_name::CardholderName,
    email::Email,
    fee_type::FeeType,
    holder_address::{AddressInput, HolderAddress},
    issuing::NewCard,
    order_no::OrderNo,
    recharge::Recharge,
    Cents,
};
use serde_json::Value;

use crate::webhooks::CallbackPolicy;

/// Every problem found, as `field: message`.
pub type FieldErrors = Vec<String>;

pub fn parse(body: &Value, callbacks: CallbackPolicy) -> Result<NewCard, FieldErrors> {
    let mut errors = FieldErrors::new();
    let Some(object) = body.as_object() else {
        return Err(vec!["body: must be a JSON object".to_owned()]);
    };

    let holder = object.get("cardHolder");
    if !matches!(holder, Some(Value::Object(_))) {
        errors.push(
            "cardHolder: is required and must be an object with firstName and lastName".to_owned(),
        );
    }
    let name = |field: &str, errors: &mut FieldErrors| {
        let value = holder.and_then(|holder| holder.get(field));
        match value {
            Some(Value::String(text)) => CardholderName::parse(text)
                .map_err(|error| errors.push(format!("cardHolder.{field}: {error}")))
                .ok(),
            Some(_) => {
                errors.push(format!("cardHolder.{field}: must be a string"));
                None
            }
            None if holder.is_some() => {
                errors.push(format!("cardHolder.{field}: is required"));
                None
            }
            None => None,
        }
    };
    let first_name = name("firstName", &mut errors);
    let last_name = name("lastName", &mut errors);
    let holder_address = holder.map_or(Ok(None), |holder| address(holder, &mut errors));

    let deposit = match object.get("deposit") {
        Some(Value::String(text)) => Recharge::parse_cents(text).map_err(|error| error.to_string()),
        Some(Value::Number(number)) => match whole_number_from_json(&number.to_string()) {
            Some(cents) => Recharge::new(Cents(cents)).map_err(|error| error.to_string()),
            None => Err("must be a whole number of cents, e.g. \"1000\" for $10.00".to_owned()),
        },
        Some(_) => Err("must be a whole number of cents, e.g. \"1000\" for $10.00".to_owned()),
        None => Err("is required (cents, e.g. \"1000\" for $10.00)".to_owned()),
    }
    .map_err(|message| errors.push(format!("deposit: {message}")))
    .ok();

    let range_id = required_string(object, "vid", &mut errors).filter(|vid| {
        let fits = vid.chars().count() <= 64;
        if !fits {
            errors.push("vid: must be at most 64 characters".to_owned());
        }
        fits
    });
    let order_no = required_string(object, "orderNo", &mut errors).and_then(|text| {
        OrderNo::parse(&text)
            .map_err(|error| errors.push(format!("orderNo: {error}")))
            .ok()
    });
    let callback_url = required_string(object, "callbackUrl", &mut errors).and_then(|text| {
        callbacks
            .check(&text)
            .map(|_| text)
            .map_err(|error| errors.push(format!("callbackUrl: {error}")))
            .ok()
    });
    // The seed marks feeType required but its own example omits it: ONE when absent.
    let fee_type = match object.get("feeType") {
        None | Some(Value::Null) => Some(FeeType::One),
        Some(Value::String(text)) => FeeType::parse(text).or_else(|| {
            errors.push("feeType: must be one of ONE, TWO, THREE".to_owned());
            None
        }),
        Some(_) => {
            errors.push("feeType: must be one of ONE, TWO, THREE".to_owned());
            None
        }
    };
    let customer_email = optional_string(object, "email", &mut errors).and_then(|text| {
        Email::parse(&text)
            .map_err(|error| errors.push(format!("email: {error}")))
            .ok()
    });
    let customer_external_id = optional_string(object, "customerId", &mut errors).filter(|id| {
        let fits = id.chars().count() <= 64;
        if !fits {
            errors.push("customerId: must be at most 64 characters".to_owned());
        }
        fits
    });

    let tags = match object.get("tags") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            let items: Vec<Option<&str>> = items.iter().map(Value::as_str).collect();
            card_tags::parse(&items).unwrap_or_else(|problems| {
                for (index, message) in problems {
                    match index {
                        Some(index) => errors.push(format!("tags[{index}]: {message}")),
                        None => errors.push(format!("tags: {message}")),
                    }
                }
                Vec::new()
            })
        }
        Some(_) => {
            errors.push("tags: must be an array of strings".to_owned());
            Vec::new()
        }
    };

    match (
        first_name,
        last_name,
        deposit,
        range_id,
        order_no,
        callback_url,
        fee_type,
    ) {
        (
            Some(first_name),
            Some(last_name),
            Some(deposit),
            Some(range_id),
            Some(order_no),
            Some(url),
            Some(fee),
        ) if errors.is_empty() => Ok(NewCard {
            range_id,
            first_name,
            last_name,
            deposit,
            order_no,
            callback_url: Some(url),
            fee_type: fee,
            customer_email,
            customer_external_id,
            holder_address: holder_address.ok().flatten(),
            tags,
        }),
        _ => Err(errors),
    }
}

/// The holder's optional address: `street`, `city`, `state`, `country`, `zipCode` beside the names.
fn address(holder: &Value, errors: &mut FieldErrors) -> Result<Option<HolderAddress>, ()> {
    // Null is refused rather than read as "absent": the document states the all-or-nothing
    // rule with JSON Schema's `dependentRequired`, for which a null field is present.
    let mut field = |name: &str| match holder.get(name) {
        None => None,
        Some(Value::String(text)) => Some(text.as_str()),
        Some(_) => {
            errors.push(format!(
                "cardHolder.{name}: must be a string (leave it out for the range's address)"
            ));
            None
        }
    };
    let input = AddressInput {
        street: field("street"),
        city: field("city"),
        state: field("state"),
        country: field("country"),
        zip_code: field("zipCode"),
    };
    HolderAddress::parse(input).map_err(|problems| {
        for (name, message) in problems {
            errors.push(format!("cardHolder.{name}: {message}"));
        }
    })
}

fn required_string(
    object: &serde_json::Map<String, Value>,
    field: &str,
    errors: &mut FieldErrors,
) -> Option<String> {
    match object.get(field) {
        Some(Value::String(text)) if !text.is_empty() => Some(text.clone()),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            errors.push(format!("{field}: is required"));
            None
        }
        Some(_) => {
            errors.push(format!("{field}: must be a string"));
            None
        }
    }
}

fn optional_string(
    object: &serde_json::Map<String, Value>,
    field: &str,
    errors: &mut FieldErrors,
) -> Option<String> {
    match object.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(_) => {
            errors.push(format!("{field}: must be a string"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn seed_example() -> Value {
        json!({
            "cardHolder": { "firstName": "Milton", "lastName": "Schmitt" },
            "deposit": "1000",
            "vid": "vab_069af8a792ad",
            "orderNo": "v_5bc814",
            "callbackUrl": "https://www.baidu.com"
        })
    }

    #[test]
    fn accepts_the_seed_example_as_is() {
        let card = parse(&seed_example(), CallbackPolicy::default()).unwrap();
        assert_eq!(card.deposit.amount(), Cents(1000));
        assert_eq!(card.fee_type, FeeType::One);
        assert_eq!(card.first_name.as_str(), "Milton");
    }

    #[test]
    fn reports_every_problem_at_once() {
        let body = json!({ "cardHolder": { "firstName": "Al" }, "deposit": "499", "orderNo": "a b", "feeType": "FOUR" });
        let errors = parse(&body, CallbackPolicy::default()).unwrap_err();
        assert_eq!(errors, vec![
            "cardHolder.firstName: must be at least 3 letters",
            "cardHolder.lastName: is required",
            "deposit: a single recharge must be between $5.00 and $5,000.00 (500 to 500000 cents), got $4.99",
            "vid: is required",
            "orderNo: orderNo may contain only letters, digits and - _ . :",
            "callbackUrl: is required",
            "feeType: must be one of ONE, TWO, THREE",
        ]);
    }

    #[test]
    fn deposit_as_json_integer_is_accepted_but_not_as_float() {
        let mut body = seed_example();
        body["deposit"] = json!(500000);
        assert!(parse(&body, CallbackPolicy::default()).is_ok());
        body["deposit"] = json!(10.5);
        assert!(parse(&body, CallbackPolicy::default()).is_err());
    }
}
