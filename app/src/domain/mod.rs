//! The pure issuing domain: types, validation, the card state machine, money and ledger entries.
//! No I/O and no platform code, so the browser validates with exactly the rules the server applies.

pub mod api_keys;
pub mod audit;
pub mod calendar;
pub mod callback_log;
pub mod card_activity;
pub mod card_form;
pub mod card_number;
pub mod card_status;
pub mod card_tags;
pub mod cardholder_name;
pub mod console_card;
pub mod console_customers;
pub mod console_role;
pub mod console_team;
pub mod console_user;
pub mod console_views;
pub mod controls_form;
pub mod email;
pub mod fee_type;
pub mod holder_address;
pub mod ids;
pub mod issuing;
pub mod kyc;
pub mod kyc_identity;
pub mod ledger;
pub mod merchant_activity;
pub mod money;
pub mod order_no;
pub mod plain_text;
pub mod plan_names;
pub mod provisioning;
pub mod recharge;
pub mod request_log;
pub mod spend_controls;
pub mod status_callback;
pub mod two_factor;
pub mod unit_amount;
pub mod widget_boot;
pub mod widget_builder;
pub mod widget_card;

pub use card_status::CardStatus;
pub use money::Cents;
