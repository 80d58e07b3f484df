//! Groups (docs/zoom.md, Groups and SCIM 2): list, read, members (every page), add, remove —
//! over REST or SCIM as the connection was granted.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::answers::unexpected;
use super::call::ApiRequest;
use super::route::{route, Need, Via};
use super::transport::Transport;
use super::users::{segment, ZoomUser};
use super::Actions;
use crate::error::{EngineError, ErrorCode, Result};

/// `GET /v2/groups/{id}/members`: Zoom's largest page.
const MEMBERS_PAGE: usize = 300;
/// `POST /v2/groups/{id}/members` takes at most this many a call.
pub const ADD_PER_CALL: usize = 30;
const MAX_PAGES: usize = 10_000;
const SCIM_JSON: &str = "application/scim+json";

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ZoomGroup {
    pub id: String,
    pub name: String,
    pub total_members: Option<u64>,
}

impl ZoomGroup {
    fn from_rest(v: &Value) -> Self {
        Self { id: v["id"].as_str().unwrap_or("").into(), name: v["name"].as_str().unwrap_or("").into(), total_members: v["total_members"].as_u64() }
    }
    fn from_scim(v: &Value) -> Self {
        Self {
            id: v["id"].as_str().unwrap_or("").into(),
            name: v["displayName"].as_str().unwrap_or("").into(),
            total_members: v["members"].as_array().map(|m| m.len() as u64),
        }
    }
}

impl<T: Transport> Actions<T> {
    pub async fn list_groups(&self) -> Result<Vec<ZoomGroup>> {
        let what = "Listing the groups";
        match route(Need::ListGroups, &self.scopes)? {
            Via::Rest => {
                let reply = self.send(ApiRequest::new(Method::GET, "v2/groups"), what).await?;
                let groups = reply.body["groups"].as_array().ok_or_else(|| unexpected(what, "no groups array"))?;
                Ok(groups.iter().map(ZoomGroup::from_rest).collect())
            }
            Via::Scim => {
                let mut groups = Vec::new();
                let mut start = 1;
                for _ in 0..MAX_PAGES {
                    let reply = self.send(ApiRequest::new(Method::GET, format!("scim2/Groups?startIndex={start}&count=100")), what).await?;
                    let page = reply.body["Resources"].as_array().cloned().unwrap_or_default();
                    let total = reply.body["totalResults"].as_u64().unwrap_or(0) as usize;
                    groups.extend(page.iter().map(ZoomGroup::from_scim));
                    start += page.len();
                    if page.is_empty() || start > total {
                        return Ok(groups);
                    }
                }
                Err(unexpected(what, "more pages than any account has"))
            }
        }
    }

    /// A group by id, or by its exact name (any case).
    pub async fn get_group(&self, key: &str) -> Result<ZoomGroup> {
        let what = format!("Reading the group {key}");
        let by_name = |groups: Vec<ZoomGroup>| {
            groups
                .into_iter()
                .find(|g| g.id == key || g.name.eq_ignore_ascii_case(key))
                .ok_or_else(|| EngineError::new(ErrorCode::NotFound, format!("{what}: no group has this id or name.")))
        };
        match route(Need::ReadGroup, &self.scopes)? {
            Via::Rest => match self.send(ApiRequest::new(Method::GET, format!("v2/groups/{}", segment(key))), &what).await {
                Ok(reply) => Ok(ZoomGroup::from_rest(&reply.body)),
                Err(e) if e.code == ErrorCode::NotFound || e.code == ErrorCode::ZoomError => by_name(self.list_groups().await?),
                Err(e) => Err(e),
            },
            Via::Scim => by_name(self.list_groups().await?),
        }
    }

    /// Every member of a group (by id), every page.
    pub async fn group_members(&self, group_id: &str) -> Result<Vec<ZoomUser>> {
        let what = format!("Listing the members of {group_id}");
        match route(Need::GroupMembers, &self.scopes)? {
            Via::Rest => {
                let mut members = Vec::new();
                let mut token = String::new();
                for _ in 0..MAX_PAGES {
                    let path = format!(
                        "v2/groups/{}/members?page_size={MEMBERS_PAGE}&next_page_token={}",
                        segment(group_id),
                        percent_encoding::utf8_percent_encode(&token, percent_encoding::NON_ALPHANUMERIC)
                    );
                    let reply = self.send(ApiRequest::new(Method::GET, path), &what).await?;
                    let page = reply.body["members"].as_array().ok_or_else(|| unexpected(&what, "no members array"))?;
                    members.extend(page.iter().map(|m| {
                        let mut u = ZoomUser::from_rest(m);
                        u.status.clear();
                        u
                    }));
                    let next = reply.body["next_page_token"].as_str().unwrap_or("").to_string();
                    if next.is_empty() || page.is_empty() {
                        return Ok(members);
                    }
                    if next == token {
                        return Err(unexpected(&what, "the same next_page_token twice"));
                    }
                    token = next;
                }
                Err(unexpected(&what, "more pages than any group has"))
            }
            Via::Scim => {
                let reply = self.send(ApiRequest::new(Method::GET, format!("scim2/Groups/{}", segment(group_id))), &what).await?;
                Ok(reply.body["members"]
                    .as_array()
                    .map(|m| {
                        m.iter()
                            .map(|m| ZoomUser {
                                id: m["value"].as_str().map(str::to_string),
                                email: m["display"].as_str().unwrap_or("").into(),
                                ..ZoomUser::default()
                            })
                            .collect()
                    })
                    .unwrap_or_default())
            }
        }
    }

    /// Adds users (ids or emails) to a group, at most 30 a call over REST.
    pub async fn add_to_group(&self, group_id: &str, users: &[String]) -> Result<()> {
        let what = format!("Adding to the group {group_id}");
        match route(Need::AddMembers, &self.scopes)? {
            Via::Rest => {
                for chunk in users.chunks(ADD_PER_CALL) {
                    let members: Vec<Value> = chunk.iter().map(|k| if k.contains('@') { json!({"email": k}) } else { json!({"id": k}) }).collect();
                    let body = json!({"members": members});
                    self.send(ApiRequest::new(Method::POST, format!("v2/groups/{}/members", segment(group_id))).json(&body, "application/json"), &what).await?;
                }
                Ok(())
            }
            Via::Scim => {
                let mut ids = Vec::new();
                for k in users {
                    ids.push(json!({"value": self.get_user(k).await?.id.unwrap_or_default()}));
                }
                let body =
                    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "path": "members", "value": ids}]});
                self.send(ApiRequest::new(Method::PATCH, format!("scim2/Groups/{}", segment(group_id))).json(&body, SCIM_JSON), &what).await?;
                Ok(())
            }
        }
    }

    /// Removes one user (id or email) from a group.
    pub async fn remove_from_group(&self, group_id: &str, user: &str) -> Result<()> {
        let what = format!("Removing {user} from the group {group_id}");
        match route(Need::RemoveMember, &self.scopes)? {
            Via::Rest => {
                self.send(ApiRequest::new(Method::DELETE, format!("v2/groups/{}/members/{}", segment(group_id), segment(user))), &what).await?;
                Ok(())
            }
            Via::Scim => {
                let id = self.get_user(user).await?.id.unwrap_or_default();
                let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]});
                self.send(ApiRequest::new(Method::PATCH, format!("scim2/Groups/{}", segment(group_id))).json(&body, SCIM_JSON), &what).await?;
                Ok(())
            }
        }
    }
}
