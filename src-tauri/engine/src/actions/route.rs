//! REST or SCIM for each action, from the scopes a connection was granted (docs/zoom.md, Scopes
//! and SCIM 2): the REST API when one of the action's scopes is granted (classic or granular), SCIM
//! when a SCIM scope is, and otherwise an error that names both.

use serde::Serialize;

use crate::error::{EngineError, ErrorCode, Result};

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    Rest,
    Scim,
}

/// An action and the REST scopes that allow it, any one of which is enough.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    ListUsers,
    ReadUser,
    CreateUser,
    UpdateUser,
    UserStatus,
    DeleteUser,
    ListGroups,
    ReadGroup,
    GroupMembers,
    AddMembers,
    RemoveMember,
}

impl Need {
    /// The classic scope first, then the granular one (docs/zoom.md, Scopes).
    pub fn rest_scopes(self) -> &'static [&'static str] {
        match self {
            Need::ListUsers => &["user:read:admin", "user:write:admin", "user:read:list_users:admin"],
            Need::ReadUser => &["user:read:admin", "user:write:admin", "user:read:user:admin"],
            Need::CreateUser => &["user:write:admin", "user:write:user:admin"],
            Need::UpdateUser => &["user:write:admin", "user:update:user:admin"],
            Need::UserStatus => &["user:write:admin", "user:update:status:admin"],
            Need::DeleteUser => &["user:write:admin", "user:delete:user:admin"],
            Need::ListGroups => &["group:read:admin", "group:write:admin", "group:read:list_groups:admin"],
            Need::ReadGroup => &["group:read:admin", "group:write:admin", "group:read:group:admin"],
            Need::GroupMembers => &["group:read:admin", "group:write:admin", "group:read:list_members:admin"],
            Need::AddMembers => &["group:write:admin", "group:write:member:admin"],
            Need::RemoveMember => &["group:write:admin", "group:delete:member:admin"],
        }
    }

    /// The scopes to add to the Zoom app for it: its classic one (older apps) or its granular one.
    pub fn describe(self) -> String {
        let scopes = self.rest_scopes();
        let classic = scopes.iter().find(|s| s.split(':').count() == 3).copied().unwrap_or(scopes[0]);
        let granular = scopes.last().copied().unwrap_or(classic);
        format!("{granular} (granular) or {classic} (classic), or scim2:admin / scim2 for SCIM")
    }
}

/// How `need` goes for a connection granted `scopes`.
pub fn route(need: Need, scopes: &[String]) -> Result<Via> {
    let has = |s: &str| scopes.iter().any(|g| g == s);
    if need.rest_scopes().iter().any(|s| has(s)) {
        return Ok(Via::Rest);
    }
    if has("scim2") || has("scim2:admin") {
        return Ok(Via::Scim);
    }
    Err(EngineError::new(
        ErrorCode::MissingScope,
        format!("This connection was not granted what this needs: {}. Add the scope to the Zoom app, then reconnect.", need.describe()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn rest_when_granted_else_scim_else_what_is_missing() {
        assert_eq!(route(Need::UserStatus, &v(&["user:update:status:admin"])).ok(), Some(Via::Rest));
        assert_eq!(route(Need::UserStatus, &v(&["user:write:admin"])).ok(), Some(Via::Rest));
        assert_eq!(route(Need::UserStatus, &v(&["user:read:admin", "scim2"])).ok(), Some(Via::Scim));
        let e = route(Need::AddMembers, &v(&["user:read:admin"])).unwrap_err();
        assert_eq!(e.code, ErrorCode::MissingScope);
        assert!(e.message.contains("group:write:member:admin (granular) or group:write:admin (classic)"), "{}", e.message);
    }
}
