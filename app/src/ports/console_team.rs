//! The console's team: members, invitations, roles. The server checks every rule
//! ([`crate::domain::console_team::may_change`]) and writes each change to the audit log.

use std::sync::Arc;

use super::{ConsoleDenied, SignedIn};
use crate::domain::{
    console_role::Role,
    console_team::{NewInvitation, TeamView},
    console_user::ConsoleUser,
    ids::UserId,
};

#[async_trait::async_trait]
pub trait ConsoleTeam: Send + Sync {
    async fn team(&self, user: &ConsoleUser) -> Result<TeamView, ConsoleDenied>;
    /// An invitation for `email` with `role`; its link's secret is in the answer only.
    async fn invite(
        &self,
        user: &ConsoleUser,
        email: &str,
        role: Role,
    ) -> Result<NewInvitation, ConsoleDenied>;
    async fn change_role(
        &self,
        user: &ConsoleUser,
        member: &UserId,
        role: Role,
    ) -> Result<(), ConsoleDenied>;
    /// Removes the member's login and ends its sessions.
    async fn remove(&self, user: &ConsoleUser, member: &UserId) -> Result<(), ConsoleDenied>;
    /// Accepts an invitation with the new member's password: the login is made and signed in.
    async fn accept(&self, token: &str, password: &str) -> Result<SignedIn, ConsoleDenied>;
}

pub type SharedConsoleTeam = Arc<dyn ConsoleTeam>;
