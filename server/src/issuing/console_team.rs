//! The console's team ([`ConsoleTeam`]) over the database: invitations by a link whose secret is
//! shown once and stored as a hash, used once, valid for [`INVITATION_LIFETIME`]; role changes
//! and removals under [`may_change`]; each written to the audit log.

use std::time::Duration;

use app::{
    domain::{
        audit::AuditAction,
        console_role::Role,
        console_team::{may_change, NewInvitation, TeamView, GRANTABLE},
        console_user::ConsoleUser,
        email::Email,
        ids::UserId,
    },
    ports::{ConsoleDenied, ConsoleTeam, SignedIn},
};

use super::console_sessions::{hash_password, ConsoleSessions};
use crate::{
    secrets::random,
    store::{console_team::AcceptError, hash_token, Database},
};

pub const INVITATION_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);
/// The shortest password a new member may choose (as for an owner at onboarding).
pub const MIN_PASSWORD_CHARS: usize = 12;

#[derive(Clone)]
pub struct ConsoleTeamService {
    database: Database,
    sessions: ConsoleSessions,
}

fn unavailable(error: impl std::fmt::Display) -> ConsoleDenied {
    tracing::warn!(%error, "console team store failed");
    ConsoleDenied::Unavailable
}

impl ConsoleTeamService {
    pub fn new(database: Database, sessions: ConsoleSessions) -> Self {
        Self { database, sessions }
    }

    /// The member `id` of the user's merchant, checked against the rules for changing it.
    async fn changeable(
        &self,
        user: &ConsoleUser,
        id: &UserId,
    ) -> Result<ConsoleUser, ConsoleDenied> {
        let member = self
            .database
            .team_members(&user.merchant_id)
            .await
            .map_err(unavailable)?
            .into_iter()
            .find(|member| &member.id == id)
            .ok_or_else(|| ConsoleDenied::Invalid("There is no such team member.".to_owned()))?;
        may_change(user, &member).map_err(ConsoleDenied::Forbidden)?;
        Ok(member)
    }

    async fn audit(
        &self,
        user: &ConsoleUser,
        action: AuditAction,
        object_id: &str,
        detail: &str,
    ) -> Result<(), ConsoleDenied> {
        self.database
            .record_user_audit(user, action, object_id, detail, None)
            .await
            .map_err(unavailable)
    }
}

#[async_trait::async_trait]
impl ConsoleTeam for ConsoleTeamService {
    async fn team(&self, user: &ConsoleUser) -> Result<TeamView, ConsoleDenied> {
        let members = self
            .database
            .team_members(&user.merchant_id)
            .await
            .map_err(unavailable)?;
        let invitations = self
            .database
            .pending_invitations(&user.merchant_id)
            .await
            .map_err(unavailable)?;
        Ok(TeamView {
            user: user.clone(),
            members,
            invitations,
        })
    }

    #[tracing::instrument(skip_all, fields(user_id = %user.id))]
    async fn invite(
        &self,
        user: &ConsoleUser,
        email: &str,
        role: Role,
    ) -> Result<NewInvitation, ConsoleDenied> {
        if !user.role.may_manage_team() {
            return Err(ConsoleDenied::Forbidden(
                "only an owner or an admin can invite",
            ));
        }
        if !GRANTABLE.contains(&role) {
            return Err(ConsoleDenied::Invalid(
                "An invitation gives the admin, developer or viewer role.".to_owned(),
            ));
        }
        let email = Email::parse(email.trim())
            .map_err(|_| ConsoleDenied::Invalid("Enter the email address to invite.".to_owned()))?
            .as_str()
            .to_lowercase();
        let token = random::token();
        let expires_at_ms = self.database.now_ms()
            + i64::try_from(INVITATION_LIFETIME.as_millis()).unwrap_or(i64::MAX);
        self.database
            .insert_invitation(
                &hash_token(&token),
                &user.merchant_id,
                &email,
                role,
                &user.id,
                expires_at_ms,
            )
            .await
            .map_err(unavailable)?;
        self.audit(user, AuditAction::MemberInvited, &email, role.code())
            .await?;
        Ok(NewInvitation {
            email,
            role,
            token,
            expires_at_ms,
        })
    }

    #[tracing::instrument(skip_all, fields(user_id = %user.id, %member))]
    async fn change_role(
        &self,
        user: &ConsoleUser,
        member: &UserId,
        role: Role,
    ) -> Result<(), ConsoleDenied> {
        let current = self.changeable(user, member).await?;
        if !GRANTABLE.contains(&role) {
            return Err(ConsoleDenied::Invalid(
                "A member can be an admin, a developer or a viewer.".to_owned(),
            ));
        }
        self.database
            .set_member_role(&user.merchant_id, member, role)
            .await
            .map_err(unavailable)?;
        let detail = format!(
            "{} → {} ({})",
            current.role.code(),
            role.code(),
            current.email
        );
        self.audit(
            user,
            AuditAction::MemberRoleChanged,
            member.as_str(),
            &detail,
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(user_id = %user.id, %member))]
    async fn remove(&self, user: &ConsoleUser, member: &UserId) -> Result<(), ConsoleDenied> {
        let removed = self.changeable(user, member).await?;
        self.database
            .remove_member(&user.merchant_id, member)
            .await
            .map_err(unavailable)?;
        self.audit(
            user,
            AuditAction::MemberRemoved,
            member.as_str(),
            &removed.email,
        )
        .await
    }

    async fn accept(&self, token: &str, password: &str) -> Result<SignedIn, ConsoleDenied> {
        let token_hash = hash_token(token);
        let invitation = self
            .database
            .invitation(&token_hash)
            .await
            .map_err(unavailable)?
            .filter(|invitation| !invitation.accepted)
            .filter(|invitation| invitation.expires_at_ms > self.database.now_ms())
            .ok_or(ConsoleDenied::InvitationInvalid)?;
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(ConsoleDenied::Invalid(format!(
                "Choose a password of at least {MIN_PASSWORD_CHARS} characters."
            )));
        }
        let hash = hash_password(password).await;
        let user = match self
            .database
            .accept_invitation(&token_hash, &invitation, &hash)
            .await
        {
            Ok(user) => user,
            Err(AcceptError::Used) => return Err(ConsoleDenied::InvitationInvalid),
            Err(AcceptError::EmailTaken) => {
                return Err(ConsoleDenied::Invalid(
                    "This email already has a Cardkit login. Sign in with it instead.".to_owned(),
                ))
            }
            Err(AcceptError::Store(error)) => return Err(unavailable(error)),
        };
        tracing::info!(user_id = %user.id, merchant_id = %user.merchant_id, "console invitation accepted");
        self.sessions.start_session(user).await
    }
}
