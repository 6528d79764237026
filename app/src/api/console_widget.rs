//! The developers' area's widget builder: the sessions that still run, minting one (its token in
//! the answer to the call that made it, only), closing one early. The server checks the role
//! ([`ConsoleWidget`](crate::ports::ConsoleWidget)); the calls that change something refuse a
//! cross-site request.

use leptos::prelude::*;

use crate::domain::widget_builder::{LiveWidgetSessions, MintedWidgetSession};

#[server(name = ConsoleWidgetSessions, prefix = "/api/console", endpoint = "widget_sessions")]
pub async fn console_widget_sessions() -> Result<LiveWidgetSessions, ServerFnError> {
    backend::live_sessions().await
}

/// `allowed_origins`: one per line; `customer_email`: empty for none.
#[server(name = ConsoleMintWidgetSession, prefix = "/api/console", endpoint = "mint_widget_session")]
pub async fn console_mint_widget_session(
    allowed_origins: String,
    lifetime_secs: i64,
    customer_email: String,
    max_cards: i64,
) -> Result<MintedWidgetSession, ServerFnError> {
    backend::mint(allowed_origins, lifetime_secs, customer_email, max_cards).await
}

#[server(name = ConsoleCloseWidgetSession, prefix = "/api/console", endpoint = "close_widget_session")]
pub async fn console_close_widget_session(session: String) -> Result<(), ServerFnError> {
    backend::close(session).await
}

#[cfg(feature = "ssr")]
mod backend {
    use leptos::prelude::{expect_context, ServerFnError};

    use super::{LiveWidgetSessions, MintedWidgetSession};
    use crate::{
        api::console::backend::{denied, refuse_cross_site, signed_in_user},
        domain::ids::SessionId,
        ports::{SessionForm, SharedConsoleWidget},
    };

    fn widget_port() -> SharedConsoleWidget {
        expect_context::<SharedConsoleWidget>()
    }

    pub async fn live_sessions() -> Result<LiveWidgetSessions, ServerFnError> {
        let (user, _) = signed_in_user().await?;
        widget_port().live_sessions(&user).await.map_err(denied)
    }

    pub async fn mint(
        allowed_origins: String,
        lifetime_secs: i64,
        customer_email: String,
        max_cards: i64,
    ) -> Result<MintedWidgetSession, ServerFnError> {
        refuse_cross_site()?;
        let (user, _) = signed_in_user().await?;
        let form = SessionForm {
            allowed_origins,
            lifetime_secs,
            customer_email,
            max_cards,
        };
        widget_port().mint(&user, form).await.map_err(denied)
    }

    pub async fn close(session: String) -> Result<(), ServerFnError> {
        refuse_cross_site()?;
        let (user, _) = signed_in_user().await?;
        widget_port()
            .close(&user, &SessionId::new(session))
            .await
            .map_err(denied)
    }
}
