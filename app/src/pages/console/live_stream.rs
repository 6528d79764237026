//! A live page follows the server's event stream (`EventSource`, which reconnects on its own with
//! the last event id). Each event says only that something changed; the page then reads again.

use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{EventSource, MessageEvent};

/// An open stream; closed when dropped (the page left, or it follows something else now).
pub struct LiveStream {
    source: EventSource,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

impl Drop for LiveStream {
    fn drop(&mut self) {
        self.source.close();
    }
}

/// Calls `changed` on every event of the stream at `url`, for as long as the answer is kept.
pub fn follow(url: &str, changed: impl Fn() + 'static) -> Option<LiveStream> {
    let source = EventSource::new(url).ok()?;
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |_: MessageEvent| changed());
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    Some(LiveStream {
        source,
        _on_message: on_message,
    })
}

/// The stream of one card's changes.
pub fn card_url(card_id: &str) -> String {
    format!(
        "/console/cards/{}/events",
        js_sys::encode_uri_component(card_id)
    )
}

/// The stream of the card table's changes, for the cards it shows.
pub fn card_table_url(shown: &[String]) -> String {
    let ids: Vec<String> = shown
        .iter()
        .map(|id| String::from(js_sys::encode_uri_component(id)))
        .collect();
    format!("/console/cards/events?shown={}", ids.join(","))
}
