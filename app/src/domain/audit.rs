//! The audit log's vocabulary: who did what to which object. Entries are only ever appended; the
//! store refuses to change or remove one.

use serde::{Deserialize, Serialize};

use super::console_user::ConsoleUser;

/// Who acted: a person signed in to the console, or a program holding an API key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Actor {
    /// A console user, by id, with the email they had when they acted.
    User { id: String, email: String },
    /// An API key, by its public prefix (never the whole key).
    ApiKey { prefix: String },
}

impl Actor {
    pub fn user(user: &ConsoleUser) -> Self {
        Actor::User {
            id: user.id.to_string(),
            email: user.email.clone(),
        }
    }

    /// Stable text form of the actor's kind, for storage and filters.
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::User { .. } => "user",
            Actor::ApiKey { .. } => "api_key",
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Actor::User { id, .. } => id,
            Actor::ApiKey { prefix } => prefix,
        }
    }

    /// How the console names the actor to people.
    pub fn name(&self) -> String {
        match self {
            Actor::User { email, .. } => email.clone(),
            Actor::ApiKey { prefix } => format!("API key {prefix}…"),
        }
    }
}

/// What was done. The codes are stored and sent, so they never change meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuditAction {
    #[serde(rename = "card.issued")]
    CardIssued,
    #[serde(rename = "card.topped_up")]
    CardToppedUp,
    #[serde(rename = "card.withdrawn")]
    CardWithdrawn,
    #[serde(rename = "card.frozen")]
    CardFrozen,
    #[serde(rename = "card.unfrozen")]
    CardUnfrozen,
    #[serde(rename = "card.deleted")]
    CardDeleted,
    #[serde(rename = "card.revealed")]
    CardRevealed,
    #[serde(rename = "card.controls_changed")]
    ControlsChanged,
    #[serde(rename = "wallet.test_funds_added")]
    TestFundsAdded,
    #[serde(rename = "team.member_invited")]
    MemberInvited,
    #[serde(rename = "team.role_changed")]
    MemberRoleChanged,
    #[serde(rename = "team.member_removed")]
    MemberRemoved,
    #[serde(rename = "security.two_factor_enabled")]
    TwoFactorEnabled,
    #[serde(rename = "security.two_factor_disabled")]
    TwoFactorDisabled,
    #[serde(rename = "security.two_factor_rule_changed")]
    TwoFactorRuleChanged,
    #[serde(rename = "customer.kyc_submitted")]
    KycSubmitted,
    #[serde(rename = "api_key.created")]
    ApiKeyCreated,
    #[serde(rename = "api_key.rolled")]
    ApiKeyRolled,
    #[serde(rename = "api_key.revoked")]
    ApiKeyRevoked,
    #[serde(rename = "webhook.resent")]
    CallbacksResent,
    #[serde(rename = "webhook.secret_rotated")]
    WebhookSecretRotated,
    #[serde(rename = "widget_session.created")]
    WidgetSessionCreated,
    #[serde(rename = "widget_session.closed")]
    WidgetSessionClosed,
}

impl AuditAction {
    pub const ALL: [AuditAction; 23] = [
        AuditAction::CardIssued,
        AuditAction::CardToppedUp,
        AuditAction::CardWithdrawn,
        AuditAction::CardFrozen,
        AuditAction::CardUnfrozen,
        AuditAction::CardDeleted,
        AuditAction::CardRevealed,
        AuditAction::ControlsChanged,
        AuditAction::TestFundsAdded,
        AuditAction::MemberInvited,
        AuditAction::MemberRoleChanged,
        AuditAction::MemberRemoved,
        AuditAction::TwoFactorEnabled,
        AuditAction::TwoFactorDisabled,
        AuditAction::TwoFactorRuleChanged,
        AuditAction::KycSubmitted,
        AuditAction::ApiKeyCreated,
        AuditAction::ApiKeyRolled,
        AuditAction::ApiKeyRevoked,
        AuditAction::CallbacksResent,
        AuditAction::WebhookSecretRotated,
        AuditAction::WidgetSessionCreated,
        AuditAction::WidgetSessionClosed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AuditAction::CardIssued => "card.issued",
            AuditAction::CardToppedUp => "card.topped_up",
            AuditAction::CardWithdrawn => "card.withdrawn",
            AuditAction::CardFrozen => "card.frozen",
            AuditAction::CardUnfrozen => "card.unfrozen",
            AuditAction::CardDeleted => "card.deleted",
            AuditAction::CardRevealed => "card.revealed",
            AuditAction::ControlsChanged => "card.controls_changed",
            AuditAction::TestFundsAdded => "wallet.test_funds_added",
            AuditAction::MemberInvited => "team.member_invited",
            AuditAction::MemberRoleChanged => "team.role_changed",
            AuditAction::MemberRemoved => "team.member_removed",
            AuditAction::TwoFactorEnabled => "security.two_factor_enabled",
            AuditAction::TwoFactorDisabled => "security.two_factor_disabled",
            AuditAction::TwoFactorRuleChanged => "security.two_factor_rule_changed",
            AuditAction::KycSubmitted => "customer.kyc_submitted",
            AuditAction::ApiKeyCreated => "api_key.created",
            AuditAction::ApiKeyRolled => "api_key.rolled",
            AuditAction::ApiKeyRevoked => "api_key.revoked",
            AuditAction::CallbacksResent => "webhook.resent",
            AuditAction::WebhookSecretRotated => "webhook.secret_rotated",
            AuditAction::WidgetSessionCreated => "widget_session.created",
            AuditAction::WidgetSessionClosed => "widget_session.closed",
        }
    }

    pub fn parse(code: &str) -> Option<AuditAction> {
        AuditAction::ALL
            .into_iter()
            .find(|action| action.code() == code)
    }

    /// Whether the entry's object is a card (and not a user or the wallet).
    pub fn is_about_a_card(self) -> bool {
        self.code().starts_with("card.")
    }

    /// How the console names the action to people.
    pub fn label(self) -> &'static str {
        match self {
            AuditAction::CardIssued => "Card issued",
            AuditAction::CardToppedUp => "Card topped up",
            AuditAction::CardWithdrawn => "Money withdrawn from card",
            AuditAction::CardFrozen => "Card frozen",
            AuditAction::CardUnfrozen => "Card unfrozen",
            AuditAction::CardDeleted => "Card deleted",
            AuditAction::CardRevealed => "Card number revealed",
            AuditAction::ControlsChanged => "Spend controls changed",
            AuditAction::TestFundsAdded => "Test funds added",
            AuditAction::MemberInvited => "Member invited",
            AuditAction::MemberRoleChanged => "Member's role changed",
            AuditAction::MemberRemoved => "Member removed",
            AuditAction::TwoFactorEnabled => "Authenticator switched on",
            AuditAction::TwoFactorDisabled => "Authenticator switched off",
            AuditAction::TwoFactorRuleChanged => "Team's two-factor rule changed",
            AuditAction::KycSubmitted => "Customer's KYC submitted",
            AuditAction::ApiKeyCreated => "API key created",
            AuditAction::ApiKeyRolled => "API key rolled",
            AuditAction::ApiKeyRevoked => "API key revoked",
            AuditAction::CallbacksResent => "Callbacks resent",
            AuditAction::WebhookSecretRotated => "Signing secret rotated",
            AuditAction::WidgetSessionCreated => "Widget session minted",
            AuditAction::WidgetSessionClosed => "Widget session closed",
        }
    }
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at_ms: i64,
    pub actor: Actor,
    pub action: AuditAction,
    /// The card, user or wallet acted on.
    pub object_id: String,
    /// What a person needs to know beyond the action: an amount, a role, a new limit.
    pub detail: String,
    /// The money movement's reference, when it has one: a request repeated with the same
    /// reference moved the money once and is written once.
    pub reference: Option<String>,
}

/// What the audit log page shows: an action, an object, entries before a given id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub action: Option<AuditAction>,
    pub object_id: Option<String>,
    pub before_id: Option<i64>,
}

impl AuditQuery {
    /// From the page's query string values; anything unreadable is left out, not an error.
    pub fn from_params(action: Option<&str>, object: Option<&str>, before: Option<&str>) -> Self {
        AuditQuery {
            action: action.and_then(AuditAction::parse),
            object_id: object
                .map(str::trim)
                .filter(|object| !object.is_empty())
                .map(str::to_owned),
            before_id: before.and_then(|before| before.parse().ok()),
        }
    }
}

/// Entries an audit log page holds.
pub const AUDIT_ENTRIES_PER_PAGE: i64 = 100;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_codes_round_trip_and_are_distinct() {
        let mut codes: Vec<&str> = AuditAction::ALL.iter().map(|a| a.code()).collect();
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.code()), Some(action));
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), AuditAction::ALL.len());
        assert_eq!(AuditAction::parse("card.eaten"), None);
    }

    #[test]
    fn a_query_ignores_what_it_cannot_read() {
        let query = AuditQuery::from_params(Some("nope"), Some("  "), Some("x"));
        assert_eq!(query, AuditQuery::default());
        let query = AuditQuery::from_params(Some("card.frozen"), Some(" c_1 "), Some("40"));
        assert_eq!(query.action, Some(AuditAction::CardFrozen));
        assert_eq!(query.object_id.as_deref(), Some("c_1"));
        assert_eq!(query.before_id, Some(40));
    }
}
