//! The developers' area's API keys: list, create, roll, revoke. The server checks the role
//! ([`ConsoleApiKeys`](crate::ports::ConsoleApiKeys)); the calls that change something refuse a
//! cross-site request. A new key's secret is in the answer to the call that made it, only.

use leptos::prelude::*;

use crate::domain::api_keys::{ApiKeysView, NewApiKey};

#[server(name = ConsoleApiKeysRead, prefix = "/api/console", endpoint = "api_keys")]
pub async fn console_api_keys() -> Result<ApiKeysView, ServerFnError> {
    backend::keys().await
}

/// `access` is a [`KeyAccess`](crate::domain::api_keys::KeyAccess) code.
#[server(name = ConsoleCreateApiKey, prefix = "/api/console", endpoint = "create_api_key")]
pub async fn console_create_api_key(
    label: String,
    access: String,
) -> Result<NewApiKey, ServerFnError> {
    backend::create(label, access).await
}

/// `grace_secs`: how long the old key keeps working (0 to 7 days).
#[server(name = ConsoleRollApiKey, prefix = "/api/console", endpoint = "roll_api_key")]
pub async fn console_roll_api_key(
    key: String,
    grace_secs: i64,
) -> Result<NewApiKey, ServerFnError> {
    backend::roll(key, grace_secs).await
}

#[server(name = ConsoleRevokeApiKey, prefix = "/api/console", endpoint = "revoke_api_key")]
pub async fn console_revoke_api_key(key: String) -> Result<(), ServerFnError> {
    backend::revoke(key).await
}

#[cfg(feature = "ssr")]
mod backend {
    use leptos::prelude::{expect_context, ServerFnError};

    use super::{ApiKeysView, NewApiKey};
    use crate::{
        api::console::backend::{denied, refuse_cross_site, signed_in_user},
        domain::{
            api_keys::{KeyAccess, RollGrace, MAX_ROLL_GRACE_SECS},
            ids::ApiKeyId,
        },
        ports::{ConsoleDenied, SharedConsoleApiKeys},
    };

    fn keys_port() -> SharedConsoleApiKeys {
        expect_context::<SharedConsoleApiKeys>()
    }

    pub async fn keys() -> Result<ApiKeysView, ServerFnError> {
        let (user, _) = signed_in_user().await?;
        keys_port().keys(&user).await.map_err(denied)
    }

    pub async fn create(label: String, access: String) -> Result<NewApiKey, ServerFnError> {
        refuse_cross_site()?;
        let (user, _) = signed_in_user().await?;
        let access = KeyAccess::parse(&access).ok_or_else(|| {
            denied(ConsoleDenied::Invalid(
                "Choose full access or read only.".to_owned(),
            ))
        })?;
        keys_port()
            .create(&user, &label, access)
            .await
            .map_err(denied)
    }

    pub async fn roll(key: String, grace_secs: i64) -> Result<NewApiKey, ServerFnError> {
        refuse_cross_site()?;
        let (user, _) = signed_in_user().await?;
        let grace = RollGrace::of_secs(grace_secs).ok_or_else(|| {
            denied(ConsoleDenied::Invalid(format!(
                "The old key may keep working for 0 to {} days.",
                MAX_ROLL_GRACE_SECS / 86_400
            )))
        })?;
        keys_port()
            .roll(&user, &ApiKeyId::new(key), grace)
            .await
            .map_err(denied)
    }

    pub async fn revoke(key: String) -> Result<(), ServerFnError> {
        refuse_cross_site()?;
        let (user, _) = signed_in_user().await?;
        keys_port()
            .revoke(&user, &ApiKeyId::new(key))
            .await
            .map_err(denied)
    }
}
