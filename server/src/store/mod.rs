//! Storage adapters. SQLite is the embedded default; PostgreSQL is the scale-out path. Each backend
//! has its own migration set under `migrations/`, because their SQL dialects differ.
mod database;

pub use database::{Backend, Database, StoreError};
