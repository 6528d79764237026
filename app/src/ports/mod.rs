//! Service ports: what the application needs from the outside world, implemented by the server's
//! adapters and handed to server functions and HTTP dialects.
mod audit_trail;
mod card_issuing;
mod card_processor;
mod card_spending;
mod console_access;
mod console_api_keys;
mod console_callbacks;
mod console_cards;
mod console_customers;
mod console_requests;
mod console_security;
mod console_team;
mod console_widget;
mod system_probe;
mod widget_access;

pub use audit_trail::{AuditRecord, AuditTrail, SharedAuditTrail};
pub use card_issuing::{
    CardFilter, CardIssuing, CardPage, CardTransactionView, KycView, SharedCardIssuing, SharedKyc,
};
pub use card_processor::{CardProcessor, StageError};
pub use card_spending::{
    AuthorizationView, CardSettings, CardSpending, PurchaseRequest, SharedCardSpending,
};
pub use console_access::{ConsoleAccess, ConsoleDenied, SharedConsoleAccess, SignedIn};
pub use console_api_keys::{ConsoleApiKeys, SharedConsoleApiKeys};
pub use console_callbacks::{ConsoleCallbacks, SharedConsoleCallbacks};
pub use console_cards::{ConsoleCards, SharedConsoleCards};
pub use console_customers::{ConsoleCustomers, SharedConsoleCustomers};
pub use console_requests::{ConsoleRequests, SharedConsoleRequests};
pub use console_security::{ConsoleSecurity, SharedConsoleSecurity};
pub use console_team::{ConsoleTeam, SharedConsoleTeam};
pub use console_widget::{ConsoleWidget, SessionForm, SharedConsoleWidget};
pub use system_probe::{SharedSystemProbe, SystemProbe};
pub use widget_access::{
    Caller, CardPlace, ClientAddress, SharedWidgetAccess, WidgetAccess, WidgetAction, WidgetDenied,
    WidgetGrant, REVEAL_WINDOW_MS, SESSION_CLOSED,
};

/// Where it always lived for the server; now a domain type, since the widget shows it too.
pub use crate::domain::issuing::RevealedCard;
