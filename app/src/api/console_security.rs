//! The console's second factor: finishing a sign-in with an authenticator's code, and the
//! security page's switches. Checked on the server by the
//! [`ConsoleSecurity`](crate::ports::ConsoleSecurity) port; the calls that change something refuse
//! a cross-site request. Arguments are plain strings, as a form sends them.

use leptos::prelude::*;

pub use crate::domain::two_factor::{Enrolment, SecondFactorStep, SecurityView};

/// What the code page asks for: a code, or first a new authenticator (the team's rule).
#[server(name = ConsoleSecondFactor, prefix = "/api/console", endpoint = "second_factor")]
pub async fn console_second_factor() -> Result<SecondFactorStep, ServerFnError> {
    backend::second_factor().await
}

/// The code that finishes signing in; then on to the console.
#[server(name = ConsoleFinishSignIn, prefix = "/api/console", endpoint = "finish_sign_in")]
pub async fn console_finish_sign_in(code: String) -> Result<(), ServerFnError> {
    backend::finish_sign_in(code).await
}

#[server(name = ConsoleSecurityRead, prefix = "/api/console", endpoint = "security")]
pub async fn console_security() -> Result<SecurityView, ServerFnError> {
    backend::security().await
}

/// `change`: `start` (a new authenticator: its secret is shown), `confirm` and `off` (both with
/// a `code`), `require` and `optional` (the owner's rule for the team).
#[server(name = ConsoleChangeSecurity, prefix = "/api/console", endpoint = "change_security")]
pub async fn console_change_security(
    change: String,
    code: Option<String>,
) -> Result<(), ServerFnError> {
    backend::change(change, code).await
}

#[cfg(feature = "ssr")]
mod backend {
    use leptos::prelude::{expect_context, ServerFnError};

    use super::{SecondFactorStep, SecurityView};
    use crate::{
        api::console::{
            backend::{current_token, denied, refuse_cross_site, signed_in_user},
            CONSOLE_HOME,
        },
        ports::{ConsoleDenied, SharedConsoleSecurity},
    };

    fn security_port() -> SharedConsoleSecurity {
        expect_context::<SharedConsoleSecurity>()
    }

    fn token() -> Result<String, ServerFnError> {
        current_token().ok_or_else(|| denied(ConsoleDenied::SignedOut))
    }

    pub async fn second_factor() -> Result<SecondFactorStep, ServerFnError> {
        security_port()
            .second_factor_step(&token()?)
            .await
            .map_err(denied)
    }

    pub async fn finish_sign_in(code: String) -> Result<(), ServerFnError> {
        refuse_cross_site()?;
        security_port()
            .finish_sign_in(&token()?, &code)
            .await
            .map_err(denied)?;
        leptos_axum::redirect(CONSOLE_HOME);
        Ok(())
    }

    pub async fn security() -> Result<SecurityView, ServerFnError> {
        let (user, _) = signed_in_user().await?;
        security_port().security(&user).await.map_err(denied)
    }

    pub async fn change(change: String, code: Option<String>) -> Result<(), ServerFnError> {
        refuse_cross_site()?;
        let (user, _) = signed_in_user().await?;
        let port = security_port();
        let code = code.unwrap_or_default();
        match change.as_str() {
            "start" => port.start_enrolment(&user).await.map(|_| ()),
            "confirm" => port.confirm_enrolment(&user, &code).await,
            "off" => port.switch_off(&user, &code).await,
            "require" => port.require_for_team(&user, true).await,
            "optional" => port.require_for_team(&user, false).await,
            other => Err(ConsoleDenied::Invalid(format!(
                "There is no security change called {other:?}."
            ))),
        }
        .map_err(denied)
    }
}
