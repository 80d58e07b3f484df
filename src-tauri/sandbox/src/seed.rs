//! The sandbox's directory (Zoom accounts and users) and its registered Zoom apps, loaded from a
//! JSON seed. `seed/default.json` is built in; `zoom-sandbox --seed FILE` loads another.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Seed {
    pub accounts: Vec<Account>,
    pub users: Vec<User>,
    pub apps: Vec<App>,
    /// The accounts' user groups; a user's memberships are its `group_ids`, as Zoom shows them.
    #[serde(default)]
    pub groups: Vec<Group>,
}

/// A user group of an account (`/v2/groups`, SCIM `/Groups`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    pub id: String,
    pub account_id: String,
    pub name: String,
}

fn business() -> String {
    "business".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub account_number: u64,
    pub name: String,
    /// The company domain typed at "Sign in with SSO" (`contoso` for contoso.zoom.us).
    pub sso_domain: Option<String>,
    /// SCIM needs SSO enabled on the account (docs/zoom.md, SCIM 2).
    pub sso_enabled: bool,
    /// The account's plan (`pro`, `business`, `education`, `enterprise`): SCIM needs Business or
    /// Education (docs/zoom.md, SCIM 2; the sandbox lets Enterprise, which includes Business, too).
    #[serde(default = "business")]
    pub plan: String,
    /// The account's approved vanity URL (`contoso.zoom.us`), which SCIM needs.
    #[serde(default)]
    pub vanity_url: Option<String>,
    /// Requests per second in every rate-limit category, shared by every app on the account,
    /// instead of the plan's (docs/zoom.md, Rate limits); none: the plan's per category.
    #[serde(default)]
    pub qps_limit: Option<u32>,
    /// Requests per UTC day (sandbox time), none: no daily limit.
    #[serde(default)]
    pub daily_limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub account_id: String,
    pub email: String,
    pub password: String,
    pub first_name: String,
    pub last_name: String,
    /// Owner, Admin, Member, or the name of a custom role.
    pub role_name: String,
    pub role_id: String,
    /// Whether the role may view and manage the account's users (Owner and Admin always; a
    /// custom role when its privileges say so).
    #[serde(default)]
    pub manage_users: Option<bool>,
    /// 1 Basic, 2 Licensed, 4 Unassigned, 99 None (3 On-Prem only on older accounts).
    #[serde(rename = "type")]
    pub user_type: u32,
    /// active | inactive | pending
    pub status: String,
    /// The simulated identities for "Sign in with Google / Facebook".
    pub google: Option<String>,
    pub facebook: Option<String>,
    /// The rest of what Zoom shows of a user (`GET /v2/users/{id}`); defaults for a seed that
    /// does not say.
    #[serde(default)]
    pub profile: Profile,
}

/// A user's fields beyond who they are and what they may do.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Profile {
    pub dept: String,
    pub job_title: String,
    pub timezone: String,
    pub language: String,
    pub phone_number: String,
    pub location: String,
    pub company: String,
    pub pmi: u64,
    /// ISO-8601; empty: the sandbox's fixed creation date.
    pub created_at: String,
    pub last_login_time: Option<String>,
    pub verified: u8,
    pub group_ids: Vec<String>,
}

impl User {
    pub fn display_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }
    pub fn is_admin(&self) -> bool {
        self.role_name == "Owner" || self.role_name == "Admin"
    }
    /// What the role lets this user do with the account's users.
    pub fn can_manage_users(&self) -> bool {
        self.manage_users.unwrap_or_else(|| self.is_admin())
    }
}

/// Who installs an OAuth app and what it may ask for (docs/zoom.md, App types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Management {
    /// Added by an admin for the whole account: admin scopes; only an Owner, an Admin or a role
    /// allowed to manage users may add it.
    #[default]
    Admin,
    /// Added by each user for their own data: user-level scopes only.
    User,
}

/// How an app's scopes are named: apps created since 2024 have granular ones only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    #[default]
    Granular,
    Classic,
}

/// How the app gets tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppKind {
    /// A user authorizes it in the browser (authorization code, refresh tokens).
    #[default]
    OAuth,
    /// Server-to-Server OAuth: `grant_type=account_credentials`, no user, no refresh token.
    ServerToServer,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct App {
    pub client_id: String,
    pub name: String,
    /// None: a public client (PKCE, no secret). Some: confidential, HTTP Basic at the token endpoint.
    pub client_secret: Option<String>,
    /// The redirect allow list: full URLs, or base URLs without path or query.
    pub redirect_uris: Vec<String>,
    /// Strict mode: exact matches only.
    pub strict_mode: bool,
    /// Custom URL schemes are accepted only for Meeting SDK apps.
    pub meeting_sdk: bool,
    pub scopes: Vec<String>,
    #[serde(default)]
    pub management: Management,
    #[serde(default)]
    pub scope_kind: ScopeKind,
    #[serde(default)]
    pub kind: AppKind,
    /// How many access tokens of one user (or, for Server-to-Server, of the app) are valid at
    /// once: issuing one more invalidates the oldest. None: no limit.
    #[serde(default)]
    pub access_token_tolerance: Option<u32>,
    /// Server-to-Server: the account the app belongs to.
    #[serde(default)]
    pub account_id: Option<String>,
    /// A deactivated app's tokens stop working and it issues no new ones.
    #[serde(default = "yes")]
    pub active: bool,
    /// Zoom enabled the device authorization grant for it (on request, private apps only).
    #[serde(default)]
    pub device_grant: bool,
}

fn yes() -> bool {
    true
}

/// Whether a scope is an admin-level one (`…:admin` granular, `…:admin` classic, SCIM).
pub fn is_admin_scope(scope: &str) -> bool {
    scope.ends_with(":admin") || scope.ends_with(":master") || scope == "scim2"
}

impl App {
    pub fn is_public(&self) -> bool {
        self.client_secret.is_none()
    }
}

impl Seed {
    pub fn builtin() -> Self {
        // The default seed is a file of this crate, checked by a test; it cannot be malformed at
        // run time.
        serde_json::from_str(include_str!("../seed/default.json")).expect("built-in seed is valid JSON")
    }

    pub fn from_json(text: &str) -> Result<Self, String> {
        let seed: Seed = serde_json::from_str(text).map_err(|e| format!("invalid seed: {e}"))?;
        seed.check()?;
        Ok(seed)
    }

    /// References between the parts must hold, or the sandbox would answer nonsense.
    pub fn check(&self) -> Result<(), String> {
        for user in &self.users {
            if !self.accounts.iter().any(|a| a.id == user.account_id) {
                return Err(format!("user {} names unknown account {}", user.id, user.account_id));
            }
        }
        for app in &self.apps {
            if app.kind == AppKind::ServerToServer && !app.account_id.as_ref().is_some_and(|a| self.accounts.iter().any(|x| &x.id == a)) {
                return Err(format!("Server-to-Server app {} names no known account", app.client_id));
            }
        }
        for user in &self.users {
            if let Some(g) = user.profile.group_ids.iter().find(|g| !self.groups.iter().any(|x| &x.id == *g && x.account_id == user.account_id)) {
                return Err(format!("user {} is in unknown group {g}", user.id));
            }
        }
        let mut emails: Vec<&str> = self.users.iter().map(|u| u.email.as_str()).collect();
        emails.sort_unstable();
        if emails.windows(2).any(|w| w[0].eq_ignore_ascii_case(w[1])) {
            return Err("two users share an email".into());
        }
        Ok(())
    }

    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }
    pub fn app(&self, client_id: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.client_id == client_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_seed_is_consistent_and_covers_the_required_cases() {
        let seed = Seed::builtin();
        seed.check().unwrap();
        assert!(seed.accounts.len() >= 2);
        for role in ["Owner", "Admin", "Member"] {
            assert!(seed.users.iter().any(|u| u.role_name == role), "{role}");
        }
        for t in [1, 2, 4, 99] {
            assert!(seed.users.iter().any(|u| u.user_type == t), "type {t}");
        }
        assert!(seed.users.iter().any(|u| !u.is_admin() && u.role_name != "Member" && u.can_manage_users()), "a custom role that manages users");
        assert!(seed.users.iter().any(|u| !u.is_admin() && u.role_name != "Member" && !u.can_manage_users()), "a custom role that does not");
        for (m, k) in [(Management::Admin, ScopeKind::Granular), (Management::Admin, ScopeKind::Classic), (Management::User, ScopeKind::Granular)] {
            assert!(seed.apps.iter().any(|a| a.management == m && a.scope_kind == k && a.kind == AppKind::OAuth), "{m:?} {k:?}");
        }
        assert!(seed.apps.iter().any(|a| a.kind == AppKind::ServerToServer));
        for status in ["pending", "inactive"] {
            assert!(seed.users.iter().any(|u| u.status == status), "{status}");
        }
        assert!(seed.accounts.iter().any(|a| a.sso_enabled) && seed.accounts.iter().any(|a| !a.sso_enabled));
        assert!(seed.apps.iter().any(App::is_public) && seed.apps.iter().any(|a| !a.is_public()));
    }

    #[test]
    fn a_seed_with_dangling_references_is_refused() {
        let mut seed = Seed::builtin();
        seed.users[0].account_id = "nope".into();
        let text = serde_json::to_string(&seed).unwrap();
        assert!(Seed::from_json(&text).unwrap_err().contains("unknown account"));
        assert!(Seed::from_json("{").unwrap_err().starts_with("invalid seed"));
    }
}
