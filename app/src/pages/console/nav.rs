use leptos::prelude::*;

/// The console's links, on every signed-in page: where you are is marked for screen readers
/// (`aria-current`) as well as for the eye.
#[component]
pub fn ConsoleNav(current: &'static str) -> impl IntoView {
    let link = move |href: &'static str, label: &'static str| {
        let here = href == current;
        view! {
            <li>
                <a href=href aria-current=here.then_some("page")>
                    {label}
                </a>
            </li>
        }
    };
    view! {
        <nav class="console-nav" aria-label="Console">
            <ul>
                {link("/console", "Overview")}
                {link("/console/cards", "Cards")}
                {link("/console/issue", "Issue a card")}
                {link("/console/customers", "Customers")}
                {link("/console/team", "Team")}
                {link("/console/api-keys", "API keys")}
                {link("/console/callbacks", "Callbacks")}
                {link("/console/widget", "Widget")}
                {link("/console/requests", "API requests")}
                {link("/console/audit", "Audit log")}
                {link("/console/security", "Security")}
            </ul>
        </nav>
    }
}
