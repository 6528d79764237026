use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    ParamSegment, SsrMode, StaticSegment,
};

use crate::pages::{
    console::{
        api_keys::ApiKeysPage, audit::AuditLogPage, callbacks::CallbacksPage, card::CardPage,
        cards::CardsPage, customers::CustomersPage, issue::IssuePage, join::JoinPage,
        overview::OverviewPage, requests::RequestsPage, security::SecurityPage,
        sign_in::SignInPage, sign_in_code::SignInCodePage, team::TeamPage,
        widget_builder::WidgetBuilderPage,
    },
    home::HomePage,
};

/// The HTML document the server renders around the app: head tags, the stylesheet and hydration
/// scripts of the bundle `options.output_name` names (content-hashed by the build), body.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let stylesheet = format!("/{}/{}.css", options.site_pkg_dir, options.output_name);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="stylesheet" id="cardkit-style" href=stylesheet/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Cardkit"/>
        <Router>
            <main class="page">
                <Routes fallback=|| view! { <p>"Page not found."</p> }>
                    <Route path=StaticSegment("") view=HomePage/>
                    // The console's pages wait for their data before answering, so a signed-out
                    // visitor gets a redirect and every page reads with JavaScript off.
                    <Route
                        path=StaticSegment("console")
                        view=OverviewPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("console"), StaticSegment("cards"))
                        view=CardsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(
                            StaticSegment("console"),
                            StaticSegment("cards"),
                            ParamSegment("card_id"),
                        )
                        view=CardPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("console"), StaticSegment("issue"))
                        view=IssuePage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("console"), StaticSegment("customers"))
                        view=CustomersPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("console"), StaticSegment("team"))
                        view=TeamPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("console"), StaticSegment("api-keys"))
                        view=ApiKeysPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("console"), StaticSegment("callbacks"))
                        view=CallbacksPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("console"), StaticSegment("widget"))
                        view=WidgetBuilderPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("console"), StaticSegment("requests"))
                        view=RequestsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("console"), StaticSegment("join"))
                        view=JoinPage
                    />
                    <Route
                        path=(StaticSegment("console"), StaticSegment("audit"))
                        view=AuditLogPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("console"), StaticSegment("security"))
                        view=SecurityPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("console"), StaticSegment("sign-in"))
                        view=SignInPage
                    />
                    // Waits for its data, so a plain-HTML browser sees what to enter.
                    <Route
                        path=(
                            StaticSegment("console"),
                            StaticSegment("sign-in"),
                            StaticSegment("code"),
                        )
                        view=SignInCodePage
                        ssr=SsrMode::Async
                    />
                </Routes>
            </main>
        </Router>
    }
}
