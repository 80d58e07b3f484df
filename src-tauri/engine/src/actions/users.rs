//! Users (docs/zoom.md, Users and SCIM 2): list every page, search, read, create, update,
//! activate, deactivate, delete — over REST or SCIM as the connection was granted, read into one
//! `ZoomUser` whichever answered.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::answers::{error_of, unexpected};
use super::call::ApiRequest;
use super::route::{route, Need, Via};
use super::transport::{Reply, Transport};
use super::Actions;
use crate::error::{EngineError, ErrorCode, Result};

/// `GET /v2/users`: Zoom's largest page; SCIM's `count` is kept at 100 (its maximum is not
/// documented, docs/zoom.md, SCIM 2).
pub const REST_PAGE: usize = 300;
pub const SCIM_PAGE: usize = 100;
/// A list that goes on past this many pages is not Zoom's (a token that never ends).
const MAX_PAGES: usize = 10_000;
const SCIM_JSON: &str = "application/scim+json";

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

    fn from_scim(v: &Value) -> Self {
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

/// How `POST /v2/users` makes a user: `create` invites (pending until accepted); `autoCreate`,
/// `custCreate` and `ssoCreate` make an active user at once where the account allows it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CreateAction {
    #[default]
    Create,
    AutoCreate,
    CustCreate,
    SsoCreate,
}

impl CreateAction {
    fn as_str(self) -> &'static str {
        match self {
            CreateAction::Create => "create",
            CreateAction::AutoCreate => "autoCreate",
            CreateAction::CustCreate => "custCreate",
            CreateAction::SsoCreate => "ssoCreate",
        }
    }
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewUser {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// 1 Basic unless given.
    #[serde(rename = "type")]
    pub user_type: Option<u32>,
    #[serde(default)]
    pub action: CreateAction,
}

/// The fields an update changes; the others stay as they are.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserChanges {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    #[serde(rename = "type")]
    pub user_type: Option<u32>,
    pub dept: Option<String>,
    pub job_title: Option<String>,
    pub timezone: Option<String>,
    pub language: Option<String>,
}

impl UserChanges {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    fn rest_body(&self) -> Value {
        let mut body = serde_json::Map::new();
        for (k, v) in [
            ("first_name", &self.first_name),
            ("last_name", &self.last_name),
            ("dept", &self.dept),
            ("job_title", &self.job_title),
            ("timezone", &self.timezone),
            ("language", &self.language),
        ] {
            if let Some(v) = v {
                body.insert(k.into(), json!(v));
            }
        }
        if let Some(t) = self.user_type {
            body.insert("type".into(), json!(t));
        }
        Value::Object(body)
    }
}

/// Zoom's two ways to remove a user (docs/zoom.md, Users): `disassociate` (the default) unlinks
/// the user, who keeps their data in a free Zoom account of their own; `delete` removes the user
/// and their data for good.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemoveMode {
    #[default]
    Disassociate,
    Delete,
}

impl RemoveMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RemoveMode::Disassociate => "disassociate",
            RemoveMode::Delete => "delete",
        }
    }
}

/// A path segment: an id or an email, encoded (an email may hold `+`, `/` or `#`). A key of
/// dots alone would be a dot-segment that URL parsing resolves to another path: it is sent with
/// a leading space, which names no user.
pub(crate) fn segment(key: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC.remove(b'@').remove(b'.').remove(b'-').remove(b'_');
    let encoded = percent_encoding::utf8_percent_encode(key, SET).to_string();
    if key.trim_matches('.').is_empty() {
        format!("%20{encoded}")
    } else {
        encoded
    }
}

fn query_value(v: &str) -> String {
    percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC).to_string()
}

impl<T: Transport> Actions<T> {
    async fn send(&self, request: ApiRequest, what: &str) -> Result<Reply> {
        let reply = self.transport.call(request).await?;
        if reply.ok() {
            Ok(reply)
        } else {
            Err(error_of(&reply, what))
        }
    }

    /// Every user of one status, every page; `progress` hears how many so far.
    pub async fn list_users(&self, status: UserStatus, mut progress: impl FnMut(usize) + Send) -> Result<Vec<ZoomUser>> {
        let what = format!("Listing the {} users", status.as_str());
        let mut users = Vec::new();
        match route(Need::ListUsers, &self.scopes)? {
            Via::Rest => {
                let mut token = String::new();
                for _ in 0..MAX_PAGES {
                    let path = format!("v2/users?status={}&page_size={REST_PAGE}&next_page_token={}", status.as_str(), query_value(&token));
                    let reply = self.send(ApiRequest::new(Method::GET, path), &what).await?;
                    let page = reply.body["users"].as_array().ok_or_else(|| unexpected(&what, "no users array"))?;
                    users.extend(page.iter().map(ZoomUser::from_rest));
                    progress(users.len());
                    let next = reply.body["next_page_token"].as_str().unwrap_or("").to_string();
                    if next.is_empty() || page.is_empty() {
                        return Ok(users);
                    }
                    if next == token {
                        return Err(unexpected(&what, "the same next_page_token twice"));
                    }
                    token = next;
                }
                Err(unexpected(&what, "more pages than any account has"))
            }
            Via::Scim => {
                if status == UserStatus::Pending {
                    // SCIM shows no pending users.
                    return Ok(users);
                }
                let mut start = 1;
                for _ in 0..MAX_PAGES {
                    let path = format!("scim2/Users?startIndex={start}&count={SCIM_PAGE}");
                    let reply = self.send(ApiRequest::new(Method::GET, path), &what).await?;
                    let page = reply.body["Resources"].as_array().cloned().unwrap_or_default();
                    let total = reply.body["totalResults"].as_u64().unwrap_or(0) as usize;
                    users.extend(page.iter().map(ZoomUser::from_scim).filter(|u| u.status == status.as_str()));
                    progress(users.len());
                    start += page.len();
                    if page.is_empty() || start > total {
                        return Ok(users);
                    }
                }
                Err(unexpected(&what, "more pages than any account has"))
            }
        }
    }

    /// The users `query` keeps, from every page of the statuses it names.
    pub async fn search(&self, query: &UserQuery) -> Result<Vec<ZoomUser>> {
        let statuses: Vec<UserStatus> = match query.status {
            Some(s) => vec![s],
            None => UserStatus::ALL.to_vec(),
        };
        let mut found = Vec::new();
        for status in statuses {
            found.extend(self.list_users(status, |_| {}).await?.into_iter().filter(|u| query.matches(u)));
        }
        Ok(found)
    }

    /// One user, by id or email.
    pub async fn get_user(&self, key: &str) -> Result<ZoomUser> {
        let what = format!("Reading {key}");
        match route(Need::ReadUser, &self.scopes)? {
            Via::Rest => {
                let reply = self.send(ApiRequest::new(Method::GET, format!("v2/users/{}", segment(key))), &what).await?;
                Ok(ZoomUser::from_rest(&reply.body))
            }
            Via::Scim => self.scim_user(key, &what).await.map(|v| ZoomUser::from_scim(&v)),
        }
    }

    /// A SCIM user by id, or by email through `userName eq`.
    async fn scim_user(&self, key: &str, what: &str) -> Result<Value> {
        if !key.contains('@') {
            return Ok(self.send(ApiRequest::new(Method::GET, format!("scim2/Users/{}", segment(key))), what).await?.body);
        }
        let filter = query_value(&format!("userName eq \"{key}\""));
        let reply = self.send(ApiRequest::new(Method::GET, format!("scim2/Users?filter={filter}")), what).await?;
        reply.body["Resources"]
            .as_array()
            .and_then(|r| r.first().cloned())
            .ok_or_else(|| EngineError::new(ErrorCode::NotFound, format!("{what}: no Zoom user has this email.")))
    }

    async fn scim_id(&self, key: &str, what: &str) -> Result<String> {
        let user = self.scim_user(key, what).await?;
        user["id"].as_str().map(str::to_string).ok_or_else(|| unexpected(what, "a SCIM user without an id"))
    }

    /// A new user; its id (and, over REST, the fields Zoom echoes).
    pub async fn create_user(&self, new: &NewUser) -> Result<ZoomUser> {
        let what = format!("Creating {}", new.email);
        let user_type = new.user_type.unwrap_or(1);
        match route(Need::CreateUser, &self.scopes)? {
            Via::Rest => {
                let body = json!({"action": new.action.as_str(), "user_info": {"email": new.email, "type": user_type, "first_name": new.first_name, "last_name": new.last_name}});
                let reply = self.send(ApiRequest::new(Method::POST, "v2/users").json(&body, "application/json"), &what).await?;
                let mut user = ZoomUser::from_rest(&reply.body);
                user.status = if new.action == CreateAction::Create { "pending" } else { "active" }.into();
                Ok(user)
            }
            Via::Scim => {
                let user_type = match user_type {
                    2 => "Licensed",
                    3 => "On-Prem",
                    _ => "Basic",
                };
                let body = json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": new.email,
                    "name": {"givenName": new.first_name, "familyName": new.last_name},
                    "emails": [{"value": new.email, "primary": true, "type": "work"}],
                    "userType": user_type,
                    "active": true,
                });
                let reply = self.send(ApiRequest::new(Method::POST, "scim2/Users").json(&body, SCIM_JSON), &what).await?;
                Ok(ZoomUser::from_scim(&reply.body))
            }
        }
    }

    pub async fn update_user(&self, key: &str, changes: &UserChanges) -> Result<()> {
        let what = format!("Updating {key}");
        if changes.is_empty() {
            return Err(EngineError::new(ErrorCode::InvalidSettings, format!("{what}: nothing to change.")));
        }
        match route(Need::UpdateUser, &self.scopes)? {
            Via::Rest => {
                self.send(ApiRequest::new(Method::PATCH, format!("v2/users/{}", segment(key))).json(&changes.rest_body(), "application/json"), &what).await?;
                Ok(())
            }
            Via::Scim => {
                if changes.dept.is_some() || changes.job_title.is_some() || changes.timezone.is_some() || changes.language.is_some() {
                    return Err(EngineError::new(
                        ErrorCode::MissingScope,
                        format!(
                            "{what}: over SCIM only the name and the user type change; the department, title, time zone and language need {}.",
                            Need::UpdateUser.describe()
                        ),
                    ));
                }
                let id = self.scim_id(key, &what).await?;
                let mut ops = Vec::new();
                if let Some(v) = &changes.first_name {
                    ops.push(json!({"op": "replace", "path": "name.givenName", "value": v}));
                }
                if let Some(v) = &changes.last_name {
                    ops.push(json!({"op": "replace", "path": "name.familyName", "value": v}));
                }
                if let Some(t) = changes.user_type {
                    let name = match t {
                        2 => "Licensed",
                        3 => "On-Prem",
                        _ => "Basic",
                    };
                    ops.push(json!({"op": "replace", "path": "userType", "value": name}));
                }
                let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
                self.send(ApiRequest::new(Method::PATCH, format!("scim2/Users/{}", segment(&id))).json(&body, SCIM_JSON), &what).await?;
                Ok(())
            }
        }
    }

    /// Activate (`true`) or deactivate (`false`).
    pub async fn set_active(&self, key: &str, active: bool) -> Result<()> {
        let what = format!("{} {key}", if active { "Activating" } else { "Deactivating" });
        match route(Need::UserStatus, &self.scopes)? {
            Via::Rest => {
                let body = json!({"action": if active { "activate" } else { "deactivate" }});
                self.send(ApiRequest::new(Method::PUT, format!("v2/users/{}/status", segment(key))).json(&body, "application/json"), &what).await?;
                Ok(())
            }
            Via::Scim => {
                let id = self.scim_id(key, &what).await?;
                let body =
                    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "active", "value": active}]});
                self.send(ApiRequest::new(Method::PATCH, format!("scim2/Users/{}", segment(&id))).json(&body, SCIM_JSON), &what).await?;
                Ok(())
            }
        }
    }

    /// Removes a user from the account: `Disassociate` or `Delete` (`RemoveMode`). A pending user
    /// (an invitation) is always disassociated, as Zoom asks (docs/zoom.md, Users).
    pub async fn remove_user(&self, key: &str, mode: RemoveMode, pending: bool) -> Result<()> {
        let what = format!("Removing {key}");
        match route(Need::DeleteUser, &self.scopes)? {
            Via::Rest => {
                let mode = if pending { RemoveMode::Disassociate } else { mode };
                self.send(ApiRequest::new(Method::DELETE, format!("v2/users/{}?action={}", segment(key), mode.as_str())), &what).await?;
                Ok(())
            }
            Via::Scim => {
                // Whether SCIM's DELETE unlinks or deletes is not documented (docs/zoom.md, SCIM 2).
                let id = self.scim_id(key, &what).await?;
                self.send(ApiRequest::new(Method::DELETE, format!("scim2/Users/{}", segment(&id))), &what).await?;
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn keys_are_encoded_as_path_segments() {
        assert_eq!(segment("a+b@c.d"), "a%2Bb@c.d");
        assert_eq!(segment("../x"), "..%2Fx");
        assert_eq!(segment(".."), "%20..");
    }
}
