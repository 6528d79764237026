//! The developers' area's callbacks: the delivery log (filtered by card, state and UTC days),
//! resending one message or every abandoned one of a range of days, a test event to a typed URL,
//! and the signing secret (shown on request, rotated with a day's overlap). The server checks the
//! role ([`ConsoleCallbacks`](crate::ports::ConsoleCallbacks)); the calls that change or send
//! something refuse a cross-site request.

use leptos::prelude::*;

use crate::domain::callback_log::{CallbackLogView, RotatedSecret, TestEventAnswer};

/// The log page: each argument as the page's query string has it (`from`/`to`: `YYYY-MM-DD`).
#[server(name = ConsoleCallbacksRead, prefix = "/api/console", endpoint = "callbacks")]
pub async fn console_callbacks(
    card: Option<String>,
    state: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<String>,
) -> Result<CallbackLogView, ServerFnError> {
    backend::log(card, state, from, to, before).await
}

#[server(name = ConsoleResendCallback, prefix = "/api/console", endpoint = "resend_callback")]
pub async fn console_resend_callback(message_id: String) -> Result<(), ServerFnError> {
    backend::resend(message_id).await
}

/// Every abandoned message created from the start of day `from` to the end of day `to` (UTC).
#[server(name = ConsoleResendAbandoned, prefix = "/api/console", endpoint = "resend_abandoned")]
pub async fn console_resend_abandoned(from: String, to: String) -> Result<u64, ServerFnError> {
    backend::resend_abandoned(from, to).await
}

#[server(name = ConsoleSendTestEvent, prefix = "/api/console", endpoint = "send_test_event")]
pub async fn console_send_test_event(url: String) -> Result<TestEventAnswer, ServerFnError> {
    backend::send_test_event(url).await
}

#[server(name = ConsoleSigningSecret, prefix = "/api/console", endpoint = "signing_secret")]
pub async fn console_signing_secret() -> Result<String, ServerFnError> {
    backend::signing_secret().await
}

#[server(name = ConsoleRotateSecret, prefix = "/api/console", endpoint = "rotate_signing_secret")]
pub async fn console_rotate_signing_secret() -> Result<RotatedSecret, ServerFnError> {
    backend::rotate_secret().await
}

#[cfg(feature = "ssr")]
mod backend {
    use leptos::prelude::{expect_context, ServerFnError};

    use super::{CallbackLogView, RotatedSecret, TestEventAnswer};
    use crate::{
        api::console::backend::{denied, refuse_cross_site, signed_in_user},
        domain::callback_log::{day_start_ms, CallbackQuery},
        ports::{ConsoleDenied, SharedConsoleCallbacks},
    };

    fn port() -> SharedConsoleCallbacks {
        expect_context::<SharedConsoleCallbacks>()
    }

    pub async fn log(
        card: Option<String>,
        state: Option<String>,
        from: Option<String>,
        to: Option<String>,
        before: Option<String>,
    ) -> Result<CallbackLogView, ServerFnError> {
        let (user, _) = signed_in_user().await?;
        let query = CallbackQuery::from_params(
            card.as_deref(),
            state.as_deref(),
            from.as_deref(),
            to.as_deref(),
            before.as_deref(),
        );
        port().log(&user, &query).await.map_err(denied)
    }

    pub async fn resend(message_id: String) -> Result<(), ServerFnError> {
        refuse_cross_site()?;
        let (user, _) = signed_in_user().await?;
        port().resend(&user, &message_id).await.map_err(denied)
    }

    pub async fn resend_abandoned(from: String, to: String) -> Result<u64, ServerFnError> {
        refuse_cross_site()?;
        let (user, _) = signed_in_user().await?;
        let day = |text: &str, which: &str| {
            day_start_ms(text).ok_or_else(|| {
                denied(ConsoleDenied::Invalid(format!(
                    "Enter the {which} day as YYYY-MM-DD."
                )))
            })
        };
        let from_ms = day(&from, "first")?;
        let to_ms = day(&to, "last")? + 86_400_000 - 1;
        port()
            .resend_abandoned(&user, from_ms, to_ms)
            .await
            .map_err(denied)
    }

    pub async fn send_test_event(url: String) -> Result<TestEventAnswer, ServerFnError> {
        refuse_cross_site()?;
        let (user, _) = signed_in_user().await?;
        port().send_test_event(&user, &url).await.map_err(denied)
    }

    pub async fn signing_secret() -> Result<String, ServerFnError> {
        refuse_cross_site()?;
        let (user, _) = signed_in_user().await?;
        port().signing_secret(&user).await.map_err(denied)
    }

    pub async fn rotate_secret() -> Result<RotatedSecret, ServerFnError> {
        refuse_cross_site()?;
        let (user, _) = signed_in_user().await?;
        port().rotate_secret(&user).await.map_err(denied)
    }
}
