//! Where the API dialects write what an API key did (the console's card work writes its own
//! entries, in the same log).

use std::sync::Arc;

use crate::domain::{
    audit::{Actor, AuditAction},
    ids::MerchantId,
};

/// An entry to append.
pub struct AuditRecord<'a> {
    pub actor: &'a Actor,
    pub action: AuditAction,
    pub object_id: &'a str,
    pub detail: String,
    /// The money movement's idempotency reference, so a retried request is written once.
    pub reference: Option<&'a str>,
}

#[async_trait::async_trait]
pub trait AuditTrail: Send + Sync {
    /// Appends `record`. Called after the change it records has been made, so it does not fail
    /// the request: a failure is logged as an error for an operator to see.
    async fn record(&self, merchant_id: &MerchantId, record: AuditRecord<'_>);
}

pub type SharedAuditTrail = Arc<dyn AuditTrail>;
