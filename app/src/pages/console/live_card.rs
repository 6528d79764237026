//! The card page follows its card through the server's event stream (`EventSource`, which
//! reconnects on its own with the last event id). Each event says only that the card changed;
//! the page then reads it again.

use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{EventSource, MessageEvent};

/// An open stream; closed when dropped (the page left, or another card shown).
pub struct LiveCard {
    source: EventSource,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

impl Drop for LiveCard {
    fn drop(&mut self) {
        self.source.close();
    }
}

/// Calls `changed` whenever the card `card_id` changes, for as long as the answer is kept.
pub fn follow(card_id: &str, changed: impl Fn() + 'static) -> Option<LiveCard> {
    let url = format!(
        "/console/cards/{}/events",
        js_sys::encode_uri_component(card_id)
    );
    let source = EventSource::new(&url).ok()?;
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |_: MessageEvent| changed());
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    Some(LiveCard {
        source,
        _on_message: on_message,
    })
}
