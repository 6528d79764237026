//! A merchant's console team as the team page shows it, and the rules of who may change whom.

use serde::{Deserialize, Serialize};

use super::{console_role::Role, console_user::ConsoleUser};

/// An invitation sent and not yet used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingInvitation {
    pub email: String,
    pub role: Role,
    pub expires_at_ms: i64,
}

/// The team page: who reads it, the members and the open invitations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamView {
    pub user: ConsoleUser,
    pub members: Vec<ConsoleUser>,
    pub invitations: Vec<PendingInvitation>,
}

/// An invitation just made: the secret of its link, shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewInvitation {
    pub email: String,
    pub role: Role,
    pub token: String,
    pub expires_at_ms: i64,
}

/// Roles an invitation or a role change may give: an owner is made at onboarding only.
pub const GRANTABLE: [Role; 3] = [Role::Admin, Role::Developer, Role::Viewer];

/// Why `actor` may not change `member` (its role, or its membership), if not. Owners are never
/// changed from the console, and nobody changes themselves (no one locks the team out by
/// accident); everything else needs a role that manages the team.
pub fn may_change(actor: &ConsoleUser, member: &ConsoleUser) -> Result<(), &'static str> {
    if !actor.role.may_manage_team() {
        return Err("only an owner or an admin can change the team");
    }
    if member.role == Role::Owner {
        return Err("the owner's login cannot be changed or removed");
    }
    if member.id == actor.id {
        return Err("you cannot change or remove your own login");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{MerchantId, UserId};

    fn user(id: &str, role: Role) -> ConsoleUser {
        ConsoleUser {
            id: UserId::new(id),
            merchant_id: MerchantId::new("m_1"),
            email: format!("{id}@shop.example"),
            role,
        }
    }

    #[test]
    fn only_managers_change_others_and_never_the_owner_or_themselves() {
        let owner = user("o", Role::Owner);
        let admin = user("a", Role::Admin);
        let developer = user("d", Role::Developer);
        assert!(may_change(&owner, &admin).is_ok());
        assert!(may_change(&admin, &developer).is_ok());
        assert!(may_change(&admin, &owner).is_err());
        assert!(may_change(&admin, &admin).is_err());
        assert!(may_change(&developer, &user("v", Role::Viewer)).is_err());
        assert!(!GRANTABLE.contains(&Role::Owner));
    }
}
