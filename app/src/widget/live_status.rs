//! Following a card through the server's event stream (`EventSource`). The browser reconnects on
//! its own after a dropped connection, sending the last event id; if the stream is refused
//! outright, a fresh one is opened after a pause. Every connection starts with the card's full
//! state, so nothing that happened while disconnected is missed.

use std::{cell::Cell, rc::Rc, time::Duration};

use leptos::prelude::set_timeout;
use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{EventSource, MessageEvent};

use super::{tracker::Link, WidgetEnv};
use crate::{api::browser_json::from_json_text, domain::widget_card::WidgetCard};

const RETRY_AFTER: Duration = Duration::from_secs(2);
/// A stream down for longer than this is said to be down ("Connection lost, retrying…"); shorter
/// gaps (a server restart, a proxy's idle timeout) pass unremarked.
const LOST_AFTER: Duration = Duration::from_secs(3);

/// One card's stream, across its reconnections.
struct Follow {
    url: String,
    /// The newest state already shown.
    last_seq: Cell<i64>,
    /// Whether the stream is connected (an open connection or a message since the last error).
    connected: Cell<bool>,
    on_card: Box<dyn Fn(WidgetCard)>,
    /// Told when the stream has been down for [`LOST_AFTER`], when it is back, and when the
    /// session was closed.
    on_link: Box<dyn Fn(Link)>,
}

/// Calls `on_card` with every new state of the card until it settles (active or failed), and
/// `on_link` when the stream is down for a while, when it is back, and if the merchant closes
/// the session (the server's closing notice).
pub(super) fn follow(
    env: &WidgetEnv,
    card: WidgetCard,
    on_link: impl Fn(Link) + 'static,
    on_card: impl Fn(WidgetCard) + 'static,
) {
    let url = format!(
        "/api/widget/v1/cards/{}/events?session={}",
        js_sys::encode_uri_component(&card.card_id),
        js_sys::encode_uri_component(&env.session)
    );
    connect(Rc::new(Follow {
        url,
        last_seq: Cell::new(card.last_seq()),
        connected: Cell::new(true),
        on_card: Box::new(on_card),
        on_link: Box::new(on_link),
    }));
}

impl Follow {
    fn connected(&self) {
        if !self.connected.replace(true) {
            (self.on_link)(Link::Up);
        }
    }

    fn disconnected(self: &Rc<Self>) {
        if self.connected.replace(false) {
            let follow = self.clone();
            set_timeout(
                move || {
                    if !follow.connected.get() {
                        (follow.on_link)(Link::Lost);
                    }
                },
                LOST_AFTER,
            );
        }
    }
}

fn connect(follow: Rc<Follow>) {
    let Ok(source) = EventSource::new(&follow.url) else {
        return;
    };
    let on_open = {
        let follow = follow.clone();
        Closure::<dyn FnMut()>::new(move || follow.connected())
    };
    let on_message = {
        let source = source.clone();
        let follow = follow.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            follow.connected();
            let Some(text) = event.data().as_string() else {
                return;
            };
            let Ok(card) = from_json_text::<WidgetCard>(&text) else {
                // Not a card: the server's notice that the merchant closed the session
                // (`{"closed": …}`), sent before it ends the stream and to any reconnection.
                source.close();
                (follow.on_link)(Link::Closed);
                return;
            };
            if card.is_settled() {
                source.close();
            }
            // Not older than what is shown: an equal number with other content is a correction.
            if card.last_seq() >= follow.last_seq.get() {
                follow.last_seq.set(card.last_seq());
                (follow.on_card)(card);
            }
        })
    };
    let on_error = {
        let source = source.clone();
        let follow = follow.clone();
        Closure::<dyn FnMut()>::new(move || {
            follow.disconnected();
            // CONNECTING: the browser is already retrying. CLOSED: it gave up (an error status,
            // or we closed it because the card settled, in which case no error fires).
            if source.ready_state() == EventSource::CLOSED {
                let follow = follow.clone();
                set_timeout(move || connect(follow), RETRY_AFTER);
            }
        })
    };
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    // The handlers live as long as the stream; one set per connection of a tracked card.
    on_open.forget();
    on_message.forget();
    on_error.forget();
}
