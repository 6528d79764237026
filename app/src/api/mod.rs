//! Server functions: the browser calls these over HTTP; on the server they run against the ports.
pub mod browser_json;
pub mod console;
pub mod console_api_keys;
pub mod console_callbacks;
pub mod console_cards;
pub mod console_controls;
pub mod console_customers;
pub mod console_issue;
pub mod console_requests;
pub mod console_security;
pub mod console_team;
pub mod console_widget;
pub mod system;
pub mod widget;
pub mod widget_identity;
