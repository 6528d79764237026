//! A refused form, shown with JavaScript off. A browser without JavaScript posts a form to its
//! server function as plain HTML; a refusal comes back as a redirect to the page with the
//! refusal in the URL (`__path`, `__err`: server_fn's form redirects). Providing it as context
//! lets the page's `ServerAction` for that server function start out holding the refusal, so the
//! page says the sentence where it says it with JavaScript on. The browser reads the same URL
//! when it hydrates, so both render the same.

use leptos::{prelude::*, server::ServerActionError};
use leptos_router::hooks::use_query_map;

#[component]
pub fn PlainFormErrors(children: Children) -> impl IntoView {
    let refusal = use_query_map().with_untracked(|query| {
        Some(ServerActionError::new(
            &query.get("__path")?,
            &query.get("__err")?,
        ))
    });
    if let Some(refusal) = refusal {
        provide_context(refusal);
    }
    children()
}
