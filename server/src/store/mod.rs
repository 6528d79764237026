//! Storage adapters. SQLite is the embedded default; PostgreSQL is the scale-out path. Each backend
//! has its own migration set under `migrations/`, because their SQL dialects differ.
mod authorizations;
mod card_creation;
pub mod card_creation_postgres;
mod card_expiry;
mod card_operations;
mod cards;
pub mod creation_batcher;
mod customers;
mod database;
pub mod dispatch;
pub mod fees;
mod kyc_reviews;
mod leases;
pub(crate) mod ledger;
mod merchants;
mod secret_key_checks;
pub mod spend_controls;
pub mod sql;
pub(crate) mod webhook_outbox;
mod widget_sessions;

pub use card_creation::{
    CardCreation, CreateCardError, CreateOutcome, CreatedCard, CreationAttempt,
};
pub use card_operations::{CardOperationError, CardTransaction};
pub use cards::{Activation, ProvisioningCard};
pub use customers::Customer;
pub use database::{Backend, Database, StoreError, WriterGate};
pub use leases::Queue;
pub use merchants::{hash_token, IssuedKey, Merchant};
pub use webhook_outbox::{AttemptOutcome, DeliveryAttempt, PendingCallback};
pub use widget_sessions::{WidgetReservation, WidgetSession};
