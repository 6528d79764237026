//! A merchant's API keys as the developers' area shows them, and the rules they live by: what a
//! restricted key may do, how long a rolled key keeps working, what a key may be called.

use serde::{Deserialize, Serialize};

use super::{ids::ApiKeyId, plain_text};

/// What requests a key may sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KeyAccess {
    /// Every route of both dialects.
    Full,
    /// Reads only (`GET` and `HEAD`): a dashboard or a reporting job that must never move money
    /// or reveal a card. Anything else is refused with 403 in the dialect's shape.
    ReadOnly,
}

impl KeyAccess {
    pub const ALL: [KeyAccess; 2] = [KeyAccess::Full, KeyAccess::ReadOnly];

    /// Stable text form for storage and forms.
    pub fn code(self) -> &'static str {
        match self {
            KeyAccess::Full => "full",
            KeyAccess::ReadOnly => "read_only",
        }
    }

    pub fn parse(code: &str) -> Option<KeyAccess> {
        KeyAccess::ALL
            .into_iter()
            .find(|access| access.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            KeyAccess::Full => "Full access",
            KeyAccess::ReadOnly => "Read only",
        }
    }

    /// Whether a request with this HTTP method may be signed by the key. Every read of both
    /// dialects is a `GET`; revealing a card is a `POST`, so a read-only key never sees a PAN.
    pub fn permits(self, method: &str) -> bool {
        match self {
            KeyAccess::Full => true,
            KeyAccess::ReadOnly => matches!(method, "GET" | "HEAD"),
        }
    }
}

/// How long a rolled key keeps working beside its replacement, so the integrator can deploy the
/// new one without an outage. At most seven days: an old secret should not live on for long.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollGrace {
    pub secs: i64,
}

pub const MAX_ROLL_GRACE_SECS: i64 = 7 * 24 * 3600;

/// The grace periods the console offers.
pub const ROLL_GRACE_CHOICES: [RollGrace; 5] = [
    RollGrace { secs: 0 },
    RollGrace { secs: 3600 },
    RollGrace { secs: 24 * 3600 },
    RollGrace {
        secs: 3 * 24 * 3600,
    },
    RollGrace {
        secs: MAX_ROLL_GRACE_SECS,
    },
];

impl RollGrace {
    /// A grace period asked for in seconds, if it is one a key may have.
    pub fn of_secs(secs: i64) -> Option<RollGrace> {
        (0..=MAX_ROLL_GRACE_SECS)
            .contains(&secs)
            .then_some(RollGrace { secs })
    }

    pub fn label(self) -> String {
        match self.secs {
            0 => "Stop the old key now".to_owned(),
            secs if secs % (24 * 3600) == 0 => match secs / (24 * 3600) {
                1 => "Old key works for 24 hours".to_owned(),
                days => format!("Old key works for {days} days"),
            },
            secs if secs % 3600 == 0 => match secs / 3600 {
                1 => "Old key works for 1 hour".to_owned(),
                hours => format!("Old key works for {hours} hours"),
            },
            secs => format!("Old key works for {secs} seconds"),
        }
    }
}

/// A key's label: what the merchant calls it ("Production server", "Reporting").
pub const MAX_KEY_LABEL_CHARS: usize = 60;

/// The label, trimmed, or why it cannot be one.
pub fn key_label(text: &str) -> Result<String, String> {
    let label = text.trim();
    if label.is_empty() {
        return Err("Give the key a label, so you can tell it from the others.".to_owned());
    }
    if label.chars().count() > MAX_KEY_LABEL_CHARS {
        return Err(format!(
            "A key's label is at most {MAX_KEY_LABEL_CHARS} characters."
        ));
    }
    plain_text::check(label).map_err(|error| format!("The label {error}."))?;
    Ok(label.to_owned())
}

/// The public part of a key's token, `ck_<key id>`: safe to show, log and search for.
pub fn key_prefix(id: &ApiKeyId) -> String {
    format!("ck_{id}")
}

/// Where a key stands at a given time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyState {
    Active,
    /// Rolled: works until `until`, then stops.
    Expiring {
        until: i64,
    },
    Expired,
    Revoked,
}

/// One key as the developers' area lists it. Never its secret: only a hash of it is stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: ApiKeyId,
    pub label: String,
    pub access: KeyAccess,
    pub created_at_ms: i64,
    /// Who made it: a console user's email, or `None` for the command line and onboarding.
    pub created_by: Option<String>,
    /// The last request it signed, as last written (each instance writes these in batches).
    pub last_used_at_ms: Option<i64>,
    pub expires_at_ms: Option<i64>,
    pub revoked_at_ms: Option<i64>,
    /// The key a roll made in this one's place.
    pub replaced_by: Option<ApiKeyId>,
}

impl ApiKeyView {
    pub fn prefix(&self) -> String {
        key_prefix(&self.id)
    }

    pub fn state(&self, now_ms: i64) -> KeyState {
        match (self.revoked_at_ms, self.expires_at_ms) {
            (Some(_), _) => KeyState::Revoked,
            (None, Some(until)) if until <= now_ms => KeyState::Expired,
            (None, Some(until)) => KeyState::Expiring { until },
            (None, None) => KeyState::Active,
        }
    }

    /// Whether rolling or revoking it still means anything.
    pub fn is_live(&self, now_ms: i64) -> bool {
        matches!(
            self.state(now_ms),
            KeyState::Active | KeyState::Expiring { .. }
        )
    }
}

/// The developers' area's list of keys, newest first, with the server's time, so the page says
/// "expires in" against the same clock the server checks keys with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeysView {
    pub keys: Vec<ApiKeyView>,
    pub now_ms: i64,
}

/// A key just made (created or rolled): its whole token, shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApiKey {
    pub key: ApiKeyView,
    pub token: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_keys_sign_reads_only() {
        for method in ["GET", "HEAD"] {
            assert!(KeyAccess::ReadOnly.permits(method));
        }
        for method in ["POST", "PATCH", "PUT", "DELETE", "get"] {
            assert!(!KeyAccess::ReadOnly.permits(method), "{method}");
            assert!(KeyAccess::Full.permits(method));
        }
        for access in KeyAccess::ALL {
            assert_eq!(KeyAccess::parse(access.code()), Some(access));
        }
        assert_eq!(KeyAccess::parse("admin"), None);
    }

    #[test]
    fn a_grace_period_is_between_now_and_seven_days() {
        assert_eq!(RollGrace::of_secs(0), Some(RollGrace { secs: 0 }));
        assert!(RollGrace::of_secs(MAX_ROLL_GRACE_SECS).is_some());
        assert_eq!(RollGrace::of_secs(MAX_ROLL_GRACE_SECS + 1), None);
        assert_eq!(RollGrace::of_secs(-1), None);
        let labels: Vec<String> = ROLL_GRACE_CHOICES.iter().map(|g| g.label()).collect();
        assert_eq!(
            labels,
            [
                "Stop the old key now",
                "Old key works for 1 hour",
                "Old key works for 24 hours",
                "Old key works for 3 days",
                "Old key works for 7 days"
            ]
        );
    }

    #[test]
    fn labels_are_trimmed_plain_and_short() {
        assert_eq!(key_label("  Production  ").unwrap(), "Production");
        assert!(key_label("   ").is_err());
        assert!(key_label(&"x".repeat(MAX_KEY_LABEL_CHARS + 1)).is_err());
        assert!(key_label(&"é".repeat(MAX_KEY_LABEL_CHARS)).is_ok());
        assert!(key_label("bad\u{202e}label").is_err());
    }

    #[test]
    fn a_key_is_live_until_revoked_or_past_its_grace() {
        let key = ApiKeyView {
            id: ApiKeyId::new("key_1"),
            label: "Server".to_owned(),
            access: KeyAccess::Full,
            created_at_ms: 0,
            created_by: None,
            last_used_at_ms: None,
            expires_at_ms: None,
            revoked_at_ms: None,
            replaced_by: None,
        };
        assert_eq!(key.prefix(), "ck_key_1");
        assert_eq!(key.state(10), KeyState::Active);
        let rolled = ApiKeyView {
            expires_at_ms: Some(100),
            ..key.clone()
        };
        assert_eq!(rolled.state(99), KeyState::Expiring { until: 100 });
        assert!(rolled.is_live(99));
        assert_eq!(rolled.state(100), KeyState::Expired);
        assert!(!rolled.is_live(100));
        let revoked = ApiKeyView {
            revoked_at_ms: Some(5),
            ..rolled
        };
        assert_eq!(revoked.state(0), KeyState::Revoked);
    }
}
