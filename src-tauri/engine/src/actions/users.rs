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
pub use super::user::{UserQuery, UserStatus, ZoomUser};
use super::Actions;
use crate::error::{EngineError, ErrorCode, Result};

/// `GET /v2/users`: Zoom's largest page; SCIM's `count` is kept at 100 (its maximum is not
/// documented, docs/zoom.md, SCIM 2).
pub const REST_PAGE: usize = 300;
pub const SCIM_PAGE: usize = 100;
/// A list that goes on past this many pages is not Zoom's (a token that never ends).
const MAX_PAGES: usize = 10_000;
const SCIM_JSON: &str = "application/scim+json";

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
    /// One call; an answer that is not a success is Zoom's error as the engine's (`answers.rs`).
    pub(crate) async fn send(&self, request: ApiRequest, what: &str) -> Result<Reply> {
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
        // A string in a SCIM filter escapes `"` and `\\` (RFC 7644 §3.4.2.2, JSON's rules), so a
        // key cannot add a clause; and only a user whose userName is the key is taken.
        let quoted = serde_json::Value::String(key.to_string()).to_string();
        let filter = query_value(&format!("userName eq {quoted}"));
        let reply = self.send(ApiRequest::new(Method::GET, format!("scim2/Users?filter={filter}")), what).await?;
        reply.body["Resources"]
            .as_array()
            .and_then(|r| r.iter().find(|u| u["userName"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(key))).cloned())
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
    fn keys_are_encoded_as_path_segments() {
        assert_eq!(segment("a+b@c.d"), "a%2Bb@c.d");
        assert_eq!(segment("../x"), "..%2Fx");
        assert_eq!(segment(".."), "%20..");
    }
}
