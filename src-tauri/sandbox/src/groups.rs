//! The REST API's user groups (docs/zoom.md, Groups): `GET /v2/groups`, `GET /v2/groups/{id}`,
//! `GET|POST /v2/groups/{id}/members`, `DELETE /v2/groups/{id}/members/{memberId}`. A user's
//! memberships are its `group_ids`, as `GET /v2/users/{id}` shows them.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::api::admit;
use crate::errors::ApiError;
use crate::faults::Endpoint;
use crate::paging::{envelope, next_token, PageQuery};
use crate::rate_limits::Category;
use crate::seed::{Group, User};
use crate::state::{Inner, Shared};

const LIST: [&str; 3] = ["group:read:admin", "group:write:admin", "group:read:list_groups:admin"];
const GET: [&str; 3] = ["group:read:admin", "group:write:admin", "group:read:group:admin"];
const MEMBERS: [&str; 3] = ["group:read:admin", "group:write:admin", "group:read:list_members:admin"];
const ADD: [&str; 2] = ["group:write:admin", "group:write:member:admin"];
const REMOVE: [&str; 2] = ["group:write:admin", "group:delete:member:admin"];

/// `GET /v2/groups/{id}/members`: 30 a page unless asked, at most 300.
const MEMBERS_DEFAULT: usize = 30;
const MEMBERS_MAX: usize = 300;
/// `POST /v2/groups/{id}/members` adds at most 30 members a call.
pub const ADD_MAX: usize = 30;

/// The group of the caller's account: another account's is 1010, none 4130 (docs/zoom.md, Groups).
fn group<'a>(inner: &'a Inner, caller: &User, id: &str) -> Result<&'a Group, Response> {
    match inner.seed.groups.iter().find(|g| g.id == id) {
        Some(g) if g.account_id == caller.account_id => Ok(g),
        Some(_) => Err(ApiError::bad_request(1010, "Group does not belong to your account.").into_response()),
        None => Err(ApiError::not_found(4130, format!("A group with this {id} does not exist.")).into_response()),
    }
}

/// Groups are for paid accounts: a Free one gets Zoom's code 200.
fn paid(inner: &Inner, caller: &User) -> Result<(), Response> {
    match inner.seed.account(&caller.account_id) {
        Some(a) if a.plan == "free" || a.plan == "basic" => {
            Err(ApiError::bad_request(200, format!("Only available for paid account,{}.", caller.account_id)).into_response())
        }
        _ => Ok(()),
    }
}

fn members<'a>(inner: &'a Inner, group_id: &str) -> Vec<&'a User> {
    inner.seed.users.iter().filter(|u| u.profile.group_ids.iter().any(|g| g == group_id)).collect()
}

fn shown(inner: &Inner, g: &Group) -> Value {
    json!({"id": g.id, "name": g.name, "total_members": members(inner, &g.id).len()})
}

/// `GET /v2/groups`: every group of the account at once, as Zoom answers it.
pub async fn list(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let (_, caller) = match admit(&shared, &headers, Endpoint::Groups, Category::Medium, &LIST, "group:read:list_groups:admin", true).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let inner = shared.lock();
    if let Err(res) = paid(&inner, &caller) {
        return res;
    }
    let groups: Vec<Value> = inner.seed.groups.iter().filter(|g| g.account_id == caller.account_id).map(|g| shown(&inner, g)).collect();
    Json(json!({"total_records": groups.len(), "groups": groups})).into_response()
}

pub async fn get(State(shared): State<Arc<Shared>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let (_, caller) = match admit(&shared, &headers, Endpoint::Groups, Category::Light, &GET, "group:read:group:admin", true).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let inner = shared.lock();
    if let Err(res) = paid(&inner, &caller) {
        return res;
    }
    match group(&inner, &caller, &id) {
        Ok(g) => Json(shown(&inner, g)).into_response(),
        Err(res) => res,
    }
}

pub async fn list_members(State(shared): State<Arc<Shared>>, headers: HeaderMap, Path(id): Path<String>, Query(q): Query<PageQuery>) -> Response {
    let (_, caller) = match admit(&shared, &headers, Endpoint::Groups, Category::Medium, &MEMBERS, "group:read:list_members:admin", true).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let now = shared.clock.now();
    let scope = format!("members:{id}");
    let page = match q.page(&scope, MEMBERS_DEFAULT, MEMBERS_MAX, now) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let inner = shared.lock();
    if let Err(res) = paid(&inner, &caller) {
        return res;
    }
    if let Err(res) = group(&inner, &caller, &id) {
        return res;
    }
    let all = members(&inner, &id);
    let items = all
        .iter()
        .skip(page.offset)
        .take(page.size)
        .map(|u| json!({"id": u.id, "email": u.email, "first_name": u.first_name, "last_name": u.last_name, "type": u.user_type}))
        .collect();
    let next = next_token(&scope, page.offset, page.size, all.len(), now);
    Json(envelope("members", items, &page, all.len(), next)).into_response()
}

/// `POST /v2/groups/{id}/members` `{"members": [{"id"} or {"email"}, …]}`, at most 30 (an id
/// wins over an email); answers 201 `{"ids": "a,b", "added_at"}`. Someone already in the group
/// is no error.
pub async fn add_members(State(shared): State<Arc<Shared>>, headers: HeaderMap, Path(id): Path<String>, body: Bytes) -> Response {
    let (_, caller) = match admit(&shared, &headers, Endpoint::Groups, Category::Medium, &ADD, "group:write:member:admin", true).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let Some(wanted) = serde_json::from_slice::<Value>(&body).ok().and_then(|v| v.get("members").and_then(Value::as_array).cloned()) else {
        return ApiError::bad_request(300, "Invalid field: members.").into_response();
    };
    if wanted.is_empty() || wanted.len() > ADD_MAX {
        return ApiError::bad_request(300, format!("Invalid field: members. Between 1 and {ADD_MAX} members a request.")).into_response();
    }
    let mut inner = shared.lock();
    if let Err(res) = paid(&inner, &caller) {
        return res;
    }
    if let Err(res) = group(&inner, &caller, &id) {
        return res;
    }
    let mut ids = Vec::new();
    for m in &wanted {
        let by_id = m.get("id").and_then(Value::as_str);
        let by_email = m.get("email").and_then(Value::as_str);
        let found = match (by_id, by_email) {
            (Some(i), _) => inner.user(i),
            (None, Some(e)) => inner.user_by_email(e),
            (None, None) => None,
        };
        match found.filter(|u| u.account_id == caller.account_id) {
            Some(u) => ids.push(u.id.clone()),
            None => {
                let key = by_id.or(by_email).unwrap_or("");
                return ApiError::not_found(1001, format!("User does not exist: {key}.")).into_response();
            }
        }
    }
    for user_id in &ids {
        inner.count_change(&format!("add {id}"), user_id);
    }
    for u in inner.seed.users.iter_mut().filter(|u| ids.contains(&u.id)) {
        if !u.profile.group_ids.contains(&id) {
            u.profile.group_ids.push(id.clone());
        }
    }
    let at = crate::faults::iso8601(shared.clock.now());
    (StatusCode::CREATED, Json(json!({"ids": ids.join(","), "added_at": at}))).into_response()
}

/// `DELETE /v2/groups/{id}/members/{memberId}` (an id or an email): 204. Removing someone not
/// in the group: Zoom documents nothing; the sandbox answers 404 in its own words.
pub async fn remove_member(State(shared): State<Arc<Shared>>, headers: HeaderMap, Path((id, member)): Path<(String, String)>) -> Response {
    let (_, caller) = match admit(&shared, &headers, Endpoint::Groups, Category::Light, &REMOVE, "group:delete:member:admin", true).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let mut inner = shared.lock();
    if let Err(res) = paid(&inner, &caller) {
        return res;
    }
    if let Err(res) = group(&inner, &caller, &id) {
        return res;
    }
    // The member is named by id or email.
    let Some(user) = inner.seed.users.iter_mut().find(|u| (u.id == member || u.email.eq_ignore_ascii_case(&member)) && u.account_id == caller.account_id)
    else {
        return ApiError::not_found(1001, format!("User does not exist: {member}.")).into_response();
    };
    let before = user.profile.group_ids.len();
    user.profile.group_ids.retain(|g| *g != id);
    if user.profile.group_ids.len() == before {
        return ApiError::not_found(4132, format!("Group member does not exist: {member}.")).into_response();
    }
    StatusCode::NO_CONTENT.into_response()
}
