//! The console's widget builder: a session minted from the console, what a developer copies from
//! it (the partner page's snippet, and the server-side minting call in curl and Node.js that does
//! the same from the merchant's backend), the live preview's address, and the list of sessions
//! that still run. Pure text, so the page shows on the server exactly what the browser copies.

use serde::{Deserialize, Serialize};

use super::widget_boot::{percent_encode, ColorScheme, Rgb, WidgetTheme, MAX_RADIUS_PX};

/// The lifetimes the builder offers, in seconds, with their names (the API takes 10 s to 24 h).
pub const LIFETIME_CHOICES: [(i64, &str); 4] = [
    (15 * 60, "15 minutes"),
    (60 * 60, "1 hour"),
    (4 * 60 * 60, "4 hours"),
    (24 * 60 * 60, "24 hours"),
];

/// A session as the console asks for it: the fields of `POST /api/widget/v1/sessions` that the
/// builder offers, already checked by the server that minted it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionOrder {
    pub allowed_origins: Vec<String>,
    pub lifetime_secs: i64,
    pub customer_email: Option<String>,
    pub max_cards: i64,
}

/// One session that still runs, as the builder lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveWidgetSession {
    pub id: String,
    pub allowed_origins: Vec<String>,
    pub customer_email: Option<String>,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    /// The console user who minted it; `None` for an API key.
    pub created_by: Option<String>,
    pub max_cards: i64,
    /// Cards made or being made through it (refunded ones not counted, as for its cap).
    pub cards_made: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveWidgetSessions {
    pub sessions: Vec<LiveWidgetSession>,
    pub now_ms: i64,
}

/// A session just minted from the console: its token (shown this once) and what was asked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MintedWidgetSession {
    pub token: String,
    pub session: LiveWidgetSession,
    pub order: SessionOrder,
}

/// The builder's theme controls as a [`WidgetTheme`]: the accent (`#rrggbb`), the radius (0 to
/// 24 px, out of range ignored) and the scheme (`light`, `dark`, anything else automatic).
pub fn chosen_theme(accent: &str, radius: &str, scheme: &str) -> WidgetTheme {
    WidgetTheme {
        scheme: match scheme {
            "light" => ColorScheme::Light,
            "dark" => ColorScheme::Dark,
            _ => ColorScheme::Auto,
        },
        accent: Rgb::parse_hex(accent.trim()),
        radius_px: radius
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|radius| *radius <= MAX_RADIUS_PX),
    }
}

/// The theme as the widget element's `data-` attributes (and `/widget/frame`'s query) name it.
fn theme_pairs(theme: &WidgetTheme) -> Vec<(&'static str, String)> {
    let mut pairs = Vec::new();
    if let Some(accent) = theme.accent {
        pairs.push(("accent", accent.hex()));
    }
    if let Some(radius) = theme.radius_px {
        pairs.push(("radius", radius.to_string()));
    }
    if theme.scheme != ColorScheme::Auto {
        pairs.push(("theme", theme.scheme_name().to_owned()));
    }
    pairs
}

/// What the partner page carries: the widget element and the loader, from `cardkit_origin`
/// (`https://cardkit.example`).
pub fn embed_snippet(cardkit_origin: &str, token: &str, theme: &WidgetTheme) -> String {
    let mut element = format!(
        "<div data-cardkit-widget data-session=\"{}\"",
        html_attribute(token)
    );
    for (name, value) in theme_pairs(theme) {
        element.push_str(&format!(" data-{name}=\"{}\"", html_attribute(&value)));
    }
    format!(
        "{element}></div>\n<script src=\"{}/widget.js\" async></script>",
        html_attribute(cardkit_origin)
    )
}

/// The address of the widget's own page for this session and theme, as the loader frames it,
/// for the builder's preview on Cardkit's origin (no `parent`: the preview posts no events).
pub fn preview_path(token: &str, theme: &WidgetTheme) -> String {
    let mut path = format!("/widget/frame?session={}", percent_encode(token));
    for (name, value) in theme_pairs(theme) {
        path.push_str(&format!("&{name}={}", percent_encode(&value)));
    }
    path
}

/// The JSON body of `POST /api/widget/v1/sessions` asking for `order`, laid out for reading.
fn minting_body(order: &SessionOrder, indent: &str) -> String {
    let mut fields = vec![format!(
        "\"allowed_origins\": {}",
        serde_json::to_string(&order.allowed_origins).unwrap_or_default()
    )];
    fields.push(format!("\"expires_in\": {}", order.lifetime_secs));
    if let Some(email) = &order.customer_email {
        fields.push(format!(
            "\"customer_email\": {}",
            serde_json::to_string(email).unwrap_or_default()
        ));
    }
    fields.push(format!("\"max_cards\": {}", order.max_cards));
    let inner = format!("{indent}  ");
    format!(
        "{{\n{inner}{}\n{indent}}}",
        fields.join(&format!(",\n{inner}"))
    )
}

/// The minting call with curl, for a terminal or a shell script on the merchant's backend; the
/// key comes from `$CARDKIT_API_KEY`, never written into the command.
pub fn curl_minting(cardkit_origin: &str, order: &SessionOrder) -> String {
    let body = minting_body(order, "").replace('\'', "'\\''");
    format!(
        "curl -sS -X POST {cardkit_origin}/api/widget/v1/sessions \\\n  \
         -H \"Authorization: Bearer $CARDKIT_API_KEY\" \\\n  \
         -H 'Content-Type: application/json' \\\n  \
         -d '{body}'"
    )
}

/// The minting call in Node.js (18 or later, an ES module), for the merchant's backend: the key
/// stays on the server, and only `session_token` goes to the partner page.
pub fn node_minting(cardkit_origin: &str, order: &SessionOrder) -> String {
    let body = minting_body(order, "  ");
    format!(
        "// On your server: the API key never reaches the browser.\n\
         const response = await fetch('{cardkit_origin}/api/widget/v1/sessions', {{\n  \
         method: 'POST',\n  \
         headers: {{\n    \
         Authorization: `Bearer ${{process.env.CARDKIT_API_KEY}}`,\n    \
         'Content-Type': 'application/json',\n  \
         }},\n  \
         body: JSON.stringify({body}),\n\
         }});\n\
         if (!response.ok) throw new Error(`Cardkit ${{response.status}}: ${{await response.text()}}`);\n\
         const {{ session_token }} = await response.json();\n\
         // Give session_token to the partner page: data-session=\"…\" on the widget element."
    )
}

/// Text for a double-quoted HTML attribute.
fn html_attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order() -> SessionOrder {
        SessionOrder {
            allowed_origins: vec![
                "https://shop.example".into(),
                "http://127.0.0.1:4000".into(),
            ],
            lifetime_secs: 3600,
            customer_email: Some("ada@shop.example".into()),
            max_cards: 2,
        }
    }

    #[test]
    fn the_snippet_carries_the_token_and_only_the_theme_chosen() {
        let theme = chosen_theme("#7C3AED", "12", "dark");
        assert_eq!(
            embed_snippet("https://cardkit.example", "wst_abc", &theme),
            "<div data-cardkit-widget data-session=\"wst_abc\" data-accent=\"#7c3aed\" \
             data-radius=\"12\" data-theme=\"dark\"></div>\n\
             <script src=\"https://cardkit.example/widget.js\" async></script>"
        );
        let automatic = chosen_theme("", "99", "auto");
        assert_eq!(automatic, WidgetTheme::default());
        assert_eq!(
            embed_snippet("http://127.0.0.1:3000", "wst_\"x", &automatic),
            "<div data-cardkit-widget data-session=\"wst_&quot;x\"></div>\n\
             <script src=\"http://127.0.0.1:3000/widget.js\" async></script>"
        );
    }

    #[test]
    fn the_preview_frames_the_session_with_its_theme() {
        let theme = chosen_theme("#0f766e", "0", "light");
        assert_eq!(
            preview_path("wst_a+b", &theme),
            "/widget/frame?session=wst_a%2Bb&accent=%230f766e&radius=0&theme=light"
        );
    }

    #[test]
    fn the_minting_calls_send_the_order_as_json() {
        let curl = curl_minting("https://cardkit.example", &order());
        assert!(curl.starts_with("curl -sS -X POST https://cardkit.example/api/widget/v1/sessions"));
        assert!(curl.contains("Bearer $CARDKIT_API_KEY"));
        let body = curl.split_once("-d '").unwrap().1.trim_end_matches('\'');
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "allowed_origins": ["https://shop.example", "http://127.0.0.1:4000"],
                "expires_in": 3600,
                "customer_email": "ada@shop.example",
                "max_cards": 2,
            })
        );
        let node = node_minting("https://cardkit.example", &order());
        assert!(node.contains("fetch('https://cardkit.example/api/widget/v1/sessions'"));
        assert!(node.contains("\"expires_in\": 3600"));
        assert!(node.contains("process.env.CARDKIT_API_KEY"));
        let without_email = SessionOrder {
            customer_email: None,
            ..order()
        };
        assert!(!curl_minting("https://c.example", &without_email).contains("customer_email"));
    }
}
