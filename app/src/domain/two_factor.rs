//! Two-factor sign-in as the console shows it: whether a person's authenticator is on, the
//! team's rule, and what a new authenticator needs (its secret, typed or as a link). The codes
//! themselves are checked on the server only.

use serde::{Deserialize, Serialize};

use super::console_user::ConsoleUser;

/// What an authenticator app needs to add the account. Shown to the person enrolling only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    /// The secret in base32, in groups of four, to type in.
    pub typed_secret: String,
    /// `otpauth://totp/…`, which an authenticator opens (or reads as a QR code).
    pub otpauth_uri: String,
}

/// The security page: the person's own second factor, and the team's rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityView {
    pub user: ConsoleUser,
    /// The person's authenticator is in use.
    pub enabled: bool,
    /// The owner requires a second factor of everyone.
    pub required_by_team: bool,
    /// An enrolment started and not yet confirmed with a code.
    pub enrolment: Option<Enrolment>,
}

/// What finishing a sign-in asks for, after a right password.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SecondFactorStep {
    /// A code from the authenticator already in use.
    Code,
    /// The team requires a second factor and the person has none yet: add this one, then type
    /// its code.
    Enrol(Enrolment),
}
