//! The console's pages as lazily loaded routes, in two parts: the signed-out pages (sign-in, its
//! second step, accepting an invitation) and the signed-in console. In the browser each part is
//! a chunk of its own (`scripts/build-site.sh` splits the bundle at the two `#[lazy]` functions
//! below), so a merchant's first visit, the sign-in page, downloads the shell and the sign-in
//! pages, not the whole console; the sign-in page then has the browser fetch the console's chunk
//! while the merchant types (`route_preload`).
//!
//! Two parts, not one per page: measured with a split point per page, the pages' shared code
//! became some 260 chunks, a hundred of them for the card table alone, and the files cost more
//! time than their smaller size saved (time to interactive 223 → 645 ms on loopback).
//!
//! On the server the views are called directly, and name the part's files in the page's HTML
//! for the browser to fetch beside the main bundle.

use leptos::{lazy, prelude::*};
use leptos_router::LazyRoute;

use super::{
    api_keys::ApiKeysPage, audit::AuditLogPage, callbacks::CallbacksPage, card::CardPage,
    cards::CardsPage, customers::CustomersPage, issue::IssuePage, join::JoinPage,
    overview::OverviewPage, requests::RequestsPage, security::SecurityPage, sign_in::SignInPage,
    sign_in_code::SignInCodePage, team::TeamPage, widget_builder::WidgetBuilderPage,
};

/// A page of the signed-in console.
#[derive(Clone, Copy, Debug)]
pub enum ConsolePage {
    Overview,
    Cards,
    Card,
    Issue,
    Customers,
    Team,
    ApiKeys,
    Callbacks,
    WidgetBuilder,
    Requests,
    AuditLog,
    Security,
}

/// A page shown before signing in.
#[derive(Clone, Copy, Debug)]
pub enum SignedOutPage {
    SignIn,
    SignInCode,
    Join,
}

/// The split point of the signed-in console (named `console_view_<hash>` in the split manifest).
#[lazy]
fn console_view(page: ConsolePage) -> AnyView {
    #[cfg(feature = "ssr")]
    super::route_preload::preload_split("console_view");
    match page {
        ConsolePage::Overview => view! { <OverviewPage/> }.into_any(),
        ConsolePage::Cards => view! { <CardsPage/> }.into_any(),
        ConsolePage::Card => view! { <CardPage/> }.into_any(),
        ConsolePage::Issue => view! { <IssuePage/> }.into_any(),
        ConsolePage::Customers => view! { <CustomersPage/> }.into_any(),
        ConsolePage::Team => view! { <TeamPage/> }.into_any(),
        ConsolePage::ApiKeys => view! { <ApiKeysPage/> }.into_any(),
        ConsolePage::Callbacks => view! { <CallbacksPage/> }.into_any(),
        ConsolePage::WidgetBuilder => view! { <WidgetBuilderPage/> }.into_any(),
        ConsolePage::Requests => view! { <RequestsPage/> }.into_any(),
        ConsolePage::AuditLog => view! { <AuditLogPage/> }.into_any(),
        ConsolePage::Security => view! { <SecurityPage/> }.into_any(),
    }
}

/// The split point of the signed-out pages (`signed_out_view_<hash>`).
#[lazy]
fn signed_out_view(page: SignedOutPage) -> AnyView {
    #[cfg(feature = "ssr")]
    {
        super::route_preload::preload_split("signed_out_view");
        // What the merchant opens next, fetched at low priority while they sign in.
        super::route_preload::prefetch_split("console_view");
    }
    match page {
        SignedOutPage::SignIn => view! { <SignInPage/> }.into_any(),
        SignedOutPage::SignInCode => view! { <SignInCodePage/> }.into_any(),
        SignedOutPage::Join => view! { <JoinPage/> }.into_any(),
    }
}

/// A route of the signed-in console, by its page.
pub struct ConsoleRoute<const PAGE: u8>;

/// A signed-out route, by its page.
pub struct SignedOutRoute<const PAGE: u8>;

/// The pages as route parameters (`ConsoleRoute<{ console_page::CARDS }>`): an enum cannot be one.
pub mod console_page {
    use super::ConsolePage;

    pub const OVERVIEW: u8 = 0;
    pub const CARDS: u8 = 1;
    pub const CARD: u8 = 2;
    pub const ISSUE: u8 = 3;
    pub const CUSTOMERS: u8 = 4;
    pub const TEAM: u8 = 5;
    pub const API_KEYS: u8 = 6;
    pub const CALLBACKS: u8 = 7;
    pub const WIDGET_BUILDER: u8 = 8;
    pub const REQUESTS: u8 = 9;
    pub const AUDIT_LOG: u8 = 10;
    pub const SECURITY: u8 = 11;

    pub(super) const fn page(number: u8) -> ConsolePage {
        match number {
            OVERVIEW => ConsolePage::Overview,
            CARDS => ConsolePage::Cards,
            CARD => ConsolePage::Card,
            ISSUE => ConsolePage::Issue,
            CUSTOMERS => ConsolePage::Customers,
            TEAM => ConsolePage::Team,
            API_KEYS => ConsolePage::ApiKeys,
            CALLBACKS => ConsolePage::Callbacks,
            WIDGET_BUILDER => ConsolePage::WidgetBuilder,
            REQUESTS => ConsolePage::Requests,
            AUDIT_LOG => ConsolePage::AuditLog,
            _ => ConsolePage::Security,
        }
    }
}

/// The signed-out pages as route parameters.
pub mod signed_out_page {
    use super::SignedOutPage;

    pub const SIGN_IN: u8 = 0;
    pub const SIGN_IN_CODE: u8 = 1;
    pub const JOIN: u8 = 2;

    pub(super) const fn page(number: u8) -> SignedOutPage {
        match number {
            SIGN_IN => SignedOutPage::SignIn,
            SIGN_IN_CODE => SignedOutPage::SignInCode,
            _ => SignedOutPage::Join,
        }
    }
}

impl<const PAGE: u8> LazyRoute for ConsoleRoute<PAGE> {
    fn data() -> Self {
        Self
    }

    async fn view(_this: Self) -> AnyView {
        console_view(console_page::page(PAGE)).await
    }

    // The router loads a route's code before it asks for the view, and then expects the view at
    // once: without this, hydration finds the view still loading and stops.
    async fn preload() {
        #[cfg(feature = "hydrate")]
        __preload_console_view().await;
    }
}

impl<const PAGE: u8> LazyRoute for SignedOutRoute<PAGE> {
    fn data() -> Self {
        Self
    }

    async fn view(_this: Self) -> AnyView {
        signed_out_view(signed_out_page::page(PAGE)).await
    }

    async fn preload() {
        #[cfg(feature = "hydrate")]
        __preload_signed_out_view().await;
    }
}
