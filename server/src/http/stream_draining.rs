//! Open event streams must not hold up a deploy. A graceful shutdown waits for every response to
//! finish, and a tracker's stream only finishes when its card settles, so without this a stopping
//! instance would wait out its whole grace period for open widgets and consoles. When shutdown
//! begins, each stream sends a last `retry:` hint and ends; the browser's `EventSource`
//! reconnects after it (to another instance behind the load balancer, or this one restarted)
//! and resumes from its `Last-Event-ID`, so no state is lost.

use std::{convert::Infallible, sync::Arc, time::Duration};

use axum::response::sse::Event;
use futures::{stream, Stream, StreamExt};
use tokio::sync::watch;

/// Reconnections are spread over this window, so thousands of streams closed at once do not
/// all arrive at the next instance in the same instant.
const RECONNECT_FROM: Duration = Duration::from_millis(500);
const RECONNECT_SPREAD_MS: u64 = 2_500;

/// Set once, when the server starts shutting down. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Draining(Arc<watch::Sender<bool>>);

impl Default for Draining {
    fn default() -> Self {
        Self(Arc::new(watch::channel(false).0))
    }
}

impl Draining {
    /// Tells every open stream to end.
    pub fn begin(&self) {
        self.0.send_replace(true);
    }

    async fn begun(mut changes: watch::Receiver<bool>) {
        // An error means the sender is gone with the whole server: nothing left to wait for.
        let _ = changes.wait_for(|draining| *draining).await;
    }

    /// `events`, ended with a reconnect hint once shutdown begins (at once, if it has).
    pub fn end_on_shutdown<S>(&self, events: S) -> impl Stream<Item = Result<Event, Infallible>>
    where
        S: Stream<Item = Result<Event, Infallible>> + Send + 'static,
    {
        let begun = Box::pin(Self::begun(self.0.subscribe()));
        stream::unfold(
            (Box::pin(events), begun, false),
            |(mut events, mut begun, ended)| async move {
                if ended {
                    return None;
                }
                tokio::select! {
                    biased;
                    () = &mut begun => {
                        let hint = Event::default()
                            .retry(reconnect_after())
                            .comment("server restarting: reconnect");
                        Some((Ok(hint), (events, begun, true)))
                    }
                    next = events.next() => next.map(|event| (event, (events, begun, false))),
                }
            },
        )
    }
}

fn reconnect_after() -> Duration {
    let mut bytes = [0u8; 8];
    let spread = getrandom::fill(&mut bytes)
        .map(|()| u64::from_le_bytes(bytes) % RECONNECT_SPREAD_MS)
        .unwrap_or(0);
    RECONNECT_FROM + Duration::from_millis(spread)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_stream_ends_with_a_reconnect_hint_once_shutdown_begins() {
        let draining = Draining::default();
        let endless =
            stream::repeat_with(|| Ok(Event::default().data("tick"))).then(|event| async move {
                tokio::time::sleep(Duration::from_millis(10)).await;
                event
            });
        let mut events = Box::pin(draining.end_on_shutdown(endless));
        assert!(events.next().await.is_some(), "events flow before shutdown");
        draining.begin();
        let hint = tokio::time::timeout(Duration::from_secs(1), events.next())
            .await
            .expect("the hint comes at once")
            .expect("a last event");
        let hint = format!("{:?}", hint.unwrap());
        assert!(hint.contains("retry"), "{hint}");
        assert!(events.next().await.is_none(), "then the stream ends");

        // A stream opened while shutting down ends at once too.
        let late = draining.end_on_shutdown(stream::pending());
        assert_eq!(late.collect::<Vec<_>>().await.len(), 1);
    }

    #[test]
    fn reconnections_are_spread() {
        let waits: std::collections::HashSet<_> = (0..20).map(|_| reconnect_after()).collect();
        assert!(waits.len() > 1);
        assert!(waits.iter().all(|wait| *wait >= RECONNECT_FROM
            && *wait < RECONNECT_FROM + Duration::from_millis(RECONNECT_SPREAD_MS)));
    }
}
