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
            let Ok(json) = serde_json::to_string(message) else {
                continue;
            };
            if let Ok(value) = js_sys::JSON::parse(&json) {
                let _ = parent.post_message(&value, origin);
            }
        }
    }
    // On the server there is no partner page; components call this only in reaction to the user.
    #[cfg(not(feature = "hydrate"))]
    let _ = (origin, messages);
}
