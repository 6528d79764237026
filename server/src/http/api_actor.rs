//! Who is acting, for the audit log, when a request comes with an API key: the key's public
//! prefix (`ck_<key id>`), never the key itself. The handler's authentication has already
//! checked the key; this only names it.

use std::convert::Infallible;

use app::{
    domain::{
        audit::{Actor, AuditAction},
        ids::MerchantId,
    },
    ports::AuditRecord,
};
use axum::{extract::FromRequestParts, http::request::Parts};

use super::{bearer::bearer_token, AppState};

pub struct ApiActor(pub Actor);

impl ApiActor {
    /// Writes to the audit log that `actor` did `action` to `object_id` (after it was done).
    pub async fn audit(
        state: &AppState,
        merchant_id: &MerchantId,
        actor: &Actor,
        action: AuditAction,
        object_id: &str,
        detail: String,
        reference: Option<&str>,
    ) {
        let record = AuditRecord {
            actor,
            action,
            object_id,
            detail,
            reference,
        };
        state.audit.record(merchant_id, record).await;
    }
}

/// `ck_key_<id>` of a `ck_key_<id>_<secret>` token (the secret may hold `_` too); anything else
/// is named by no more than that, since it is not one of Cardkit's keys.
pub fn key_prefix(token: &str) -> String {
    let mut parts = token.splitn(4, '_');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("ck"), Some("key"), Some(id), Some(_))
            if !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            format!("ck_key_{id}")
        }
        _ => "unrecognised key".to_owned(),
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ApiActor {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let prefix = bearer_token(&parts.headers)
            .map(key_prefix)
            .unwrap_or_else(|| "no key".to_owned());
        Ok(ApiActor(Actor::ApiKey { prefix }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefix_is_the_public_part_of_the_key_only() {
        assert_eq!(key_prefix("ck_key_a1b2c3_SECRETsecret"), "ck_key_a1b2c3");
        assert_eq!(
            key_prefix("ck_key_a1b2c3_with_more_under_scores"),
            "ck_key_a1b2c3"
        );
        for odd in [
            "ck_",
            "ck_key_a1",
            "sk_live_abc_def",
            "ck_key__x",
            "ck_key_a-b_x",
            "",
        ] {
            assert_eq!(key_prefix(odd), "unrecognised key", "{odd}");
        }
    }
}
