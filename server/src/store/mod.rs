//! Storage adapters. SQLite is the embedded default; PostgreSQL is the scale-out path. Each backend
//! has its own migration set under `migrations/`, because their SQL dialects differ.
//!
//! How one store serves two backends, and why this way (`sql.rs`): a connection is a value of an
//! enum over the two drivers' connections ([`sql::Conn`]), a statement's parameters are values
//! ([`sql::Param`]: integer, text, boolean, bytes, each maybe NULL), and a write transaction is a
//! value ([`sql::Tx`]) that commits when told and rolls back when dropped. Store functions are
//! then ordinary `async fn`s over `&mut Conn`, every `?` and `return` visible where it is.
//! Considered and not taken:
//! - functions generic over `sqlx::Executor`/`sqlx::Database` (zero2prod's style, one backend
//!   there): with two backends every function carries the same half-dozen higher-ranked bounds
//!   (`for<'c> &'c mut DB::Connection: Executor<'c>`, `i64: Encode<DB> + Type<DB>`, …), which
//!   is harder to read than the SQL it wraps;
//! - a `Database` trait with one implementation per backend (Atuin's server): the right shape
//!   when the SQL differs per backend, but Cardkit's SQL is the same text on both (only the card
//!   batch insert and a tag filter differ, and they branch on [`sql::Conn`] where they do), so
//!   it would be two copies of every query;
//! - `sqlx::Any`: loses PostgreSQL's arrays (the batch insert) and SQLite's writer gate.
//!
//! The cost is one small enum match per statement (see the benchmark figures in the README).
mod api_keys;
mod audit_log;
mod authorizations;
mod availability;
mod callback_log;
mod card_creation;
mod card_creation_input;
pub mod card_creation_postgres;
pub mod card_event_catch_up;
mod card_expiry;
mod card_money_movements;
mod card_operations;
mod card_views;
mod console_cards;
mod console_customers;
pub mod console_team;
pub mod console_users;
pub mod creation_batcher;
mod customers;
mod database;
pub mod dispatch;
pub mod fees;
mod group_commit;
mod kyc_reviews;
mod leases;
pub(crate) mod ledger;
mod merchant_activity;
mod merchants;
mod migration_history;
mod provisioning_steps;
mod queue_backlog;
mod request_log;
mod secret_key_checks;
pub mod spend_controls;
pub mod sql;
pub mod stage_batches;
mod test_funds;
pub mod two_factor;
mod wallet_statement;
pub(crate) mod webhook_outbox;
mod widget_sessions;

pub use api_keys::{hash_token, IssuedKey, KeyChangeError, KeyGrant, KeyRequest, RolledKey};
pub use callback_log::ResendError;
pub use card_creation::{CreateCardError, CreateOutcome, CreationAttempt};
pub use card_creation_input::{CardCreation, CreatedCard};
pub use card_operations::{CardOperationError, CardTransaction};
pub use customers::Customer;
pub use database::{Backend, Database, Pool, StoreError, WriterGate};
pub use leases::Queue;
pub use merchants::{new_webhook_secret, Merchant};
pub use provisioning_steps::{Activation, ProvisioningCard};
pub use request_log::LoggedRequest;
pub use test_funds::TestFunding;
pub use webhook_outbox::{AttemptOutcome, AttemptRecord, DeliveryAttempt, PendingCallback};
pub use widget_sessions::{
    SessionClosing, WidgetReservation, WidgetSession, WidgetUsage, LIVE_SESSIONS_SHOWN,
};
