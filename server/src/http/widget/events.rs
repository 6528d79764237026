//! `GET /api/widget/v1/cards/{card_id}/events?session=…`: the tracker's Server-Sent Events. Each
//! event is the card's whole widget state with its newest event number as the SSE id, sent when
//! that number grows. A (re)connection first gets the current state unless its `Last-Event-ID`
//! says it already has it, so a tracker that was offline catches up in one message. The stream
//! ends when the card settles or the session expires, and with a reconnect hint when the server
//! shuts down.
//!
//! The stream reads the card's newest event number when the card changes (a wake-up from the
//! change feed, on this instance or another) and every few seconds in case a wake-up was lost.
//!
//! When the merchant closes the session early (the console's widget builder), the stream sends
//! one closing notice, `{"closed": "<the sentence for the cardholder>"}`, and ends; a
//! reconnection to a closed session gets the same notice, so the tracker says so instead of
//! retrying.

use app::domain::ids::CardId;
use std::{convert::Infallible, time::Duration};

use app::{
    domain::widget_card::WidgetCard,
    ports::{Caller, ClientAddress, WidgetAccess, WidgetDenied, WidgetGrant},
};
use axum::{
    extract::{Extension, Path, Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Response,
    },
    Json,
};
use futures::{stream, Stream};
use serde::Deserialize;

use crate::{
    change_feed::{Topic, Waiter},
    http::AppState,
    observability::stream_gauge::OpenStream,
    rate_limits::StreamSlot,
};

/// A stream is closed after this long; the browser reconnects and resumes from its last id.
const MAX_STREAM: Duration = Duration::from_secs(10 * 60);

#[derive(Deserialize)]
pub struct SessionQuery {
    session: String,
}

fn refused(status: StatusCode, message: String) -> Response {
    (status, Json(serde_json::json!({ "detail": message }))).into_response()
}

/// A session that does not open, in the status a client library understands.
fn refusal(denied: WidgetDenied) -> Response {
    let status = match denied {
        WidgetDenied::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        WidgetDenied::OriginNotAllowed => StatusCode::FORBIDDEN,
        WidgetDenied::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::UNAUTHORIZED,
    };
    let retry_after = match denied {
        WidgetDenied::TooManyRequests { retry_after_secs } => Some(retry_after_secs),
        _ => None,
    };
    let mut response = refused(status, denied.to_string());
    if let Some(secs) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

pub async fn card_events(
    State(state): State<AppState>,
    Path(card_id): Path<CardId>,
    Query(query): Query<SessionQuery>,
    address: Option<Extension<ClientAddress>>,
    headers: HeaderMap,
) -> Response {
    let header = |name| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let caller = Caller {
        address: address.map(|Extension(address)| address.0),
        origin: header(header::ORIGIN),
        host: header(header::HOST),
    };
    let grant = match state.widget_sessions.open(&query.session, &caller).await {
        Ok(grant) => grant,
        Err(WidgetDenied::Closed) => {
            let closed = stream::iter([Ok::<_, Infallible>(closed_event())]);
            return Sse::new(closed).into_response();
        }
        Err(denied) => return refusal(denied),
    };
    // Held by the stream until it ends or its client goes away.
    let Some(slot) = state.rate_limits.open_stream(&grant.session_id) else {
        let settings_note = "This card form has too many live status connections open. Close \
                             another tab showing it, or wait a moment.";
        let mut response = refused(StatusCode::TOO_MANY_REQUESTS, settings_note.to_owned());
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return response;
    };
    let not_found = || refused(StatusCode::NOT_FOUND, "This card was not found.".into());
    let order_no = match state.issuing.card(&grant.merchant_id, &card_id).await {
        Ok(card) => card.order_no,
        Err(_) => return not_found(),
    };
    match state.widget_sessions.owns_card(&grant, &order_no).await {
        Ok(true) => {}
        Ok(false) => return not_found(),
        Err(denied) => return refused(StatusCode::SERVICE_UNAVAILABLE, denied.to_string()),
    }
    let last_seen = headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<i64>().ok())
        .unwrap_or(0);
    let draining = state.draining.clone();
    Sse::new(draining.end_on_shutdown(card_states(state, grant, card_id, last_seen, slot)))
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// The message that tells a tracker its session was closed by the merchant: not a card (every
/// other message is one), so the tracker, which reads each message as a card, knows it at once.
fn closed_event() -> Event {
    let notice = serde_json::json!({ "closed": WidgetDenied::Closed.to_string() });
    Event::default().data(notice.to_string())
}

struct Follow {
    state: AppState,
    grant: WidgetGrant,
    card_id: CardId,
    last_sent: i64,
    deadline: tokio::time::Instant,
    done: bool,
    /// Woken when the card changes, on this instance or (PostgreSQL) another.
    changes: Waiter,
    /// Woken when the merchant closes the session.
    closing: Waiter,
    _open: OpenStream,
    /// The session's place for this stream, given back when the stream is dropped.
    _slot: StreamSlot,
}

fn card_states(
    state: AppState,
    grant: WidgetGrant,
    card_id: CardId,
    last_seen: i64,
    slot: StreamSlot,
) -> impl Stream<Item = Result<Event, Infallible>> {
    // Subscribed before the first read: a change committed after it wakes the stream.
    let changes = state.changes.subscribe(Topic::Card(card_id.clone()));
    let closing = state
        .changes
        .subscribe(Topic::WidgetSession(grant.session_id.clone()));
    let follow = Follow {
        changes,
        closing,
        _open: OpenStream::opened("widget"),
        state,
        grant,
        card_id,
        last_sent: last_seen,
        deadline: tokio::time::Instant::now() + MAX_STREAM,
        done: false,
        _slot: slot,
    };
    stream::unfold(follow, |mut follow| async move {
        // The session is read once now, after subscribing to its closing (a close committed
        // since `open` read it is not missed), then only when a hint says it was closed: not at
        // each fallback read, which at 10,000 idle streams would double what they cost the
        // database. A hint lost while a PostgreSQL listener reconnected is not lost for good:
        // the listener wakes every waiter once it is back (`ChangeFeed::wake_everyone`).
        let mut check_closing = true;
        while !follow.done {
            if tokio::time::Instant::now() >= follow.deadline
                || follow.state.widget_sessions.has_expired(&follow.grant)
            {
                return None;
            }
            if check_closing && follow.state.widget_sessions.was_closed(&follow.grant).await {
                follow.done = true;
                return Some((Ok(closed_event()), follow));
            }
            match follow.state.issuing.latest_event_seq(&follow.card_id).await {
                Ok(seq) if seq > follow.last_sent => {
                    if let Some(event) = follow.next_event().await {
                        return Some((Ok(event), follow));
                    }
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "card event read failed"),
            }
            check_closing = follow.wait().await;
        }
        None
    })
}

impl Follow {
    /// Waits for the card to change or the session to close, at most the fallback interval;
    /// `true` when a hint says the session was closed.
    async fn wait(&mut self) -> bool {
        tokio::select! {
            _ = self.changes.changed_or_fallback() => false,
            _ = self.closing.changed(MAX_STREAM) => true,
        }
    }

    /// The card's current state as an event, remembering how far the client now is.
    async fn next_event(&mut self) -> Option<Event> {
        let merchant = &self.grant.merchant_id;
        let card = match self.state.issuing.card(merchant, &self.card_id).await {
            Ok(card) => WidgetCard::from_view(&card),
            Err(error) => {
                tracing::warn!(%error, "card state for the widget stream failed");
                return None;
            }
        };
        // The view is one snapshot (`store/card_views.rs`): its newest event and its status
        // were committed together, so it is sent as it is.
        self.last_sent = card.last_seq();
        self.done = card.is_settled();
        let data = serde_json::to_string(&card).ok()?;
        Some(Event::default().id(card.last_seq().to_string()).data(data))
    }
}
