//! What a Zoom user is to the actions: one `ZoomUser` read from either API's answer (REST's
//! fields, SCIM's resource; docs/zoom.md, Users and SCIM 2), the statuses a list asks for, and
//! what a search keeps.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A Zoom user as either API shows it. A pending user listed by REST has no id (Zoom's list
/// leaves it out), and SCIM knows no pending users.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ZoomUser {
    pub id: Option<String>,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub display_name: String,
    /// 1 Basic, 2 Licensed, 4 Unassigned, 99 None (docs/zoom.md, Roles).
    #[serde(rename = "type")]
    pub user_type: Option<u32>,
    pub role_id: Option<String>,
    pub role_name: Option<String>,
    /// `active`, `inactive` or `pending`.
    pub status: String,
    pub dept: String,
    pub job_title: String,
    pub timezone: String,
    pub language: String,
    pub pmi: Option<u64>,
    pub verified: Option<bool>,
    pub created_at: Option<String>,
    pub last_login_time: Option<String>,
    pub group_ids: Vec<String>,
}

impl ZoomUser {
    pub(crate) fn from_rest(v: &Value) -> Self {
        let text = |k: &str| v[k].as_str().unwrap_or("").to_string();
        let first = text("first_name");
        let last = text("last_name");
        let display = v["display_name"].as_str().map(str::to_string).unwrap_or_else(|| format!("{first} {last}").trim().to_string());
        Self {
            id: v["id"].as_str().map(str::to_string),
            email: text("email"),
            first_name: first,
            last_name: last,
            display_name: display,
            user_type: v["type"].as_u64().and_then(|t| u32::try_from(t).ok()),
            role_id: v["role_id"].as_str().map(str::to_string).or_else(|| v["role_id"].as_u64().map(|n| n.to_string())),
            role_name: v["role_name"].as_str().map(str::to_string),
            status: v["status"].as_str().unwrap_or("active").to_string(),
            dept: text("dept"),
            job_title: text("job_title"),
            timezone: text("timezone"),
            language: text("language"),
            pmi: v["pmi"].as_u64(),
            verified: v["verified"].as_u64().map(|n| n == 1).or_else(|| v["verified"].as_bool()),
            created_at: v["created_at"].as_str().map(str::to_string),
            last_login_time: v["last_login_time"].as_str().map(str::to_string),
            group_ids: v["group_ids"].as_array().map(|a| a.iter().filter_map(|g| g.as_str().map(str::to_string)).collect()).unwrap_or_default(),
        }
    }

    pub(crate) fn from_scim(v: &Value) -> Self {
        let first = v.pointer("/name/givenName").and_then(Value::as_str).unwrap_or("").to_string();
        let last = v.pointer("/name/familyName").and_then(Value::as_str).unwrap_or("").to_string();
        let email = v["userName"].as_str().or_else(|| v.pointer("/emails/0/value").and_then(Value::as_str)).unwrap_or("").to_string();
        let user_type = match v["userType"].as_str() {
            Some("Basic") => Some(1),
            Some("Licensed") => Some(2),
            Some("On-Prem") => Some(3),
            _ => None,
        };
        Self {
            id: v["id"].as_str().map(str::to_string),
            email,
            display_name: v["displayName"].as_str().map(str::to_string).unwrap_or_else(|| format!("{first} {last}").trim().to_string()),
            first_name: first,
            last_name: last,
            user_type,
            status: if v["active"].as_bool() == Some(false) { "inactive" } else { "active" }.into(),
            dept: v.pointer("/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/department").and_then(Value::as_str).unwrap_or("").into(),
            ..Self::default()
        }
    }

    /// Owner (role 0) and Admin (role 1) users: Zoom refuses to change their status or remove
    /// them (docs/zoom.md, Users).
    pub fn is_admin(&self) -> bool {
        matches!(self.role_id.as_deref(), Some("0" | "1")) || matches!(self.role_name.as_deref(), Some("Owner" | "Admin"))
    }
}

/// Which users a list asks for.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Active,
    Inactive,
    Pending,
}

impl UserStatus {
    pub const ALL: [UserStatus; 3] = [UserStatus::Active, UserStatus::Inactive, UserStatus::Pending];
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Inactive => "inactive",
            UserStatus::Pending => "pending",
        }
    }
}

/// What a search keeps: every field given must match (text: in the email or the name, any case).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UserQuery {
    pub text: Option<String>,
    pub status: Option<UserStatus>,
    pub user_type: Option<u32>,
    pub role_id: Option<String>,
}

impl UserQuery {
    pub fn matches(&self, u: &ZoomUser) -> bool {
        let text_ok = self.text.as_deref().map(str::trim).filter(|t| !t.is_empty()).is_none_or(|t| {
            let t = t.to_lowercase();
            u.email.to_lowercase().contains(&t)
                || u.display_name.to_lowercase().contains(&t)
                || format!("{} {}", u.first_name, u.last_name).to_lowercase().contains(&t)
        });
        text_ok
            && self.status.is_none_or(|s| u.status == s.as_str())
            && self.user_type.is_none_or(|t| u.user_type == Some(t))
            && self.role_id.as_ref().is_none_or(|r| u.role_id.as_ref() == Some(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_apis_read_into_one_user() {
        let rest = ZoomUser::from_rest(
            &json!({"id": "u1", "email": "a@b.c", "first_name": "A", "last_name": "B", "type": 2, "role_id": "1", "status": "inactive", "verified": 1, "group_ids": ["g"]}),
        );
        assert_eq!((rest.display_name.as_str(), rest.user_type, rest.verified, rest.is_admin()), ("A B", Some(2), Some(true), true));
        let scim = ZoomUser::from_scim(
            &json!({"id": "u1", "userName": "a@b.c", "name": {"givenName": "A", "familyName": "B"}, "userType": "Licensed", "active": false}),
        );
        assert_eq!((scim.email.as_str(), scim.status.as_str(), scim.user_type), ("a@b.c", "inactive", Some(2)));
        let pending = ZoomUser::from_rest(&json!({"email": "p@b.c", "status": "pending", "type": 1}));
        assert_eq!(pending.id, None);
    }

    #[test]
    fn a_search_keeps_what_matches_every_field_given() {
        let u = ZoomUser {
            email: "mia@contoso.example".into(),
            first_name: "Mia".into(),
            last_name: "Member".into(),
            display_name: "Mia Member".into(),
            status: "active".into(),
            user_type: Some(1),
            ..Default::default()
        };
        let q = |text: &str| UserQuery { text: Some(text.into()), ..Default::default() };
        assert!(q("MIA").matches(&u) && q("contoso").matches(&u) && q("a mem").matches(&u) && !q("fred").matches(&u));
        assert!(!UserQuery { status: Some(UserStatus::Inactive), ..Default::default() }.matches(&u));
        assert!(UserQuery { user_type: Some(1), text: Some(" ".into()), ..Default::default() }.matches(&u));
    }
}
