//! The console's second factor: finishing a sign-in with a code, and the security page (a
//! person's authenticator on or off; the owner's rule for the team). The server implements it
//! over the database, checking codes with the secret it keeps encrypted.

use std::sync::Arc;

use super::ConsoleDenied;
use crate::domain::{
    console_user::ConsoleUser,
    two_factor::{Enrolment, SecondFactorStep, SecurityView},
};

#[async_trait::async_trait]
pub trait ConsoleSecurity: Send + Sync {
    /// What the session `token` (password right, code due) must still give.
    async fn second_factor_step(&self, token: &str) -> Result<SecondFactorStep, ConsoleDenied>;
    /// The code that finishes the sign-in of session `token`; a new authenticator (the team's
    /// rule) is switched on by it. Wrong codes count towards the sign-in throttle.
    async fn finish_sign_in(&self, token: &str, code: &str) -> Result<(), ConsoleDenied>;
    async fn security(&self, user: &ConsoleUser) -> Result<SecurityView, ConsoleDenied>;
    /// A new secret for the user's authenticator, not in use until confirmed with a code.
    async fn start_enrolment(&self, user: &ConsoleUser) -> Result<Enrolment, ConsoleDenied>;
    async fn confirm_enrolment(&self, user: &ConsoleUser, code: &str) -> Result<(), ConsoleDenied>;
    /// Switches the user's authenticator off (a code proves it is theirs); refused while the
    /// team requires one.
    async fn switch_off(&self, user: &ConsoleUser, code: &str) -> Result<(), ConsoleDenied>;
    /// The owner's rule: everyone signs in with a second factor. The owner's own must be on.
    async fn require_for_team(
        &self,
        user: &ConsoleUser,
        required: bool,
    ) -> Result<(), ConsoleDenied>;
}

pub type SharedConsoleSecurity = Arc<dyn ConsoleSecurity>;
