use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    Lazy, ParamSegment, SsrMode, StaticSegment,
};

use crate::pages::{
    console::lazy_routes::{console_page, signed_out_page, ConsoleRoute, SignedOutRoute},
    home::HomePage,
};

/// The HTML document the server renders around the app: head tags, the stylesheet and hydration
/// scripts of the bundle `options.output_name` names, body. The built bundle is split into lazily
/// loaded chunks, all in one content-hashed folder: its name is `<folder>/<base>`
/// (`cardkit.1f2e…/cardkit`), and Leptos, which looks for the chunks' manifest and names a page's
/// chunks beside the bundle's files, is pointed at that folder.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let mut options = options;
    if let Some((folder, base)) = options.output_name.rsplit_once('/') {
        let folder = format!("{}/{folder}", options.site_pkg_dir);
        let base = base.to_owned();
        options.site_pkg_dir = folder.into();
        options.output_name = base.into();
    }
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
                        view={Lazy::<ConsoleRoute<{ console_page::OVERVIEW }>>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("console"), StaticSegment("cards"))
                        view={Lazy::<ConsoleRoute<{ console_page::CARDS }>>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(
                            StaticSegment("console"),
                            StaticSegment("cards"),
                            ParamSegment("card_id"),
                        )
                        view={Lazy::<ConsoleRoute<{ console_page::CARD }>>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("console"), StaticSegment("issue"))
                        view={Lazy::<ConsoleRoute<{ console_page::ISSUE }>>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("console"), StaticSegment("customers"))
                        view={Lazy::<ConsoleRoute<{ console_page::CUSTOMERS }>>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("console"), StaticSegment("team"))
                        view={Lazy::<ConsoleRoute<{ console_page::TEAM }>>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("console"), StaticSegment("api-keys"))
                        view={Lazy::<ConsoleRoute<{ console_page::API_KEYS }>>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("console"), StaticSegment("callbacks"))
                        view={Lazy::<ConsoleRoute<{ console_page::CALLBACKS }>>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("console"), StaticSegment("widget"))
                        view={Lazy::<ConsoleRoute<{ console_page::WIDGET_BUILDER }>>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("console"), StaticSegment("requests"))
                        view={Lazy::<ConsoleRoute<{ console_page::REQUESTS }>>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("console"), StaticSegment("join"))
                        view={Lazy::<SignedOutRoute<{ signed_out_page::JOIN }>>::new()}
                    />
                    <Route
                        path=(StaticSegment("console"), StaticSegment("audit"))
                        view={Lazy::<ConsoleRoute<{ console_page::AUDIT_LOG }>>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("console"), StaticSegment("security"))
                        view={Lazy::<ConsoleRoute<{ console_page::SECURITY }>>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("console"), StaticSegment("sign-in"))
                        view={Lazy::<SignedOutRoute<{ signed_out_page::SIGN_IN }>>::new()}
                    />
                    // Waits for its data, so a plain-HTML browser sees what to enter.
                    <Route
                        path=(
                            StaticSegment("console"),
                            StaticSegment("sign-in"),
                            StaticSegment("code"),
                        )
                        view={Lazy::<SignedOutRoute<{ signed_out_page::SIGN_IN_CODE }>>::new()}
                        ssr=SsrMode::Async
                    />
                </Routes>
            </main>
        </Router>
    }
}
