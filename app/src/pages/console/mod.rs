//! The merchant console: signed-in pages over the same core, ledger and ports as the API.
pub mod cards;
pub mod overview;
pub mod sign_in;
