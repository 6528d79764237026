//! The [`AuditTrail`] port over the database's append-only audit log.

use app::{
    domain::ids::MerchantId,
    ports::{AuditRecord, AuditTrail},
};

use crate::store::Database;

pub struct StoredAuditTrail {
    database: Database,
}

impl StoredAuditTrail {
    pub fn new(database: Database) -> Self {
        Self { database }
    }
}

#[async_trait::async_trait]
impl AuditTrail for StoredAuditTrail {
    async fn record(&self, merchant_id: &MerchantId, record: AuditRecord<'_>) {
        let written = self
            .database
            .record_audit(
                merchant_id,
                record.actor,
                record.action,
                record.object_id,
                &record.detail,
                record.reference,
            )
            .await;
        if let Err(error) = written {
            tracing::error!(
                %error,
                %merchant_id,
                action = record.action.code(),
                object_id = record.object_id,
                "audit entry not written"
            );
        }
    }
}
