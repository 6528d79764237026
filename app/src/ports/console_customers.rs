//! The console's customers: who they are, where their KYC stands, and vouching for one. The
//! server implements it over the issuing core's KYC (the same calls as dialect A's KYC
//! interfaces) and checks the user's role on every call.

use std::sync::Arc;

use super::{ConsoleDenied, KycView};
use crate::domain::{
    console_customers::{CustomerPage, CustomerQuery, KycSubmission},
    console_user::ConsoleUser,
};

#[async_trait::async_trait]
pub trait ConsoleCustomers: Send + Sync {
    /// A page of the merchant's customers, in email order; every role reads it.
    async fn customers(
        &self,
        user: &ConsoleUser,
        query: &CustomerQuery,
    ) -> Result<CustomerPage, ConsoleDenied>;
    /// Submits the customer for an ACH review, or records a verification done elsewhere (only
    /// roles that move money, since an approval lifts the KYC limit on deposits); written to the
    /// audit log.
    async fn submit_kyc(
        &self,
        user: &ConsoleUser,
        submission: KycSubmission,
    ) -> Result<KycView, ConsoleDenied>;
}

pub type SharedConsoleCustomers = Arc<dyn ConsoleCustomers>;
