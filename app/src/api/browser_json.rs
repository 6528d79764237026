//! JSON on the wire, read in the browser by the browser's own parser (`JSON.parse`) and carried
//! into Rust types by `serde-wasm-bindgen`. The server writes and reads it with `serde_json` as
//! before, so the bytes on the wire, and every client that reads them, stay the same.
//!
//! Why: `serde_json`'s parser, its number formatting and a decoder per type cost the widget's
//! budgeted bundle (120 KB brotli) more than anything else it links. The widget's server
//! functions answer in this encoding, and its two other JSON inputs (the start embedded in the
//! page and each event of the status stream) go through [`from_json_text`].

use leptos::server_fn::{codec::Post, Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::{de::DeserializeOwned, Serialize};

/// `output = BrowserJson` on a server function: a JSON answer to a `POST`.
pub type BrowserJson = Post<BrowserJsonEncoding>;

pub struct BrowserJsonEncoding;

impl ContentType for BrowserJsonEncoding {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for BrowserJsonEncoding {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for BrowserJsonEncoding {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(output).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for BrowserJsonEncoding {
    type Error = NotJson;

    fn decode(bytes: Bytes) -> Result<T, NotJson> {
        from_json_text(std::str::from_utf8(&bytes).map_err(|_| NotJson)?)
    }
}

/// The text was not JSON of the expected shape. Deliberately without detail: the browser shows
/// the person a sentence of its own, and detail would bring the formatting code back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotJson;

impl std::fmt::Display for NotJson {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("unexpected answer from the server")
    }
}

/// Reads JSON text into `T`: in the browser with `JSON.parse`, elsewhere with `serde_json`.
pub fn from_json_text<T: DeserializeOwned>(text: &str) -> Result<T, NotJson> {
    #[cfg(feature = "hydrate")]
    {
        let value = js_sys::JSON::parse(text).map_err(|_| NotJson)?;
        serde_wasm_bindgen::from_value(value).map_err(|_| NotJson)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        serde_json::from_str(text).map_err(|_| NotJson)
    }
}
