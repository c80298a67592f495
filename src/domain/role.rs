//! Roles and what each may do, for the municipalities assigned to a user.
//!
//! - admin: everything, in every municipality, and manages users;
//! - coordinator: runs surveys, codes, dispositions and paper entry for their municipalities;
//! - viewer: reads rates and results for their municipalities.
//!
//! A survey may span several municipalities (one police area); a coordinator sees it when at least one of its
//! municipalities is theirs, acts on their own municipalities' letters, and changes the survey as a whole
//! (title, period, state) only when all of its municipalities are theirs.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// A staff member's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Coordinator,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Coordinator, Role::Viewer];

    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Coordinator => "coordinator",
            Self::Viewer => "viewer",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == text.trim())
    }

    /// The Swedish name shown on pages.
    pub fn label(self) -> &'static str {
        match self {
            Self::Admin => "Administratör",
            Self::Coordinator => "Samordnare",
            Self::Viewer => "Läsare",
        }
    }
}

/// What one signed-in user may do.
#[derive(Debug, Clone)]
pub struct Permissions {
    pub role: Role,
    pub municipalities: BTreeSet<String>,
}

impl Permissions {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// May read rates and results of this municipality.
    pub fn may_view(&self, municipality: &str) -> bool {
        self.is_admin() || self.municipalities.contains(municipality)
    }

    /// May hand out codes, record dispositions and enter paper forms for this municipality.
    pub fn may_manage(&self, municipality: &str) -> bool {
        self.is_admin() || (self.role == Role::Coordinator && self.municipalities.contains(municipality))
    }

    /// May see a survey spanning these municipalities.
    pub fn may_view_survey<'a>(&self, mut municipalities: impl Iterator<Item = &'a str>) -> bool {
        self.is_admin() || municipalities.any(|code| self.municipalities.contains(code))
    }

    /// May change a survey spanning these municipalities as a whole.
    pub fn may_manage_survey<'a>(&self, mut municipalities: impl Iterator<Item = &'a str>) -> bool {
        self.is_admin()
            || (self.role == Role::Coordinator && municipalities.all(|code| self.municipalities.contains(code)))
    }

    /// May create surveys at all.
    pub fn may_create_surveys(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Coordinator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, municipalities: &[&str]) -> Permissions {
        Permissions { role, municipalities: municipalities.iter().map(|code| (*code).to_owned()).collect() }
    }

    #[test]
    fn roles_round_trip_through_their_stored_value() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn admins_may_do_everything_everywhere() {
        let admin = user(Role::Admin, &[]);
        assert!(admin.may_view("1783") && admin.may_manage("1783"));
        assert!(admin.may_manage_survey(["1783", "0180"].into_iter()));
    }

    #[test]
    fn coordinators_act_on_their_own_municipalities_only() {
        let torsby = user(Role::Coordinator, &["1737", "1766"]);
        assert!(torsby.may_manage("1737") && !torsby.may_manage("1783"));
        assert!(torsby.may_view_survey(["1737", "1783"].into_iter()));
        assert!(!torsby.may_manage_survey(["1737", "1783"].into_iter()));
        assert!(torsby.may_manage_survey(["1737", "1766"].into_iter()));
    }

    #[test]
    fn viewers_read_but_never_manage() {
        let viewer = user(Role::Viewer, &["1783"]);
        assert!(viewer.may_view("1783") && !viewer.may_view("1737"));
        assert!(!viewer.may_manage("1783"));
        assert!(!viewer.may_manage_survey(["1783"].into_iter()));
        assert!(!viewer.may_create_surveys());
    }
}
