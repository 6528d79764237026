use leptos::{form::ActionForm, prelude::*};

use super::copy_text::CopyText;
use super::nav::ConsoleNav;
use super::scroll_table::ScrollTable;
use crate::{
    api::{
        console_widget::{
            console_widget_sessions, ConsoleCloseWidgetSession, ConsoleMintWidgetSession,
        },
        widget::error_text,
    },
    domain::{
        calendar::format_datetime,
        widget_boot::MAX_RADIUS_PX,
        widget_builder::{
            chosen_theme, curl_minting, embed_snippet, node_minting, preview_path,
            LiveWidgetSession, LiveWidgetSessions, MintedWidgetSession, LIFETIME_CHOICES,
        },
    },
};

/// The developers' area's widget builder: mint a session for a partner page, choose its theme,
/// see it live in a preview, copy the snippet (and the server-side minting call that does the same
/// from the merchant's backend), and end a running session early. The server checks the role of
/// every call.
#[component]
pub fn WidgetBuilderPage() -> impl IntoView {
    let sessions = super::page_data::page_data(|| (), |_| console_widget_sessions());
    let mint = ServerAction::<ConsoleMintWidgetSession>::new();
    let close = ServerAction::<ConsoleCloseWidgetSession>::new();
    Effect::new(move |_| {
        if mint.version().get() + close.version().get() > 0 {
            sessions.refetch();
        }
    });
    let failure = move || {
        [
            mint.value().get().and_then(Result::err),
            close.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
        .map(|error| error_text(&error))
    };
    // The latest session minted here: its token is in the snippet until the next one is minted.
    let minted = RwSignal::new(None::<MintedWidgetSession>);
    Effect::new(move |_| {
        if let Some(Ok(session)) = mint.value().get() {
            minted.set(Some(session));
        }
    });
    let theme = ThemeChoice::new();
    view! {
        <ConsoleNav current="/console/widget"/>
        <h1>"Widget builder"</h1>
        <p class="muted">
            "Mint a widget session for a partner page, pick its look, try it in the preview and copy "
            "what the page needs. In production your server mints each session with an API key "
            "(the calls below); a session made here is for trying the widget and for one-off pages."
        </p>
        <p class="error" role="alert" data-testid="widget-builder-error">
            {failure}
        </p>
        <MintForm mint theme/>
        <div aria-live="polite">
            {move || minted.get().map(|session| view! { <MintedSession session theme/> }.into_any())}
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                sessions
                    .get()
                    .map(|answer| match answer {
                        Ok(view) => view! { <SessionList view close/> }.into_any(),
                        Err(error) => {
                            view! { <p class="error" role="alert">{error_text(&error)}</p> }
                                .into_any()
                        }
                    })
            }}
        </Transition>
    }
}

/// The look the builder's controls chose, applied to the snippet and the preview as it changes.
#[derive(Clone, Copy)]
struct ThemeChoice {
    accent: RwSignal<String>,
    radius: RwSignal<String>,
    scheme: RwSignal<String>,
}

impl ThemeChoice {
    fn new() -> Self {
        Self {
            accent: RwSignal::new("#2563eb".to_owned()),
            radius: RwSignal::new("8".to_owned()),
            scheme: RwSignal::new("auto".to_owned()),
        }
    }

    fn theme(self) -> crate::domain::widget_boot::WidgetTheme {
        chosen_theme(&self.accent.get(), &self.radius.get(), &self.scheme.get())
    }
}

#[component]
fn MintForm(mint: ServerAction<ConsoleMintWidgetSession>, theme: ThemeChoice) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="mint-heading">
            <h2 id="mint-heading">"Mint a session"</h2>
            <noscript>
                <p class="muted">"Minting needs JavaScript: the session's token is shown once, on this page."</p>
            </noscript>
            <ActionForm action=mint attr:class="builder-form">
                <label for="session-origins">"Partner origins (one per line)"</label>
                <textarea
                    id="session-origins"
                    name="allowed_origins"
                    required
                    rows="2"
                    placeholder="https://shop.example"
                    aria-describedby="session-origins-hint"
                ></textarea>
                <p id="session-origins-hint" class="muted">
                    "The pages that may show the widget: scheme, host and port, nothing after."
                </p>
                <label for="session-lifetime">"Lifetime"</label>
                <select id="session-lifetime" name="lifetime_secs">
                    {LIFETIME_CHOICES
                        .into_iter()
                        .map(|(secs, name)| view! { <option value=secs.to_string()>{name}</option> })
                        .collect_view()}
                </select>
                <label for="session-email">"Customer email (optional)"</label>
                <input id="session-email" name="customer_email" type="email" autocomplete="off"/>
                <label for="session-cards">"Cards it may make"</label>
                <input id="session-cards" name="max_cards" type="number" min="1" max="100" value="1" required/>
                <button type="submit" disabled=move || mint.pending().get()>
                    "Mint session"
                </button>
            </ActionForm>
        </section>
        <ThemeControls theme/>
    }
    .into_any()
}

/// Accent, radius and colour scheme: they change the snippet and the preview at once (no new
/// session: the theme is the partner page's, not the session's).
#[component]
fn ThemeControls(theme: ThemeChoice) -> impl IntoView {
    let ThemeChoice {
        accent,
        radius,
        scheme,
    } = theme;
    view! {
        <section class="panel" aria-labelledby="theme-heading">
            <h2 id="theme-heading">"Look"</h2>
            <div class="builder-form">
                <label for="theme-accent">"Accent colour"</label>
                <input
                    id="theme-accent"
                    type="color"
                    prop:value=move || accent.get()
                    on:input=move |event| accent.set(event_target_value(&event))
                />
                <label for="theme-radius">{move || format!("Corner radius: {} px", radius.get())}</label>
                <input
                    id="theme-radius"
                    type="range"
                    min="0"
                    max=MAX_RADIUS_PX.to_string()
                    prop:value=move || radius.get()
                    on:input=move |event| radius.set(event_target_value(&event))
                />
                <label for="theme-scheme">"Colours"</label>
                <select id="theme-scheme" on:change=move |event| scheme.set(event_target_value(&event))>
                    <option value="auto" selected=true>"The cardholder's system setting"</option>
                    <option value="light">"Light"</option>
                    <option value="dark">"Dark"</option>
                </select>
            </div>
        </section>
    }
    .into_any()
}

/// This page's origin, which partner pages load the widget from.
fn cardkit_origin() -> String {
    #[cfg(feature = "hydrate")]
    {
        window().location().origin().unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::new()
    }
}

/// Each block of code scrolls sideways on a narrow screen, as a named, focusable region so a
/// keyboard can scroll it too (axe: scrollable-region-focusable).
///
/// A session just minted: the partner page's snippet (its token is shown only here), the same
/// session minted from a server, and the live preview.
#[component]
fn MintedSession(session: MintedWidgetSession, theme: ThemeChoice) -> impl IntoView {
    let origin = cardkit_origin();
    let token = session.token.clone();
    let snippet = Signal::derive({
        let origin = origin.clone();
        let token = token.clone();
        move || embed_snippet(&origin, &token, &theme.theme())
    });
    let preview = move || preview_path(&token, &theme.theme());
    let curl = curl_minting(&origin, &session.order);
    let node = node_minting(&origin, &session.order);
    let expires = format!(
        "Session {} runs until {} UTC.",
        session.session.id,
        format_datetime(session.session.expires_at_ms)
    );
    view! {
        <section class="panel new-secret" aria-labelledby="minted-heading" data-session=session.session.id.clone()>
            <h2 id="minted-heading">"Your widget"</h2>
            <p>{expires} " Its token is in the snippet and is shown only this once."</p>
            <h3>"Partner page"</h3>
            <pre class="code-block" tabindex="0" role="region" aria-label="The partner page's snippet"><code data-testid="widget-snippet">{move || snippet.get()}</code></pre>
            <CopyText label="Copy the snippet" text=snippet/>
            <h3>"Preview"</h3>
            <p class="muted">
                "The real widget of this session: a card made here is a real card, and counts "
                "against the session's cards."
            </p>
            <iframe
                class="widget-preview"
                title="Widget preview"
                data-testid="widget-preview"
                src=preview
            ></iframe>
            <h3>"Mint the same from your server"</h3>
            <p class="muted">
                "With an API key in " <code>"CARDKIT_API_KEY"</code>
                ", each call makes a new session; give its " <code>"session_token"</code>
                " to the page as " <code>"data-session"</code> "."
            </p>
            <h4>"curl"</h4>
            <pre class="code-block" tabindex="0" role="region" aria-label="Minting with curl"><code data-testid="minting-curl">{curl.clone()}</code></pre>
            <CopyText label="Copy the curl command" text=curl/>
            <h4>"Node.js"</h4>
            <pre class="code-block" tabindex="0" role="region" aria-label="Minting with Node.js"><code data-testid="minting-node">{node.clone()}</code></pre>
            <CopyText label="Copy the Node.js code" text=node/>
        </section>
    }
    .into_any()
}

#[component]
fn SessionList(
    view: LiveWidgetSessions,
    close: ServerAction<ConsoleCloseWidgetSession>,
) -> impl IntoView {
    let now_ms = view.now_ms;
    let empty = view.sessions.is_empty();
    view! {
        <section class="panel" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">"Running sessions"</h2>
            {empty.then(|| view! { <p class="muted">"No session is running."</p> })}
            <ScrollTable
                label="Running widget sessions"
                caption="Widget sessions that have not run out or been ended, newest first"
                testid="widget-sessions"
            >
                <thead>
                    <tr>
                        <th scope="col">"Session"</th>
                        <th scope="col">"Origins"</th>
                        <th scope="col">"Customer"</th>
                        <th scope="col">"Cards"</th>
                        <th scope="col">"Minted"</th>
                        <th scope="col">"Ends"</th>
                        <th scope="col">"End"</th>
                    </tr>
                </thead>
                <tbody>
                    {view
                        .sessions
                        .into_iter()
                        .map(|session| view! { <SessionRow session now_ms close/> })
                        .collect_view()}
                </tbody>
            </ScrollTable>
        </section>
    }
    .into_any()
}

#[component]
fn SessionRow(
    session: LiveWidgetSession,
    now_ms: i64,
    close: ServerAction<ConsoleCloseWidgetSession>,
) -> impl IntoView {
    let minted = format!(
        "{} UTC {}",
        format_datetime(session.created_at_ms),
        session
            .created_by
            .as_ref()
            .map_or_else(|| "by an API key".to_owned(), |email| format!("by {email}")),
    );
    let minutes_left = ((session.expires_at_ms - now_ms).max(0) + 59_999) / 60_000;
    let ends = format!(
        "{} UTC (in {minutes_left} min)",
        format_datetime(session.expires_at_ms)
    );
    let end_label = format!("End session {} now", session.id);
    let id = session.id;
    let ended_id = id.clone();
    view! {
        <tr data-session=id.clone()>
            <td><code>{id.clone()}</code></td>
            <td>{session.allowed_origins.join(" ")}</td>
            <td>{session.customer_email.unwrap_or_else(|| "—".to_owned())}</td>
            <td>{format!("{} of {}", session.cards_made, session.max_cards)}</td>
            <td>{minted}</td>
            <td>{ends}</td>
            <td>
                <details class="danger-zone">
                    <summary>"End…"</summary>
                    <p>"Its form makes no more cards, and the trackers it shows say the site closed it."</p>
                    <ActionForm action=close>
                        <input type="hidden" name="session" value=ended_id/>
                        <button type="submit" class="danger" aria-label=end_label data-testid="end-session">
                            "End now"
                        </button>
                    </ActionForm>
                </details>
            </td>
        </tr>
    }
    .into_any()
}
