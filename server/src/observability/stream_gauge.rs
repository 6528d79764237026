//! `cardkit_event_streams_open{kind}`: one up while a stream lives, one down when it is dropped
//! (its client went away, or it ended).

/// Held by an open event stream.
pub struct OpenStream {
    kind: &'static str,
}

impl OpenStream {
    pub fn opened(kind: &'static str) -> Self {
        metrics::gauge!("cardkit_event_streams_open", "kind" => kind).increment(1.0);
        Self { kind }
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        metrics::gauge!("cardkit_event_streams_open", "kind" => self.kind).decrement(1.0);
    }
}
