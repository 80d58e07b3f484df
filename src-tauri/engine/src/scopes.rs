//! What an org requires of a connection, and which granted scopes satisfy it. Zoom apps created
//! since 2024 have *granular* scopes only (`user:read:user:admin`), older apps *classic* ones
//! (`user:write:admin`); an org asks for a capability, and either form satisfies it
//! (docs/zoom.md, Scopes).

use serde::{Deserialize, Serialize};

/// A capability an org requires of every connection.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// Read, list, create, update, deactivate and delete the account's users (`/v2/users`).
    ManageUsers,
    /// Zoom's SCIM 2 API (`/scim2/Users`).
    Scim,
}

impl Capability {
    pub const ALL: [Capability; 2] = [Capability::ManageUsers, Capability::Scim];

    /// The classic scopes that grant it, any one of which is enough.
    pub fn classic(self) -> &'static [&'static str] {
        match self {
            Capability::ManageUsers => &["user:write:admin"],
            Capability::Scim => &["scim2"],
        }
    }

    /// The granular scopes that grant it, all of which are needed: the ones to add to a new
    /// Zoom app (the guide shows them with a Copy button).
    pub fn granular(self) -> &'static [&'static str] {
        match self {
            Capability::ManageUsers => &[
                "user:read:user:admin",
                "user:read:list_users:admin",
                "user:write:user:admin",
                "user:update:user:admin",
                "user:update:status:admin",
                "user:delete:user:admin",
            ],
            Capability::Scim => &["scim2:admin"],
        }
    }

    /// Whether the granted scopes satisfy it, in either form.
    pub fn granted_by(self, granted: &[String]) -> bool {
        let has = |s: &str| granted.iter().any(|g| g == s);
        self.classic().iter().any(|s| has(s)) || self.granular().iter().all(|s| has(s))
    }
}

/// Scopes that let `GET /v2/users/me` answer: the app needs one of them to learn who signed in.
pub const IDENTITY_SCOPES: [&str; 6] = ["user:read:user", "user:read:user:admin", "user:read", "user:read:admin", "user:write", "user:write:admin"];

/// What is missing from `granted` for `required` (capabilities) and `extra` (literal scopes):
/// each missing capability with both of its forms, so that the message can name them.
pub fn missing(required: &[Capability], extra: &[String], granted: &[String]) -> Missing {
    Missing {
        capabilities: required.iter().copied().filter(|c| !c.granted_by(granted)).collect(),
        scopes: extra.iter().filter(|s| !granted.contains(s)).cloned().collect(),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Missing {
    pub capabilities: Vec<Capability>,
    pub scopes: Vec<String>,
}

impl Missing {
    pub fn is_empty(&self) -> bool {
        self.capabilities.is_empty() && self.scopes.is_empty()
    }

    /// "user:write:admin (classic) or user:read:user:admin user:… (granular); scim2 or scim2:admin".
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> =
            self.capabilities.iter().map(|c| format!("{} (classic) or {} (granular)", c.classic().join(" "), c.granular().join(" "))).collect();
        parts.extend(self.scopes.iter().cloned());
        parts.join("; ")
    }
}

/// Which capabilities the scopes of an older org's settings (a plain list) stood for.
pub fn from_legacy(scopes: &[String]) -> (Vec<Capability>, Vec<String>) {
    let mut required = Vec::new();
    let mut extra = Vec::new();
    for s in scopes {
        match Capability::ALL.iter().find(|c| c.classic().contains(&s.as_str()) || c.granular() == [s.as_str()]) {
            Some(c) if !required.contains(c) => required.push(*c),
            Some(_) => {}
            None => extra.push(s.clone()),
        }
    }
    (required, extra)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn either_form_satisfies_a_capability() {
        assert!(Capability::ManageUsers.granted_by(&v(&["user:write:admin"])));
        assert!(Capability::ManageUsers.granted_by(&v(Capability::ManageUsers.granular())));
        assert!(!Capability::ManageUsers.granted_by(&v(&["user:read:user:admin", "user:write:user:admin"])));
        assert!(Capability::Scim.granted_by(&v(&["scim2"])) && Capability::Scim.granted_by(&v(&["scim2:admin"])));
        assert!(!Capability::Scim.granted_by(&v(&["user:write:admin"])));
    }

    #[test]
    fn what_is_missing_is_named_in_both_forms() {
        let m = missing(&[Capability::ManageUsers, Capability::Scim], &v(&["meeting:read"]), &v(&["scim2:admin"]));
        assert_eq!(m.capabilities, vec![Capability::ManageUsers]);
        let text = m.describe();
        assert!(text.contains("user:write:admin (classic)") && text.contains("user:delete:user:admin") && text.contains("meeting:read"), "{text}");
        assert!(missing(&[Capability::Scim], &[], &v(&["scim2"])).is_empty());
    }

    #[test]
    fn legacy_scope_lists_become_capabilities() {
        assert_eq!(from_legacy(&v(&["user:write:admin"])), (vec![Capability::ManageUsers], vec![]));
        assert_eq!(from_legacy(&v(&["scim2", "meeting:read"])), (vec![Capability::Scim], v(&["meeting:read"])));
    }
}
