//! `GET /console/cards/{card_id}/events`: the console's card page follows its card live, the way
//! the widget's tracker does (`widget/events.rs`): Server-Sent Events whose id is the card's
//! newest event number, sent when that number grows, resumed from `Last-Event-ID` after a
//! reconnection. The console's event carries only the number and the status; the page then reads
//! the card again through its server function, so what it shows comes from one place. The
//! stream lives as long as the console session (checked each time it looks) and at most
//! [`MAX_STREAM`], after which the browser reconnects on its own.

use std::{convert::Infallible, time::Duration};

use app::{
    api::console::session_token_in,
    domain::{console_user::ConsoleUser, ids::CardId},
    ports::{ConsoleAccess, ConsoleDenied},
};
use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Response,
    },
};
use futures::{stream, Stream};

use super::AppState;

/// As the widget's stream: one primary-key read per look, so every instance sees every change.
const POLL_EVERY: Duration = Duration::from_millis(200);
/// How often the session is checked again (it may have been signed out elsewhere).
const SESSION_CHECK_EVERY: Duration = Duration::from_secs(30);
const MAX_STREAM: Duration = Duration::from_secs(10 * 60);

fn refused(status: StatusCode, message: &str) -> Response {
    (status, message.to_owned()).into_response()
}

pub async fn card_events(
    State(state): State<AppState>,
    Path(card_id): Path<CardId>,
    headers: HeaderMap,
) -> Response {
    let Some(token) = session_token_in(&headers) else {
        return refused(
            StatusCode::UNAUTHORIZED,
            &ConsoleDenied::SignedOut.to_string(),
        );
    };
    let user = match state.console.user(&token).await {
        Ok(user) => user,
        Err(denied @ ConsoleDenied::SignedOut) => {
            return refused(StatusCode::UNAUTHORIZED, &denied.to_string())
        }
        Err(denied) => return refused(StatusCode::SERVICE_UNAVAILABLE, &denied.to_string()),
    };
    if state
        .issuing
        .card(&user.merchant_id, &card_id)
        .await
        .is_err()
    {
        return refused(StatusCode::NOT_FOUND, "No such card.");
    }
    let last_seen = headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<i64>().ok())
        .unwrap_or(0);
    let follow = Follow {
        state,
        token,
        user,
        card_id,
        last_sent: last_seen,
        deadline: tokio::time::Instant::now() + MAX_STREAM,
        session_checked: tokio::time::Instant::now(),
    };
    Sse::new(changes(follow))
        .keep_alive(KeepAlive::default())
        .into_response()
}

struct Follow {
    state: AppState,
    token: String,
    user: ConsoleUser,
    card_id: CardId,
    last_sent: i64,
    deadline: tokio::time::Instant,
    session_checked: tokio::time::Instant,
}

impl Follow {
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

    async fn change(&mut self) -> Option<Event> {
        let card = self
            .state
            .issuing
            .card(&self.user.merchant_id, &self.card_id)
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

fn changes(follow: Follow) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(follow, |mut follow| async move {
        while follow.may_continue().await {
            match follow.state.issuing.latest_event_seq(&follow.card_id).await {
                Ok(seq) if seq > follow.last_sent => {
                    if let Some(event) = follow.change().await {
                        return Some((Ok(event), follow));
                    }
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "console card event poll failed"),
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
        None
    })
}
