//! The merchant console's server functions: signing in and out, and what its pages read. Every
//! one that changes state refuses a cross-site request, and every refusal they make is a 4xx with
//! a sentence for the person, not the framework's 500.

use leptos::prelude::*;

pub use crate::domain::console_views::{
    CardCursor, CardTableQuery, ConsoleCardPage, ConsoleCardRow, ConsoleOverview, CARDS_PER_PAGE,
};

/// The cookie that carries a console session's secret (HttpOnly: scripts never see it).
pub const SESSION_COOKIE: &str = "cardkit_console";

/// Where the console starts, and where a signed-out person is sent.
pub const CONSOLE_HOME: &str = "/console";
pub const SIGN_IN_PAGE: &str = "/console/sign-in";
/// Where a sign-in whose password was right goes for its code.
pub const CODE_PAGE: &str = "/console/sign-in/code";

/// What the server's console needs to know about how it is served.
#[derive(Clone, Copy, Debug)]
pub struct ConsoleCookiePolicy {
    /// Mark the session cookie `Secure`: always, unless serving plain http on loopback.
    pub secure: bool,
}

#[server(name = ConsoleSignIn, prefix = "/api/console", endpoint = "sign_in")]
pub async fn console_sign_in(email: String, password: String) -> Result<(), ServerFnError> {
    backend::sign_in(&email, &password).await
}

#[server(name = ConsoleSignOut, prefix = "/api/console", endpoint = "sign_out")]
pub async fn console_sign_out() -> Result<(), ServerFnError> {
    backend::sign_out().await
}

#[server(name = ConsoleSignOutEverywhere, prefix = "/api/console", endpoint = "sign_out_everywhere")]
pub async fn console_sign_out_everywhere() -> Result<(), ServerFnError> {
    backend::sign_out_everywhere().await
}

#[server(name = ConsoleOverviewRead, prefix = "/api/console", endpoint = "overview")]
pub async fn console_overview() -> Result<ConsoleOverview, ServerFnError> {
    backend::overview().await
}

/// A page of the card table, for the page's query string values (`status`, `q`, `after`) as
/// they are: plain strings travel the same way from a link, a form and the hydrated page.
#[server(name = ConsoleCards, prefix = "/api/console", endpoint = "cards")]
pub async fn console_cards(
    status: Option<String>,
    q: Option<String>,
    after: Option<String>,
) -> Result<ConsoleCardPage, ServerFnError> {
    let query = CardTableQuery::from_params(status.as_deref(), q.as_deref(), after.as_deref());
    backend::cards(query).await
}

/// The console session token a request's cookies carry, if any (for the server's own routes, such
/// as the CSV export, that are not server functions).
#[cfg(feature = "ssr")]
pub fn session_token_in(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .filter_map(|cookie| cookie.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
}

#[cfg(feature = "ssr")]
pub(crate) mod backend {
    use leptos::prelude::{expect_context, use_context, ServerFnError};

    use super::{
        CardTableQuery, ConsoleCardPage, ConsoleCookiePolicy, ConsoleOverview, CODE_PAGE,
        CONSOLE_HOME, SESSION_COOKIE, SIGN_IN_PAGE,
    };
    use crate::{
        domain::console_user::ConsoleUser,
        ports::{ClientAddress, ConsoleDenied, SharedConsoleAccess},
    };

    pub(crate) fn request() -> Option<http::request::Parts> {
        use_context::<http::request::Parts>()
    }

    fn header(parts: &http::request::Parts, name: http::HeaderName) -> Option<&str> {
        parts
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
    }

    /// A state-changing call must come from the console's own pages. Browsers say where a request
    /// comes from (`Sec-Fetch-Site`, or at least `Origin` on a POST); a request that says
    /// another site is refused. One that says nothing is not from a browser, so it carries no
    /// browser's cookies to abuse — and without the cookie it can do nothing.
    pub(crate) fn from_this_site(parts: &http::request::Parts) -> bool {
        if let Some(site) = header(parts, http::HeaderName::from_static("sec-fetch-site")) {
            return matches!(site, "same-origin" | "none");
        }
        match (
            header(parts, http::header::ORIGIN),
            header(parts, http::header::HOST),
        ) {
            (Some(origin), Some(host)) => {
                origin
                    .strip_prefix("https://")
                    .or_else(|| origin.strip_prefix("http://"))
                    == Some(host)
            }
            (Some(_), None) => false,
            (None, _) => true,
        }
    }

    fn session_token(parts: &http::request::Parts) -> Option<String> {
        super::session_token_in(&parts.headers)
    }

    /// This request's session token, whatever state its session is in.
    pub(crate) fn current_token() -> Option<String> {
        request().as_ref().and_then(session_token)
    }

    pub(crate) fn set_cookie(value: &str, max_age_secs: u64) {
        let secure = use_context::<ConsoleCookiePolicy>().is_none_or(|policy| policy.secure);
        let cookie = format!(
            "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
            if secure { "; Secure" } else { "" }
        );
        if let (Some(response), Ok(cookie)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            http::HeaderValue::from_str(&cookie),
        ) {
            response.append_header(http::header::SET_COOKIE, cookie);
        }
    }

    fn refused(status: http::StatusCode, message: &str) -> ServerFnError {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(status);
        }
        ServerFnError::new(message)
    }

    pub(crate) fn denied(error: ConsoleDenied) -> ServerFnError {
        if let (ConsoleDenied::Throttled { retry_after_secs }, Some(response)) =
            (&error, use_context::<leptos_axum::ResponseOptions>())
        {
            response.insert_header(http::header::RETRY_AFTER, (*retry_after_secs).into());
        }
        refused(error.http_status(), &error.to_string())
    }

    /// Refuses a state-changing call that a browser says came from another site.
    pub(crate) fn refuse_cross_site() -> Result<(), ServerFnError> {
        if request().as_ref().is_none_or(from_this_site) {
            Ok(())
        } else {
            Err(cross_site())
        }
    }

    fn cross_site() -> ServerFnError {
        refused(
            http::StatusCode::FORBIDDEN,
            "This request came from another site and was refused.",
        )
    }

    /// The signed-in user of this request. Without a live session, a page being rendered
    /// redirects to the sign-in page; a server function call answers 401 with a sentence.
    pub(crate) async fn signed_in_user() -> Result<(ConsoleUser, String), ServerFnError> {
        let access = expect_context::<SharedConsoleAccess>();
        let parts = request();
        let token = parts.as_ref().and_then(session_token);
        let user = match &token {
            Some(token) => access.user(token).await,
            None => Err(ConsoleDenied::SignedOut),
        };
        match (user, token) {
            (Ok(user), Some(token)) => Ok((user, token)),
            (Err(ConsoleDenied::SignedOut), _) | (Ok(_), None)
                if parts.as_ref().is_some_and(is_page_render) =>
            {
                leptos_axum::redirect(SIGN_IN_PAGE);
                // A page answers with a real redirect whatever the client said it accepts.
                Err(refused(
                    http::StatusCode::FOUND,
                    &ConsoleDenied::SignedOut.to_string(),
                ))
            }
            // The password was right and the code is due: the code page, whichever page.
            (Err(ConsoleDenied::SecondFactorNeeded), _)
                if parts.as_ref().is_some_and(is_page_render) =>
            {
                leptos_axum::redirect(CODE_PAGE);
                Err(refused(
                    http::StatusCode::FOUND,
                    &ConsoleDenied::SecondFactorNeeded.to_string(),
                ))
            }
            (Err(error), _) => Err(denied(error)),
            (Ok(_), None) => Err(denied(ConsoleDenied::SignedOut)),
        }
    }

    /// A page rendered on the server, rather than a server function called by the browser.
    fn is_page_render(parts: &http::request::Parts) -> bool {
        !parts.uri.path().starts_with("/api/")
    }

    pub async fn sign_in(email: &str, password: &str) -> Result<(), ServerFnError> {
        refuse_cross_site()?;
        let parts = request();
        let address = parts
            .as_ref()
            .and_then(|parts| parts.extensions.get::<ClientAddress>())
            .map(|address| address.0);
        let access = expect_context::<SharedConsoleAccess>();
        let email = email.trim().to_lowercase();
        let signed_in = access
            .sign_in(&email, password, address)
            .await
            .map_err(denied)?;
        set_cookie(&signed_in.token, signed_in.max_age_secs);
        leptos_axum::redirect(if signed_in.awaiting_second_factor {
            CODE_PAGE
        } else {
            CONSOLE_HOME
        });
        Ok(())
    }

    pub async fn sign_out() -> Result<(), ServerFnError> {
        refuse_cross_site()?;
        let parts = request();
        if let Some(token) = parts.as_ref().and_then(session_token) {
            let access = expect_context::<SharedConsoleAccess>();
            access.sign_out(&token).await.map_err(denied)?;
        }
        set_cookie("", 0);
        leptos_axum::redirect(SIGN_IN_PAGE);
        Ok(())
    }

    pub async fn sign_out_everywhere() -> Result<(), ServerFnError> {
        refuse_cross_site()?;
        let (user, _) = signed_in_user().await?;
        let access = expect_context::<SharedConsoleAccess>();
        access.sign_out_everywhere(&user).await.map_err(denied)?;
        set_cookie("", 0);
        leptos_axum::redirect(SIGN_IN_PAGE);
        Ok(())
    }

    pub async fn overview() -> Result<ConsoleOverview, ServerFnError> {
        let (user, _) = signed_in_user().await?;
        let access = expect_context::<SharedConsoleAccess>();
        access.overview(&user).await.map_err(denied)
    }

    pub async fn cards(query: CardTableQuery) -> Result<ConsoleCardPage, ServerFnError> {
        let (user, _) = signed_in_user().await?;
        let access = expect_context::<SharedConsoleAccess>();
        access.cards(&user, &query).await.map_err(denied)
    }
}
