//! Following a card through the server's event stream (`EventSource`). The browser reconnects on
//! its own after a dropped connection, sending the last event id; if the stream is refused
//! outright, a fresh one is opened after a pause. Every connection starts with the card's full
//! state, so nothing that happened while disconnected is missed.

use std::{cell::Cell, rc::Rc, time::Duration};

use leptos::prelude::set_timeout;
use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{EventSource, MessageEvent};

use super::WidgetEnv;
use crate::domain::widget_card::WidgetCard;

const RETRY_AFTER: Duration = Duration::from_secs(2);

/// Calls `on_card` with every new state of the card until it settles (active or failed).
pub(super) fn follow(env: &WidgetEnv, card: WidgetCard, on_card: impl Fn(WidgetCard) + 'static) {
    let url = format!(
        "/api/widget/v1/cards/{}/events?session={}",
        js_sys::encode_uri_component(&card.card_id),
        js_sys::encode_uri_component(&env.session)
    );
    connect(
        Rc::new(url),
        Rc::new(Cell::new(card.last_seq())),
        Rc::new(on_card),
    );
}

/// `last_seq` is shared by every connection of one card: the newest state already shown.
fn connect(url: Rc<String>, last_seq: Rc<Cell<i64>>, on_card: Rc<dyn Fn(WidgetCard)>) {
    let Ok(source) = EventSource::new(&url) else {
        return;
    };
    let on_message = {
        let source = source.clone();
        let on_card = on_card.clone();
        let last_seq = last_seq.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(text) = event.data().as_string() else {
                return;
            };
            let Ok(card) = serde_json::from_slice::<WidgetCard>(text.as_bytes()) else {
                return;
            };
            if card.is_settled() {
                source.close();
            }
            // Not older than what is shown: an equal number with other content is a correction.
            if card.last_seq() >= last_seq.get() {
                last_seq.set(card.last_seq());
                on_card(card);
            }
        })
    };
    let on_error = {
        let source = source.clone();
        Closure::<dyn FnMut()>::new(move || {
            // CONNECTING: the browser is already retrying. CLOSED: it gave up (an error status,
            // or we closed it because the card settled, in which case no error fires).
            if source.ready_state() == EventSource::CLOSED {
                let (url, last_seq, on_card) = (url.clone(), last_seq.clone(), on_card.clone());
                set_timeout(move || connect(url, last_seq, on_card), RETRY_AFTER);
            }
        })
    };
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    // The handlers live as long as the stream; one pair per tracked card.
    on_message.forget();
    on_error.forget();
}
