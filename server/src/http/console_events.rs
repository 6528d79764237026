//! The console's live pages, as the widget's tracker (`widget/events.rs`): Server-Sent Events
//! that say only that something changed; the page then reads again through its server function,
//! so what it shows comes from one place.
//!
//! - `GET /console/cards/{card_id}/events`: one card. The event's id is the card's newest event
//!   number, sent when that number grows, resumed from `Last-Event-ID` after a reconnection.
//! - `GET /console/cards/events?shown=id,id,…`: the card table. An event whenever the shown cards'
//!   statuses or balances move, or the merchant issues a card (a [`CardTableMark`] differs); the
//!   first event is the table as it is when the stream opens, so nothing that changed between
//!   the page's read and the stream's start is missed.
//!
//! Each stream reads again when the change feed says its card (or, for the table, any card of
//! the merchant) changed, on this instance or another, and every few seconds in case a wake-up
//! was lost.
//!
//! A stream lives as long as its console session (checked again every [`SESSION_CHECK_EVERY`])
//! and at most [`MAX_STREAM`], after which the browser reconnects on its own.

use std::{convert::Infallible, time::Duration};

use app::{
    api::console::session_token_in,
    domain::{
        console_user::ConsoleUser,
        console_views::{CardTableMark, MAX_WATCHED_CARDS},
        ids::CardId,
    },
    ports::{ConsoleAccess, ConsoleDenied},
};
use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Response,
    },
};
use futures::{stream, Stream};

use super::AppState;
use crate::{
    change_feed::{Topic, Waiter},
    observability::stream_gauge::OpenStream,
};

/// How often the session is checked again (it may have been signed out elsewhere).
const SESSION_CHECK_EVERY: Duration = Duration::from_secs(30);
const MAX_STREAM: Duration = Duration::from_secs(10 * 60);

fn refused(status: StatusCode, message: &str) -> Response {
    (status, message.to_owned()).into_response()
}

/// The signed-in user a stream is for, and when it must stop.
struct ConsoleStream {
    state: AppState,
    token: String,
    user: ConsoleUser,
    deadline: tokio::time::Instant,
    session_checked: tokio::time::Instant,
}

impl ConsoleStream {
    /// The stream for the request's session, or the answer that refuses it.
    async fn open(state: AppState, headers: &HeaderMap) -> Result<Self, Response> {
        let signed_out = || {
            refused(
                StatusCode::UNAUTHORIZED,
                &ConsoleDenied::SignedOut.to_string(),
            )
        };
        let token = session_token_in(headers).ok_or_else(signed_out)?;
        // A session still awaiting its second factor is refused as the server functions refuse
        // it (401, "enter the code"), not as if the server had failed.
        let user = state
            .console
            .user(&token)
            .await
            .map_err(|denied| refused(denied.http_status(), &denied.to_string()))?;
        let now = tokio::time::Instant::now();
        Ok(ConsoleStream {
            state,
            token,
            user,
            deadline: now + MAX_STREAM,
            session_checked: now,
        })
    }

    /// Whether the stream may go on: not too old, and its session still alive.
    async fn may_continue(&mut self) -> bool {
        let now = tokio::time::Instant::now();
        if now >= self.deadline {
            return false;
        }
        if now - self.session_checked >= SESSION_CHECK_EVERY {
            self.session_checked = now;
            return self.state.console.user(&self.token).await.is_ok();
        }
        true
    }
}

/// The stream as Server-Sent Events, ended with a reconnect hint when the server shuts down.
fn sse(
    state: &AppState,
    events: impl Stream<Item = Result<Event, Infallible>> + Send + 'static,
) -> Response {
    Sse::new(state.draining.end_on_shutdown(events))
        .keep_alive(KeepAlive::default())
        .into_response()
}

pub async fn card_events(
    State(state): State<AppState>,
    Path(card_id): Path<CardId>,
    headers: HeaderMap,
) -> Response {
    let console = match ConsoleStream::open(state, &headers).await {
        Ok(console) => console,
        Err(refusal) => return refusal,
    };
    if console
        .state
        .issuing
        .card(&console.user.merchant_id, &card_id)
        .await
        .is_err()
    {
        return refused(StatusCode::NOT_FOUND, "No such card.");
    }
    let last_sent = headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<i64>().ok())
        .unwrap_or(0);
    let changes = console
        .state
        .changes
        .subscribe(Topic::Card(card_id.clone()));
    let state = console.state.clone();
    sse(
        &state,
        card_changes(FollowCard {
            console,
            card_id,
            last_sent,
            changes,
            _open: OpenStream::opened("console_card"),
        }),
    )
}

struct FollowCard {
    console: ConsoleStream,
    card_id: CardId,
    last_sent: i64,
    changes: Waiter,
    _open: OpenStream,
}

impl FollowCard {
    async fn change(&mut self) -> Option<Event> {
        let card = self
            .console
            .state
            .issuing
            .card(&self.console.user.merchant_id, &self.card_id)
            .await
            .inspect_err(|error| tracing::warn!(%error, "card for the console stream failed"))
            .ok()?;
        let seq = card.events.last().map_or(0, |event| event.seq);
        self.last_sent = seq;
        Some(
            Event::default()
                .id(seq.to_string())
                .data(card.status.code()),
        )
    }
}

fn card_changes(follow: FollowCard) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(follow, |mut follow| async move {
        while follow.console.may_continue().await {
            let state = &follow.console.state;
            match state.issuing.latest_event_seq(&follow.card_id).await {
                Ok(seq) if seq > follow.last_sent => {
                    if let Some(event) = follow.change().await {
                        return Some((Ok(event), follow));
                    }
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "console card event read failed"),
            }
            follow.changes.changed_or_fallback().await;
        }
        None
    })
}

#[derive(serde::Deserialize)]
pub struct TableWatch {
    /// The ids of the cards on the page, comma-separated.
    #[serde(default)]
    shown: String,
}

impl TableWatch {
    fn card_ids(&self) -> Vec<CardId> {
        self.shown
            .split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .take(MAX_WATCHED_CARDS)
            .map(CardId::new)
            .collect()
    }
}

pub async fn card_table_events(
    State(state): State<AppState>,
    Query(watch): Query<TableWatch>,
    headers: HeaderMap,
) -> Response {
    let console = match ConsoleStream::open(state, &headers).await {
        Ok(console) => console,
        Err(refusal) => return refusal,
    };
    let merchant = Topic::Merchant(console.user.merchant_id.clone());
    let changes = console.state.changes.subscribe(merchant);
    let state = console.state.clone();
    sse(
        &state,
        table_changes(WatchTable {
            console,
            shown: watch.card_ids(),
            last_sent: None,
            changes,
            _open: OpenStream::opened("console_table"),
        }),
    )
}

struct WatchTable {
    console: ConsoleStream,
    shown: Vec<CardId>,
    last_sent: Option<CardTableMark>,
    changes: Waiter,
    _open: OpenStream,
}

fn table_changes(watch: WatchTable) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(watch, |mut watch| async move {
        while watch.console.may_continue().await {
            let console = &watch.console;
            match console
                .state
                .console
                .card_table_mark(&console.user, &watch.shown)
                .await
            {
                Ok(mark) if watch.last_sent.as_ref() != Some(&mark) => {
                    watch.last_sent = Some(mark);
                    return Some((Ok(Event::default().data("changed")), watch));
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "console card table read failed"),
            }
            watch.changes.changed_or_fallback().await;
        }
        None
    })
}
