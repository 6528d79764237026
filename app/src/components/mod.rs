//! Components shared by the widget and the console: one definition each, so a rule or a message
//! is the same wherever a merchant or a cardholder meets it.
pub mod card_form_view;
pub mod focus;
