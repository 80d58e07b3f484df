//! The sandbox's directory (Zoom accounts and users) and its registered Zoom apps, loaded from a
//! JSON seed. `seed/default.json` is built in; `zoom-sandbox --seed FILE` loads another.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Seed {
    pub accounts: Vec<Account>,
    pub users: Vec<User>,
    pub apps: Vec<App>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub account_number: u64,
    pub name: String,
    /// The company domain typed at "Sign in with SSO" (`contoso` for contoso.zoom.us).
    pub sso_domain: Option<String>,
    /// SCIM needs SSO enabled on the account (ZOOM.md, SCIM 2).
    pub sso_enabled: bool,
    /// Requests per second, shared by every app on the account (ZOOM.md, rate limits).
    pub qps_limit: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub account_id: String,
    pub email: String,
    pub password: String,
    pub first_name: String,
    pub last_name: String,
    pub role_name: String,
    pub role_id: String,
    /// 1 Basic, 2 Licensed, 3 On-Prem, 99 None.
    #[serde(rename = "type")]
    pub user_type: u32,
    /// active | inactive | pending
    pub status: String,
    /// The simulated identities for "Sign in with Google / Facebook".
    pub google: Option<String>,
    pub facebook: Option<String>,
}

impl User {
    pub fn display_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }
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
        for t in [1, 2, 3] {
            assert!(seed.users.iter().any(|u| u.user_type == t), "type {t}");
        }
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
