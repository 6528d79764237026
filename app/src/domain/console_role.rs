//! What a console user may do. A role is checked by the server function that acts, never only by
//! the page that hides a button: the browser can call any server function it likes.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Everything, and the only one who can change the team's security (two-factor for all).
    Owner,
    /// Everything an owner does with cards, money and the team.
    Admin,
    /// Reads everything and works with keys and callbacks; moves no money.
    Developer,
    /// Reads only.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Developer, Role::Viewer];

    /// Stable text form for storage and forms.
    pub fn code(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Developer => "developer",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.code() == code)
    }

    /// Issue cards, top up, withdraw, freeze, delete.
    pub fn may_move_money(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }

    /// See a card's full number and CVC.
    pub fn may_reveal(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }

    /// Invite, remove and change the role of team members.
    pub fn may_manage_team(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }

    /// See and change the merchant's API keys and callbacks (the developers' area).
    pub fn may_manage_integration(self) -> bool {
        !matches!(self, Role::Viewer)
    }

    /// How the console names the role to people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Developer => "Developer",
            Role::Viewer => "Viewer",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_refused() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.code()), Some(role));
        }
        assert_eq!(Role::parse("Owner"), None);
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn only_owners_and_admins_move_money_or_reveal() {
        let movers: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|role| role.may_move_money())
            .collect();
        assert_eq!(movers, [Role::Owner, Role::Admin]);
        assert!(!Role::Developer.may_reveal() && !Role::Viewer.may_reveal());
        assert!(!Role::Viewer.may_manage_team());
    }
}
