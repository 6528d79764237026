//! Events for the partner page that embeds the widget, sent with `postMessage` to the partner's
//! origin only (the one the server checked against the session), never to `*`.

use super::WidgetEnv;
use crate::domain::widget_card::WidgetMessage;

pub(super) fn post_all(env: &WidgetEnv, messages: &[WidgetMessage]) {
    let Some(origin) = env.parent_origin.as_deref() else {
        return; // opened on its own, not embedded: nobody to tell
    };
    #[cfg(feature = "hydrate")]
    {
        let Ok(Some(parent)) = leptos::prelude::window().parent() else {
            return;
        };
        for message in messages {
            let _ = parent.post_message(&message_object(message), origin);
        }
    }
    // On the server there is no partner page; components call this only in reaction to the user.
    #[cfg(not(feature = "hydrate"))]
    let _ = (origin, messages);
}

/// The message as a plain object, field by field: serialising it to JSON text and parsing that
/// back would pull a JSON writer into the widget's bundle for this alone.
#[cfg(feature = "hydrate")]
fn message_object(message: &WidgetMessage) -> js_sys::Object {
    use wasm_bindgen::JsValue;

    let text = |value: &str| JsValue::from_str(value);
    let optional = |value: Option<JsValue>| value.unwrap_or(JsValue::NULL);
    let fields: [(&str, JsValue); 12] = [
        ("source", text(&message.source)),
        ("event", text(message.event.name())),
        ("card_id", text(&message.card_id)),
        ("status", text(&message.status)),
        ("stage", text(&message.stage)),
        ("last4", optional(message.last4.as_deref().map(text))),
        ("brand", text(&message.brand)),
        ("exp_month", optional(message.exp_month.map(JsValue::from))),
        ("exp_year", optional(message.exp_year.map(JsValue::from))),
        ("amount", JsValue::from_f64(message.amount.0 as f64)),
        ("currency", text(&message.currency)),
        (
            "fail_reason",
            optional(message.fail_reason.as_deref().map(text)),
        ),
    ];
    let object = js_sys::Object::new();
    for (key, value) in fields {
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), &value);
    }
    object
}
