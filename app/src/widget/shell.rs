use leptos::prelude::*;

use super::WidgetRoot;
use crate::{
    api::widget::{WidgetStart, START_ELEMENT_ID},
    domain::{
        widget_boot::WidgetBoot,
        widget_card::{WidgetEventKind, WidgetMessage},
    },
    ports::WidgetDenied,
};

/// Name of the widget's own bundle (`/pkg/cardkit-widget.<hash>.js`, `_bg.wasm`, `.css`), built
/// from `frontend` with its `widget` feature by `scripts/build-site.sh`.
pub const WIDGET_BUNDLE_NAME: &str = "cardkit-widget";

/// The framed widget page, loading the bundle whose file names start with `bundle` (the build
/// content-hashes them). The partner's theme is applied on `<body>` as CSS variables, outside
/// the hydrated tree, so the server and the browser never disagree about it.
pub fn widget_shell(
    options: LeptosOptions,
    bundle: &str,
    boot: WidgetBoot,
    start: WidgetStart,
    opening: FrameOpening,
) -> impl IntoView {
    let mut options = options;
    options.output_name = bundle.into();
    let stylesheet = format!("/{}/{bundle}.css", options.site_pkg_dir);
    let scheme = boot.theme.scheme_name();
    let style = boot.theme.css_variables();
    // `<` escaped, so no value can close the script element early.
    let start_json = serde_json::to_string(&start)
        .unwrap_or_else(|_| "null".to_owned())
        .replace('<', "\\u003c");
    let bridge = boot
        .parent_origin
        .as_deref()
        .map(|parent| partner_bridge(parent, opening, &start));
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="referrer" content="no-referrer"/>
                <title>"Create a virtual card"</title>
                <link rel="stylesheet" href=stylesheet/>
                <script type="application/json" id=START_ELEMENT_ID inner_html=start_json></script>
                // Before the bundle's script, so it listens for the bundle failing to load.
                {bridge.map(|script| view! { <script inner_html=script></script> })}
                <HydrationScripts options/>
            </head>
            <body data-theme=scheme style=style>
                <WidgetRoot boot start/>
            </body>
        </html>
    }
}

/// How the frame opened, as the partner page hears it (`partner_bridge.js`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameOpening {
    /// The widget runs; its session has this long left.
    Open {
        expires_in_ms: i64,
    },
    Expired,
    /// Not for this page, or not a session Cardkit knows.
    Refused,
    Unavailable,
}

impl FrameOpening {
    pub fn denied(denied: &WidgetDenied) -> FrameOpening {
        match denied {
            // Closed early by the merchant: to the partner page, a session to replace like any
            // other that ended; the page itself says who ended it.
            WidgetDenied::Expired | WidgetDenied::NoLongerShown | WidgetDenied::Closed => {
                FrameOpening::Expired
            }
            WidgetDenied::UnknownSession | WidgetDenied::OriginNotAllowed => FrameOpening::Refused,
            _ => FrameOpening::Unavailable,
        }
    }

    fn name(self) -> &'static str {
        match self {
            FrameOpening::Open { .. } => "open",
            FrameOpening::Expired => "expired",
            FrameOpening::Refused => "refused",
            FrameOpening::Unavailable => "unavailable",
        }
    }
}

const PARTNER_BRIDGE: &str = include_str!("partner_bridge.js");

/// The page's side of the partner conversation (`partner_bridge.js`), called with what the server
/// found, as JSON with `<` escaped so nothing in it can close the script element.
fn partner_bridge(parent: &str, opening: FrameOpening, start: &WidgetStart) -> String {
    let resumed = match start {
        Ok(context) => context
            .current_card
            .as_ref()
            .map(|card| WidgetMessage::about(card, WidgetEventKind::Resumed)),
        Err(_) => None,
    };
    let expires_in_ms = match opening {
        FrameOpening::Open { expires_in_ms } => Some(expires_in_ms),
        _ => None,
    };
    let config = serde_json::json!({
        "origin": parent,
        "opened": opening.name(),
        "resumed": resumed,
        "expires_in_ms": expires_in_ms,
    });
    let config = config.to_string().replace('<', "\\u003c");
    format!("{}({config});", PARTNER_BRIDGE.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::widget::WidgetContext;

    #[test]
    fn the_bridge_cannot_be_broken_out_of_by_the_parent_origin() {
        let parent = "https://partner.example\"</script><script>alert(1)//";
        let script = partner_bridge(parent, FrameOpening::Refused, &Err("no".into()));
        assert!(!script.contains("</script>"), "{script}");
        assert!(
            script.contains(r#""origin":"https://partner.example\"\u003c/script>"#),
            "{script}"
        );
        assert!(script.contains(r#""opened":"refused""#), "{script}");
    }

    #[test]
    fn a_found_card_is_resumed_without_its_number() {
        let card = crate::domain::widget_card::WidgetCard {
            card_id: "c_1".into(),
            status: crate::domain::CardStatus::Active,
            stage: crate::domain::provisioning::ProvisioningStage::Activated,
            failure_reason: None,
            masked_number: Some("472593******1234".into()),
            expiry: Some("03/29".into()),
            brand: "VISA".into(),
            holder: "Milton Schmitt".into(),
            balance: crate::domain::Cents(2400),
            deposit: crate::domain::Cents(2500),
            refunded: crate::domain::Cents::ZERO,
            events: vec![],
        };
        let start: WidgetStart = Ok(WidgetContext {
            ranges: vec![],
            customer_email: None,
            current_card: Some(card),
            cards_left: 0,
            plan_names: Default::default(),
        });
        let opening = FrameOpening::Open {
            expires_in_ms: 60_000,
        };
        let script = partner_bridge("https://partner.example", opening, &start);
        assert!(script.contains(r#""event":"resumed""#), "{script}");
        assert!(script.contains(r#""last4":"1234""#), "{script}");
        assert!(script.contains(r#""expires_in_ms":60000"#), "{script}");
        assert!(!script.contains("472593"), "{script}");
    }
}
