//! The seed's card object, every field present and typed as the seed shows. Amounts are JSON
//! numbers in currency units written from integer cents (`25`, `25.5`), never through a float.

use app::{
    domain::{
        calendar, card_number, issuing::CardView, spend_controls::SpendControls,
        unit_amount::json_number_from_cents, CardStatus, Cents,
    },
    ports::CardSettings,
};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use utoipa::ToSchema;

use crate::issuing::catalog::BinProfile;

/// An amount serialized as a JSON number of currency units.
#[derive(Clone, Copy, Debug)]
pub struct Units(pub Cents);

impl utoipa::PartialSchema for Units {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Number)
            .description(Some(
                "An amount in currency units (25 = 25.00 USD), at most 2 decimal places",
            ))
            .into()
    }
}

impl ToSchema for Units {}

impl Serialize for Units {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw = RawValue::from_string(json_number_from_cents(self.0))
            .map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

#[derive(Serialize, ToSchema)]
pub struct CardObject {
    cardholder_id: String,
    card_id: String,
    created_at: String,
    closed_at: Option<String>,
    mask_number: String,
    nick_name: Option<String>,
    status: String,
    brand: String,
    settings: Settings,
    bin: Bin,
    balance: Balance,
    /// The card's labels (given through dialect A's `tags`; a filter of the card list).
    tags: Vec<String>,
    is_autolimit: bool,
    is_withdrawable: bool,
    is_tokenizable: bool,
    user: User,
}

#[derive(Serialize, ToSchema)]
pub struct Settings {
    active_from: Option<String>,
    active_to: Option<String>,
    allowed_currencies: Vec<String>,
    limits: Vec<Limit>,
}

#[derive(Serialize, ToSchema)]
pub struct Limit {
    interval: &'static str,
    amount: Units,
}

#[derive(Serialize, ToSchema)]
pub struct Bin {
    vendor: &'static str,
    code: &'static str,
    vendor_code: &'static str,
    purpose: Vec<&'static str>,
    issue: bool,
    topup: bool,
    withdrawal: bool,
    #[schema(value_type = Object)]
    tariff_data: serde_json::Map<String, serde_json::Value>,
    #[serde(rename = "paymentServices")]
    payment_services: Vec<&'static str>,
    merchants: Vec<&'static str>,
    #[serde(rename = "isTokenizable")]
    is_tokenizable: bool,
    address_id: String,
    currency_id: String,
    id: String,
    address: Address,
    currency: Currency,
}

#[derive(Serialize, ToSchema)]
pub struct Address {
    country: Country,
    city: &'static str,
    line_1: &'static str,
    line_2: &'static str,
    postal_code: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct Country {
    name: &'static str,
    iso_code: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct Currency {
    iso_code: &'static str,
    digital_code: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct Balance {
    card_id: String,
    limit: Units,
    available: Units,
    used: Units,
    opening_balance: Units,
    topup_balance: Units,
    limit_per_transaction: Units,
    pending_balance: Units,
    fees_balance: Units,
    incoming_balance: Units,
    withdrawal_balance: Units,
}

#[derive(Serialize, ToSchema)]
pub struct User {
    /// Null for a card made without an email (through dialect A or the widget): its user is
    /// then a user of its own, still with an `id`.
    email: Option<String>,
    whitelabel: Option<String>,
    id: String,
    nickname: String,
    role: &'static str,
    status: &'static str,
    user_type: &'static str,
    invite_accept: bool,
    is_new_client: bool,
    /// The person behind the user, with their company when known.
    #[schema(value_type = Option<Object>)]
    account: Option<serde_json::Value>,
}

/// ISO 8601 in UTC: `2026-11-25T06:19:03Z`.
pub fn iso_time(epoch_ms: i64) -> String {
    calendar::format_datetime(epoch_ms).replace(' ', "T") + "Z"
}

pub fn card_object(
    view: &CardView,
    settings: &CardSettings,
    pending: Cents,
    profile: &BinProfile,
) -> CardObject {
    let controls: &SpendControls = &settings.controls;
    let details = view.status.has_card_details();
    let mask_number = match (details, &view.card_bin, &view.last4) {
        (true, Some(bin), Some(last4)) => {
            card_number::mask(bin, last4, usize::try_from(view.pan_length).unwrap_or(16))
        }
        _ => String::new(),
    };
    let closed_at = view
        .events
        .iter()
        .find(|event| event.status == CardStatus::Deleted)
        .map(|event| iso_time(event.at_ms));
    let opening = view.deposit.saturating_sub(view.recharged);
    // The card's lifetime spending limit as funded: what went on, less what came back off and
    // the fees; `available` is that less what was spent (the seed's `limit - used`).
    let limit = view
        .deposit
        .saturating_sub(view.returned)
        .saturating_sub(view.fees);
    let email = view.customer_email.clone();
    CardObject {
        cardholder_id: view.holder_id.clone(),
        card_id: view.card_id.to_string(),
        created_at: iso_time(view.created_at_ms),
        closed_at,
        mask_number,
        nick_name: settings.nick_name.clone(),
        status: view.status.code().to_owned(),
        brand: view.brand.clone(),
        settings: Settings {
            active_from: controls.active_from_ms.map(iso_time),
            active_to: controls.active_to_ms.map(iso_time),
            allowed_currencies: controls.allowed_currencies.clone(),
            limits: controls
                .limits
                .iter()
                .map(|limit| Limit {
                    interval: limit.interval.code(),
                    amount: Units(limit.amount),
                })
                .collect(),
        },
        bin: bin(profile),
        balance: Balance {
            card_id: view.card_id.to_string(),
            limit: Units(limit),
            available: Units(limit.saturating_sub(view.consume)),
            used: Units(view.consume),
            opening_balance: Units(opening),
            topup_balance: Units(view.recharged),
            limit_per_transaction: Units(controls.limit_per_transaction),
            pending_balance: Units(pending),
            fees_balance: Units(view.fees),
            incoming_balance: Units(Cents::ZERO),
            withdrawal_balance: Units(view.withdrawn),
        },
        tags: view.tags.clone(),
        is_autolimit: controls.is_autolimit,
        is_withdrawable: profile.withdrawal,
        is_tokenizable: profile.tokenizable,
        user: User {
            nickname: match &email {
                Some(email) => email.split('@').next().unwrap_or_default().to_owned(),
                None => view.first_name.to_lowercase(),
            },
            email,
            whitelabel: None,
            id: view.user_id.clone(),
            // Users are created by the merchant's API on first use: invited buyers.
            role: "buyer",
            status: "active",
            user_type: "cpa",
            invite_accept: true,
            is_new_client: false,
            // What Cardkit knows of the person behind the user: the card's holder.
            account: Some(serde_json::json!({
                "first_name": view.first_name,
                "middle_name": " ",
                "last_name": view.last_name,
                "date_of_birth": null,
                "phone": null,
                "id": view.holder_id,
                // The seed shows an integer here; Cardkit's user ids are strings (`u_…`), and
                // this is the same id as `user.id`, so a client can join the two.
                "user_id": view.user_id,
                "tg_account": null,
                "company": null,
            })),
        },
    }
}

pub fn bin(profile: &BinProfile) -> Bin {
    Bin {
        vendor: profile.vendor,
        code: profile.code,
        vendor_code: profile.vendor_code,
        purpose: profile.purpose.to_vec(),
        issue: profile.issue,
        topup: profile.topup,
        withdrawal: profile.withdrawal,
        tariff_data: serde_json::Map::new(),
        payment_services: profile.payment_services.to_vec(),
        merchants: profile.merchants.to_vec(),
        is_tokenizable: profile.tokenizable,
        address_id: format!("addr_{}", profile.code),
        currency_id: format!("cur_{}", profile.currency_iso.to_lowercase()),
        id: profile.range_id.to_owned(),
        address: Address {
            country: Country {
                name: profile.country_name,
                iso_code: profile.country_iso,
            },
            city: profile.city,
            line_1: profile.line_1,
            line_2: profile.line_2,
            postal_code: profile.postal_code,
        },
        currency: Currency {
            iso_code: profile.currency_iso,
            digital_code: profile.currency_digital_code,
        },
    }
}
