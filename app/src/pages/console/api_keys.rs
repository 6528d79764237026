use leptos::{form::ActionForm, prelude::*};

use super::copy_text::CopyText;
use super::nav::ConsoleNav;
use super::scroll_table::ScrollTable;
use crate::{
    api::{
        console_api_keys::{
            console_api_keys, ConsoleCreateApiKey, ConsoleRevokeApiKey, ConsoleRollApiKey,
        },
        widget::error_text,
    },
    domain::{
        api_keys::{ApiKeyView, ApiKeysView, KeyAccess, KeyState, NewApiKey, ROLL_GRACE_CHOICES},
        calendar::format_datetime,
    },
};

/// The developers' area's API keys: every key the merchant has (never a secret: only a hash is
/// kept), making one (its secret shown once, here), rolling one with a grace period, revoking
/// one. The server checks the role of every call.
#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let keys = super::page_data::page_data(|| (), |_| console_api_keys());
    // Above the list, which is drawn anew on every read: a new key's secret outlives the read.
    let create = ServerAction::<ConsoleCreateApiKey>::new();
    let roll = ServerAction::<ConsoleRollApiKey>::new();
    let revoke = ServerAction::<ConsoleRevokeApiKey>::new();
    Effect::new(move |_| {
        if create.version().get() + roll.version().get() + revoke.version().get() > 0 {
            keys.refetch();
        }
    });
    let failure = move || {
        [
            create.value().get().and_then(Result::err),
            roll.value().get().and_then(Result::err),
            revoke.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
        .map(|error| error_text(&error))
    };
    // The latest key made, by either form: its secret is shown until the next one is made.
    let made = RwSignal::new(None::<NewApiKey>);
    Effect::new(move |_| {
        if let Some(Ok(key)) = create.value().get() {
            made.set(Some(key));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(key)) = roll.value().get() {
            made.set(Some(key));
        }
    });
    // A secret stays on screen no longer than it may be needed: a revoke (of it, or of another
    // key) puts it away.
    Effect::new(move |_| {
        if let Some(Ok(())) = revoke.value().get() {
            made.set(None);
        }
    });
    view! {
        <ConsoleNav current="/console/api-keys"/>
        <h1>"API keys"</h1>
        <p class="muted">
            "Keys sign requests to both API dialects (" <code>"Authorization: Bearer <key>"</code>
            "). Only a hash of each is kept: a key's secret is shown once, when it is made."
        </p>
        <p class="error" role="alert" data-testid="api-keys-error">
            {failure}
        </p>
        <div aria-live="polite">{move || made.get().map(|key| view! { <NewKeySecret key/> })}</div>
        <CreateKey create/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                keys.get()
                    .map(|answer| match answer {
                        Ok(view) => view! { <KeyList view roll revoke/> }.into_any(),
                        Err(error) => {
                            view! { <p class="error" role="alert">{error_text(&error)}</p> }
                                .into_any()
                        }
                    })
            }}
        </Transition>
    }
}

#[component]
fn CreateKey(create: ServerAction<ConsoleCreateApiKey>) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="create-key-heading">
            <h2 id="create-key-heading">"Create a key"</h2>
            <noscript>
                <p class="muted">"Creating a key needs JavaScript: its secret is shown once, on this page."</p>
            </noscript>
            <ActionForm action=create attr:class="money-form">
                <label for="key-label">"Label"</label>
                <input
                    id="key-label"
                    name="label"
                    autocomplete="off"
                    required
                    maxlength="60"
                    placeholder="Production server"
                />
                <label for="key-access">"Access"</label>
                <select id="key-access" name="access">
                    {KeyAccess::ALL
                        .into_iter()
                        .map(|access| view! { <option value=access.code()>{access.label()}</option> })
                        .collect_view()}
                </select>
                <button type="submit" disabled=move || create.pending().get()>
                    "Create key"
                </button>
            </ActionForm>
            <p class="muted">
                "A read-only key signs GET requests only: it lists and reads cards, and is refused "
                "(403) anything that moves money, changes a card or reveals its number."
            </p>
        </section>
    }
}

/// A key's whole token, right after it was made: the only time anyone sees it.
#[component]
fn NewKeySecret(key: NewApiKey) -> impl IntoView {
    let token = key.token.clone();
    view! {
        <section class="panel new-secret" aria-labelledby="new-key-heading">
            <h2 id="new-key-heading">{format!("New key: {}", key.key.label)}</h2>
            <p>
                "Copy it now and keep it somewhere safe. It is shown only this once; if it is lost, "
                "roll the key."
            </p>
            <p class="secret-line">
                <code data-testid="new-api-key">{key.token}</code>
                <CopyText label="Copy the new key" text=token/>
            </p>
        </section>
    }
}

fn state_text(key: &ApiKeyView, now_ms: i64) -> String {
    match key.state(now_ms) {
        KeyState::Active => "Active".to_owned(),
        KeyState::Expiring { until } => format!("Stops {} UTC", format_datetime(until)),
        KeyState::Expired => "Stopped (rolled)".to_owned(),
        KeyState::Revoked => "Revoked".to_owned(),
    }
}

#[component]
fn KeyList(
    view: ApiKeysView,
    roll: ServerAction<ConsoleRollApiKey>,
    revoke: ServerAction<ConsoleRevokeApiKey>,
) -> impl IntoView {
    let now_ms = view.now_ms;
    view! {
        <section class="panel" aria-labelledby="keys-heading">
            <h2 id="keys-heading">"Keys"</h2>
            <ScrollTable label="API keys" caption="This merchant's API keys, newest first" testid="api-keys">
                <thead>
                    <tr>
                        <th scope="col">"Label"</th>
                        <th scope="col">"Key"</th>
                        <th scope="col">"Access"</th>
                        <th scope="col">"Created"</th>
                        <th scope="col">"Last used"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Change"</th>
                    </tr>
                </thead>
                <tbody>
                    {view
                        .keys
                        .into_iter()
                        .map(|key| {
                            let live = key.is_live(now_ms);
                            let rolled = key.replaced_by.is_some();
                            let prefix = key.prefix();
                            let row_mark = prefix.clone();
                            let created = format!(
                                "{} UTC {}",
                                format_datetime(key.created_at_ms),
                                key.created_by.as_ref().map_or_else(
                                    || "at setup (first start or command line)".to_owned(),
                                    |email| format!("by {email}"),
                                ),
                            );
                            let last_used = key
                                .last_used_at_ms
                                .map_or_else(|| "Never".to_owned(), |at| format!("{} UTC", format_datetime(at)));
                            let status = state_text(&key, now_ms);
                            let actions = live
                                .then(|| {
                                    view! {
                                        <KeyActions
                                            id=key.id.to_string()
                                            label=key.label.clone()
                                            rolled
                                            roll
                                            revoke
                                        />
                                    }
                                        .into_any()
                                });
                            view! {
                                <tr data-key=row_mark>
                                    <td>{key.label}</td>
                                    <td>
                                        <code>{prefix} "_…"</code>
                                    </td>
                                    <td>{key.access.label()}</td>
                                    <td>{created}</td>
                                    <td>{last_used}</td>
                                    <td data-testid="key-status">{status}</td>
                                    <td>{actions}</td>
                                </tr>
                            }
                                .into_any()
                        })
                        .collect_view()}
                </tbody>
            </ScrollTable>
        </section>
    }
    .into_any()
}

/// Rolling (a new key; the old one works on for the chosen time) and revoking (at once), each
/// behind a disclosure that says what will happen.
#[component]
fn KeyActions(
    id: String,
    label: String,
    rolled: bool,
    roll: ServerAction<ConsoleRollApiKey>,
    revoke: ServerAction<ConsoleRevokeApiKey>,
) -> impl IntoView {
    let grace_label = format!("How long the old key “{label}” keeps working");
    let revoked_id = id.clone();
    let roll_form = (!rolled).then(|| {
        view! {
            <details>
                <summary>"Roll…"</summary>
                <p>"A new key replaces this one, with the same label and access."</p>
                <ActionForm action=roll attr:class="inline-form">
                    <input type="hidden" name="key" value=id/>
                    <select name="grace_secs" aria-label=grace_label>
                        {ROLL_GRACE_CHOICES
                            .into_iter()
                            .map(|grace| {
                                view! {
                                    <option value=grace.secs.to_string() selected=grace.secs == 24 * 3600>
                                        {grace.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <button type="submit" class="secondary" data-testid="roll-key">
                        "Roll key"
                    </button>
                </ActionForm>
            </details>
        }
        .into_any()
    });
    view! {
        <div class="member-actions">
            {roll_form}
            <details class="danger-zone">
                <summary>"Revoke…"</summary>
                <p>{format!("“{label}” stops working at once: every request it signs is refused.")}</p>
                <ActionForm action=revoke>
                    <input type="hidden" name="key" value=revoked_id/>
                    <button type="submit" class="danger" data-testid="revoke-key">
                        {format!("Revoke “{label}”")}
                    </button>
                </ActionForm>
            </details>
        </div>
    }
    .into_any()
}
