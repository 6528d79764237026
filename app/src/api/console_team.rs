//! The console's team page: members, invitations, roles, and accepting an invitation. Every rule
//! is checked by the server ([`ConsoleTeam`](crate::ports::ConsoleTeam)); the calls that change
//! something refuse a cross-site request.

use leptos::prelude::*;

use crate::domain::console_team::{NewInvitation, TeamView};

#[server(name = ConsoleTeamRead, prefix = "/api/console", endpoint = "team")]
pub async fn console_team() -> Result<TeamView, ServerFnError> {
    backend::team().await
}

#[server(name = ConsoleInvite, prefix = "/api/console", endpoint = "invite")]
pub async fn console_invite(email: String, role: String) -> Result<NewInvitation, ServerFnError> {
    backend::invite(email, role).await
}

#[server(name = ConsoleChangeRole, prefix = "/api/console", endpoint = "change_role")]
pub async fn console_change_role(member: String, role: String) -> Result<(), ServerFnError> {
    backend::change_role(member, role).await
}

#[server(name = ConsoleRemoveMember, prefix = "/api/console", endpoint = "remove_member")]
pub async fn console_remove_member(member: String) -> Result<(), ServerFnError> {
    backend::remove(member).await
}

/// Accepts an invitation with the new member's chosen password, and signs them in.
#[server(name = ConsoleAcceptInvitation, prefix = "/api/console", endpoint = "accept_invitation")]
pub async fn console_accept_invitation(
    token: String,
    password: String,
) -> Result<(), ServerFnError> {
    backend::accept(token, password).await
}

#[cfg(feature = "ssr")]
mod backend {
    use leptos::prelude::{expect_context, ServerFnError};

    use super::{NewInvitation, TeamView};
    use crate::{
        api::console::{
            backend::{denied, refuse_cross_site, set_cookie, signed_in_user},
            CONSOLE_HOME,
        },
        domain::{console_role::Role, ids::UserId},
        ports::{ConsoleDenied, SharedConsoleTeam},
    };

    fn team_port() -> SharedConsoleTeam {
        expect_context::<SharedConsoleTeam>()
    }

    fn role(code: &str) -> Result<Role, ServerFnError> {
        Role::parse(code).ok_or_else(|| {
            denied(ConsoleDenied::Invalid(format!(
                "There is no role {code:?}."
            )))
        })
    }

    pub async fn team() -> Result<TeamView, ServerFnError> {
        let (user, _) = signed_in_user().await?;
        team_port().team(&user).await.map_err(denied)
    }

    pub async fn invite(email: String, role_code: String) -> Result<NewInvitation, ServerFnError> {
        refuse_cross_site()?;
        let (user, _) = signed_in_user().await?;
        let role = role(&role_code)?;
        team_port()
            .invite(&user, &email, role)
            .await
            .map_err(denied)
    }

    pub async fn change_role(member: String, role_code: String) -> Result<(), ServerFnError> {
        refuse_cross_site()?;
        let (user, _) = signed_in_user().await?;
        let role = role(&role_code)?;
        team_port()
            .change_role(&user, &UserId::new(member), role)
            .await
            .map_err(denied)
    }

    pub async fn remove(member: String) -> Result<(), ServerFnError> {
        refuse_cross_site()?;
        let (user, _) = signed_in_user().await?;
        team_port()
            .remove(&user, &UserId::new(member))
            .await
            .map_err(denied)
    }

    pub async fn accept(token: String, password: String) -> Result<(), ServerFnError> {
        refuse_cross_site()?;
        let signed_in = team_port()
            .accept(&token, &password)
            .await
            .map_err(denied)?;
        set_cookie(&signed_in.token, signed_in.max_age_secs);
        leptos_axum::redirect(CONSOLE_HOME);
        Ok(())
    }
}
