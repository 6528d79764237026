//! What the embedded widget starts from: its session token, the partner page that framed it, and
//! the partner's theme. `/widget.js` puts these in the frame's query string; the server reads them
//! to render the page and the browser reads the same query to hydrate it, through this one parser.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ColorScheme {
    Light,
    Dark,
    /// The partner chose none: the cardholder's system setting decides.
    #[default]
    Auto,
}

/// The page backgrounds of `style/widget.css` (`--ck-bg`), which a focus ring must stand out from.
pub const LIGHT_BACKGROUND: Rgb = Rgb(0xff, 0xff, 0xff);
pub const DARK_BACKGROUND: Rgb = Rgb(0x0f, 0x17, 0x2a);

/// What WCAG 2.1 (1.4.11, non-text contrast) asks of a focus ring or a selected state.
const NON_TEXT_CONTRAST: f64 = 3.0;

/// `#rgb` or `#rrggbb`, as given; anything else is ignored rather than injected into CSS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub fn parse_hex(text: &str) -> Option<Rgb> {
        let digits = text.strip_prefix('#')?;
        let nibble = |i: usize| u8::from_str_radix(digits.get(i..=i)?, 16).ok();
        match digits.len() {
            3 => Some(Rgb(nibble(0)? * 17, nibble(1)? * 17, nibble(2)? * 17)),
            6 => {
                let byte = |i: usize| u8::from_str_radix(digits.get(i..i + 2)?, 16).ok();
                Some(Rgb(byte(0)?, byte(2)?, byte(4)?))
            }
            _ => None,
        }
    }

    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// WCAG 2.1 relative luminance.
    fn luminance(self) -> f64 {
        let channel = |value: u8| {
            let c = f64::from(value) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(self.0) + 0.7152 * channel(self.1) + 0.0722 * channel(self.2)
    }

    /// WCAG 2.1 contrast ratio between two colours (1 to 21).
    pub fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    /// This colour, moved toward black (on a light background) or white (on a dark one) just
    /// far enough to stand 3:1 against `background`: a focus ring or selected state in the
    /// partner's accent wherever the accent itself is too faint to see.
    pub fn ring_on(self, background: Rgb) -> Rgb {
        let toward = if background.luminance() > 0.5 {
            Rgb(0, 0, 0)
        } else {
            Rgb(255, 255, 255)
        };
        (0..=20)
            .map(|step| self.mix(toward, f64::from(step) / 20.0))
            .find(|ring| ring.contrast(background) >= NON_TEXT_CONTRAST)
            .unwrap_or(toward)
    }

    fn mix(self, other: Rgb, share: f64) -> Rgb {
        let channel =
            |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * share).round() as u8;
        Rgb(
            channel(self.0, other.0),
            channel(self.1, other.1),
            channel(self.2, other.2),
        )
    }

    /// White or black, whichever reads better on this colour: a partner's accent can be any
    /// colour, and the text on it must still meet AA contrast. (Pure black, not a softer ink: only
    /// black and white together guarantee 4.5:1 for every mid-tone.)
    pub fn text_on(self) -> Rgb {
        let (white, ink) = (Rgb(255, 255, 255), Rgb(0, 0, 0));
        if self.contrast(white) >= self.contrast(ink) {
            white
        } else {
            ink
        }
    }
}

/// The partner's theme: accent colour, corner radius, light or dark.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetTheme {
    pub scheme: ColorScheme,
    pub accent: Option<Rgb>,
    /// Corner radius in CSS pixels, 0 to 24.
    pub radius_px: Option<u8>,
}

impl WidgetTheme {
    /// The custom properties the widget's stylesheet reads (`--ck-accent`, `--ck-on-accent`,
    /// `--ck-ring-light`/`-dark`, `--ck-radius`), as an inline `style` value; empty when the
    /// partner chose nothing. Both rings are given, so the page can follow the system setting.
    pub fn css_variables(&self) -> String {
        let mut style = String::new();
        if let Some(accent) = self.accent {
            style.push_str(&format!(
                "--ck-accent:{};--ck-on-accent:{};--ck-ring-light:{};--ck-ring-dark:{};",
                accent.hex(),
                accent.text_on().hex(),
                accent.ring_on(LIGHT_BACKGROUND).hex(),
                accent.ring_on(DARK_BACKGROUND).hex()
            ));
        }
        if let Some(radius) = self.radius_px {
            style.push_str(&format!("--ck-radius:{radius}px;"));
        }
        style
    }

    pub fn scheme_name(&self) -> &'static str {
        match self.scheme {
            ColorScheme::Light => "light",
            ColorScheme::Dark => "dark",
            ColorScheme::Auto => "auto",
        }
    }
}

pub const MAX_RADIUS_PX: u8 = 24;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetBoot {
    /// The widget session token the merchant's backend minted.
    pub session: String,
    /// The origin of the page that embedded the widget, where its events are posted.
    pub parent_origin: Option<String>,
    pub theme: WidgetTheme,
}

impl WidgetBoot {
    /// Reads `session`, `parent`, `theme`, `accent` and `radius` from a query string (with or
    /// without the leading `?`). Unknown keys and malformed theme values are ignored.
    pub fn from_query(query: &str) -> WidgetBoot {
        let mut boot = WidgetBoot::without_theme(query);
        for (key, value) in query_pairs(query) {
            match key {
                "theme" => {
                    boot.theme.scheme = match value.as_str() {
                        "dark" => ColorScheme::Dark,
                        "light" => ColorScheme::Light,
                        _ => ColorScheme::Auto,
                    }
                }
                "accent" => boot.theme.accent = Rgb::parse_hex(&value),
                "radius" => {
                    boot.theme.radius_px = value.parse::<u8>().ok().filter(|r| *r <= MAX_RADIUS_PX)
                }
                _ => {}
            }
        }
        boot
    }

    /// Only `session` and `parent`: what the browser needs to hydrate the widget. The theme is
    /// applied outside the hydrated tree (on `<body>`, by the server), so the bundle carries no
    /// theme parser.
    pub fn without_theme(query: &str) -> WidgetBoot {
        let mut boot = WidgetBoot::default();
        for (key, value) in query_pairs(query) {
            match key {
                "session" => boot.session = value,
                "parent" if !value.is_empty() => boot.parent_origin = Some(value),
                _ => {}
            }
        }
        boot
    }
}

/// `key=value` pairs of a query string, values decoded; a pair that does not decode is skipped.
fn query_pairs(query: &str) -> impl Iterator<Item = (&str, String)> {
    query.trim_start_matches('?').split('&').filter_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        Some((key, percent_decode(value)?))
    })
}

/// Percent-encodes a query string value: everything but unreserved characters (RFC 3986).
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// `application/x-www-form-urlencoded` decoding; `None` for broken escapes or non-UTF-8 bytes.
pub fn percent_decode(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut input = text.bytes();
    while let Some(byte) = input.next() {
        match byte {
            b'+' => bytes.push(b' '),
            b'%' => {
                let high = (input.next()? as char).to_digit(16)?;
                let low = (input.next()? as char).to_digit(16)?;
                bytes.push((high * 16 + low) as u8);
            }
            other => bytes.push(other),
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_stand_three_to_one_against_both_backgrounds_for_any_accent() {
        for accent in [
            Rgb(255, 255, 255),
            Rgb(0, 0, 0),
            Rgb(250, 204, 21), // yellow: faint on white
            Rgb(30, 41, 59),   // slate: faint on the dark background
            Rgb(124, 58, 237),
            Rgb(15, 23, 42),
        ] {
            for background in [LIGHT_BACKGROUND, DARK_BACKGROUND] {
                let ring = accent.ring_on(background);
                assert!(
                    ring.contrast(background) >= 3.0,
                    "{accent:?} on {background:?}"
                );
            }
        }
        // An accent that already stands out is kept as it is.
        let violet = Rgb(124, 58, 237);
        assert_eq!(violet.ring_on(LIGHT_BACKGROUND), violet);
    }

    #[test]
    fn the_backgrounds_are_the_stylesheets() {
        let css = include_str!("../../../style/widget.css");
        assert!(css.contains(&format!("--ck-bg: {};", LIGHT_BACKGROUND.hex())));
        assert!(css.contains(&format!("--ck-bg: {};", DARK_BACKGROUND.hex())));
    }

    #[test]
    fn without_a_theme_the_system_setting_decides() {
        assert_eq!(
            WidgetBoot::from_query("?session=s").theme.scheme,
            ColorScheme::Auto
        );
        assert_eq!(
            WidgetBoot::from_query("?theme=light").theme.scheme,
            ColorScheme::Light
        );
        assert_eq!(
            WidgetBoot::from_query("?theme=neon").theme.scheme,
            ColorScheme::Auto
        );
    }

    #[test]
    fn the_browser_reads_the_same_session_and_parent_without_the_theme() {
        let query =
            "?session=wst_abc&parent=http%3A%2F%2Flocalhost%3A4000&theme=dark&accent=%23ff6600";
        let full = WidgetBoot::from_query(query);
        let hydrating = WidgetBoot::without_theme(query);
        assert_eq!(hydrating.session, full.session);
        assert_eq!(hydrating.parent_origin, full.parent_origin);
        assert_eq!(hydrating.theme, WidgetTheme::default());
    }

    #[test]
    fn reads_what_widget_js_writes() {
        let boot = WidgetBoot::from_query(
            "?session=wst_abc&parent=http%3A%2F%2Flocalhost%3A4000&theme=dark&accent=%23ff6600&radius=12",
        );
        assert_eq!(boot.session, "wst_abc");
        assert_eq!(boot.parent_origin.as_deref(), Some("http://localhost:4000"));
        assert_eq!(boot.theme.scheme, ColorScheme::Dark);
        assert_eq!(boot.theme.accent, Some(Rgb(255, 102, 0)));
        assert_eq!(boot.theme.radius_px, Some(12));
    }

    #[test]
    fn malformed_theme_values_are_dropped_not_injected() {
        let boot =
            WidgetBoot::from_query("session=s&accent=red;background:url(x)&radius=99&theme=x");
        assert_eq!(boot.theme, WidgetTheme::default());
        assert_eq!(boot.theme.css_variables(), "");
        assert_eq!(Rgb::parse_hex("#abc"), Some(Rgb(0xaa, 0xbb, 0xcc)));
        assert_eq!(Rgb::parse_hex("#abcd"), None);
        assert_eq!(Rgb::parse_hex("#gg0000"), None);
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%e2%82%ac+1"), Some("€ 1".into()));
    }

    #[test]
    fn text_on_any_accent_meets_aa_contrast() {
        for grey in 0..=255u8 {
            let accent = Rgb(grey, grey, grey);
            assert!(accent.contrast(accent.text_on()) >= 4.5, "{accent:?}");
        }
        for accent in ["#ffff00", "#1d4ed8", "#00ff00", "#ff6600", "#ff0000"] {
            let accent = Rgb::parse_hex(accent).unwrap();
            // 4.5:1 is AA for body text; the better of white and ink always reaches it.
            assert!(accent.contrast(accent.text_on()) >= 4.5, "{accent:?}");
        }
        assert_eq!(Rgb(255, 255, 0).text_on(), Rgb(0, 0, 0));
        assert_eq!(Rgb(29, 78, 216).text_on(), Rgb(255, 255, 255));
    }
}
