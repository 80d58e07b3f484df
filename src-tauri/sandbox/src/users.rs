//! The REST API's users (docs/zoom.md, Users): `GET /v2/users/me`, `GET /v2/users` (every page),
//! `GET|PATCH|DELETE /v2/users/{userId}` (an id, an email or `me`), `POST /v2/users`,
//! `PUT /v2/users/{userId}/status`. Each with its rate-limit category, scopes and Zoom's errors.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::admit;
use crate::errors::ApiError;
use crate::faults::Endpoint;
use crate::paging::{envelope, next_token, PageQuery};
use crate::rate_limits::Category;
use crate::seed::{Profile, User};
use crate::state::{random_token, Inner, Shared};

/// Scopes that read one user (a classic write scope includes read; `user:read:user` only `me`).
const READ: [&str; 6] = ["user:read", "user:read:admin", "user:write", "user:write:admin", "user:read:user", "user:read:user:admin"];
const READ_ANY: [&str; 3] = ["user:read:admin", "user:write:admin", "user:read:user:admin"];
const LIST: [&str; 3] = ["user:read:admin", "user:write:admin", "user:read:list_users:admin"];
const CREATE: [&str; 2] = ["user:write:admin", "user:write:user:admin"];
const UPDATE: [&str; 2] = ["user:write:admin", "user:update:user:admin"];
const STATUS: [&str; 2] = ["user:write:admin", "user:update:status:admin"];
const DELETE: [&str; 2] = ["user:write:admin", "user:delete:user:admin"];

/// `GET /v2/users`: 30 a page unless asked, at most 300 (docs/zoom.md, Users).
pub const LIST_DEFAULT: usize = 30;
pub const LIST_MAX: usize = 300;
/// When a seed does not say when a user was created.
const CREATED_AT: &str = "2024-01-15T09:00:00Z";

fn created_at(user: &User) -> &str {
    if user.profile.created_at.is_empty() {
        CREATED_AT
    } else {
        &user.profile.created_at
    }
}

/// A user's Personal Meeting ID: the seed's, else ten digits derived from the id.
fn pmi(user: &User) -> u64 {
    if user.profile.pmi != 0 {
        return user.profile.pmi;
    }
    let h = user.id.bytes().fold(1_469_598_103_934_665_603u64, |h, b| (h ^ u64::from(b)).wrapping_mul(1_099_511_628_211));
    1_000_000_000 + h % 9_000_000_000
}

/// A user as `GET /v2/users` lists them: a pending user without an `id` (docs/zoom.md, Users).
pub fn listed(user: &User) -> Value {
    let p = &user.profile;
    if user.status == "pending" {
        return json!({"email": user.email, "type": user.user_type, "status": "pending", "created_at": created_at(user), "role_id": user.role_id});
    }
    let mut v = json!({
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "display_name": user.display_name(),
        "email": user.email,
        "type": user.user_type,
        "pmi": pmi(user),
        "timezone": p.timezone,
        "verified": p.verified,
        "dept": p.dept,
        "created_at": created_at(user),
        "user_created_at": created_at(user),
        "language": if p.language.is_empty() { "en-US" } else { &p.language },
        "phone_number": p.phone_number,
        "status": user.status,
        "role_id": user.role_id,
        "group_ids": p.group_ids,
    });
    if let Some(at) = &p.last_login_time {
        v["last_login_time"] = json!(at);
        v["last_client_version"] = json!("6.2.11.50000(mac)");
    }
    v
}

/// A user as `GET /v2/users/{userId}` shows them: the list's fields and more.
pub fn detailed(user: &User, account_number: u64) -> Value {
    let mut v = listed(user);
    let p = &user.profile;
    for (k, val) in [
        ("role_name", json!(user.role_name)),
        ("account_id", json!(user.account_id)),
        ("account_number", json!(account_number)),
        ("job_title", json!(p.job_title)),
        ("location", json!(p.location)),
        ("company", json!(p.company)),
        ("use_pmi", json!(false)),
        ("personal_meeting_url", json!(format!("https://zoom.us/j/{}", pmi(user)))),
        ("login_types", json!([100])),
    ] {
        v[k] = val;
    }
    v
}

/// The user named in a path (an id, an email, or `me`) within the caller's account.
fn find<'a>(inner: &'a Inner, caller: &User, key: &str) -> Result<&'a User, Response> {
    let found = if key == "me" {
        inner.user(&caller.id)
    } else if key.contains('@') {
        inner.user_by_email(key)
    } else {
        inner.user(key)
    };
    found.filter(|u| u.account_id == caller.account_id).ok_or_else(|| not_found(key))
}

fn not_found(key: &str) -> Response {
    ApiError::not_found(1001, format!("User does not exist: {key}.")).into_response()
}

fn json_body(body: &[u8]) -> Result<Value, Response> {
    serde_json::from_slice::<Value>(body)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| ApiError::bad_request(300, "Request Body should be a valid JSON object.").into_response())
}

pub async fn users_me(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let (_, user) = match admit(&shared, &headers, Endpoint::UsersMe, Category::Light, &READ, "user:read:admin", false).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    if user.status == "pending" {
        // Zoom returns only these two fields for a pending user.
        return Json(json!({"id": user.id, "created_at": created_at(&user)})).into_response();
    }
    let account_number = shared.lock().seed.account(&user.account_id).map(|a| a.account_number).unwrap_or(0);
    Json(detailed(&user, account_number)).into_response()
}

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    role_id: Option<String>,
    #[serde(flatten)]
    page: PageQuery,
}

/// `GET /v2/users`: the account's users of one status, for a role that may manage them.
pub async fn list(State(shared): State<Arc<Shared>>, headers: HeaderMap, Query(q): Query<ListQuery>) -> Response {
    let (_, caller) = match admit(&shared, &headers, Endpoint::UsersList, Category::Medium, &LIST, "user:read:list_users:admin", true).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let status = q.status.unwrap_or_else(|| "active".into());
    if !["active", "inactive", "pending"].contains(&status.as_str()) {
        return ApiError::bad_request(300, "Invalid field: status.").into_response();
    }
    let now = shared.clock.now();
    let scope = format!("users:{}:{status}:{}", caller.account_id, q.role_id.as_deref().unwrap_or(""));
    let page = match q.page.page(&scope, LIST_DEFAULT, LIST_MAX, now) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let inner = shared.lock();
    let all: Vec<&User> = inner
        .seed
        .users
        .iter()
        .filter(|u| u.account_id == caller.account_id && u.status == status && q.role_id.as_ref().is_none_or(|r| &u.role_id == r))
        .collect();
    let items = all.iter().skip(page.offset).take(page.size).map(|u| listed(u)).collect();
    let next = next_token(&scope, page.offset, page.size, all.len(), now);
    let mut body = envelope("users", items, &page, all.len(), next);
    body["page_number"] = json!(page.offset / page.size + 1);
    Json(body).into_response()
}

pub async fn get(State(shared): State<Arc<Shared>>, headers: HeaderMap, Path(key): Path<String>) -> Response {
    let (grant, caller) = match admit(&shared, &headers, Endpoint::Users, Category::Light, &READ, "user:read:user:admin", false).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let inner = shared.lock();
    let user = match find(&inner, &caller, &key) {
        Ok(u) => u,
        Err(res) => return res,
    };
    if user.id != caller.id {
        if !crate::api::has_any_scope(&grant, &READ_ANY) {
            return ApiError::missing_scope(&["user:read:user:admin"]).into_response();
        }
        if !caller.can_manage_users() {
            return ApiError::no_permission().into_response();
        }
    }
    if user.status == "pending" {
        return Json(json!({"id": user.id, "email": user.email, "type": user.user_type, "status": "pending", "created_at": created_at(user)})).into_response();
    }
    let account_number = inner.seed.account(&user.account_id).map(|a| a.account_number).unwrap_or(0);
    Json(detailed(user, account_number)).into_response()
}

/// Zoom's user types that can be given: 1 Basic, 2 Licensed, 4 Unassigned, 99 None.
fn valid_type(t: u64) -> bool {
    matches!(t, 1 | 2 | 4 | 99)
}

/// `POST /v2/users` `{action, user_info: {email, type, first_name, last_name, display_name}}`.
/// `create` invites (the user is pending until they accept); `autoCreate`, `custCreate` and
/// `ssoCreate` make an active user at once.
pub async fn create(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let (_, caller) = match admit(&shared, &headers, Endpoint::Users, Category::Light, &CREATE, "user:write:user:admin", true).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let body = match json_body(&body) {
        Ok(v) => v,
        Err(res) => return res,
    };
    let action = body.get("action").and_then(Value::as_str).unwrap_or("");
    if !["create", "autoCreate", "custCreate", "ssoCreate"].contains(&action) {
        return ApiError::bad_request(300, "Invalid field: action.").into_response();
    }
    let info = body.get("user_info").cloned().unwrap_or(Value::Null);
    let Some(email) = info.get("email").and_then(Value::as_str).map(str::trim).filter(|e| valid_email(e)) else {
        return ApiError::bad_request(300, "Invalid field: user_info.email.").into_response();
    };
    let user_type = info.get("type").and_then(Value::as_u64).unwrap_or(0);
    if !valid_type(user_type) {
        return ApiError::bad_request(300, "Invalid field: user_info.type.").into_response();
    }
    let text = |k: &str| info.get(k).and_then(Value::as_str).unwrap_or("").chars().take(64).collect::<String>();
    let mut inner = shared.lock();
    if action == "ssoCreate" && !inner.seed.account(&caller.account_id).is_some_and(|a| a.sso_enabled) {
        return ApiError::bad_request(2002, "SSO has not been enabled for this account.").into_response();
    }
    if let Some(existing) = inner.user_by_email(email) {
        return if existing.account_id == caller.account_id {
            ApiError::conflict(1005, format!("Email \"{email}\" has already been used.")).into_response()
        } else {
            ApiError::bad_request(1009, format!("The user {email} already holds an active account.")).into_response()
        };
    }
    let user = User {
        id: random_token("", 22),
        account_id: caller.account_id.clone(),
        email: email.to_string(),
        password: String::new(),
        first_name: text("first_name"),
        last_name: text("last_name"),
        role_name: "Member".into(),
        role_id: "2".into(),
        manage_users: None,
        user_type: user_type as u32,
        status: if action == "create" { "pending" } else { "active" }.into(),
        google: None,
        facebook: None,
        profile: Profile { created_at: crate::faults::iso8601(shared.clock.now()), ..Profile::default() },
    };
    let answer = json!({"id": user.id, "first_name": user.first_name, "last_name": user.last_name, "email": user.email, "type": user.user_type});
    inner.seed.users.push(user);
    (StatusCode::CREATED, Json(answer)).into_response()
}

fn valid_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else { return false };
    !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && e.len() <= 128 && !e.contains(char::is_whitespace)
}

/// `PATCH /v2/users/{userId}`: the fields Zoom lets an admin change; others are ignored, as
/// Zoom ignores unknown fields.
pub async fn update(State(shared): State<Arc<Shared>>, headers: HeaderMap, Path(key): Path<String>, body: Bytes) -> Response {
    let (_, caller) = match admit(&shared, &headers, Endpoint::Users, Category::Light, &UPDATE, "user:update:user:admin", true).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let body = match json_body(&body) {
        Ok(v) => v,
        Err(res) => return res,
    };
    let mut inner = shared.lock();
    let id = match find(&inner, &caller, &key) {
        Ok(u) => u.id.clone(),
        Err(res) => return res,
    };
    if let Some(t) = body.get("type") {
        if !t.as_u64().is_some_and(valid_type) {
            return ApiError::bad_request(300, "Invalid field: type.").into_response();
        }
    }
    if let Some(pmi) = body.get("pmi") {
        if !pmi.as_u64().is_some_and(|p| (1_000_000_000..=9_999_999_999).contains(&p)) {
            return ApiError::bad_request(300, "Invalid field: pmi.").into_response();
        }
    }
    for (k, v) in body.as_object().into_iter().flatten() {
        let is_text = ["first_name", "last_name", "dept", "job_title", "timezone", "language", "phone_number", "location", "company"].contains(&k.as_str());
        if is_text && !v.is_string() {
            return ApiError::bad_request(300, format!("Invalid field: {k}.")).into_response();
        }
    }
    inner.count_change("update", &id);
    let Some(user) = inner.seed.users.iter_mut().find(|u| u.id == id) else { return not_found(&key) };
    for (k, v) in body.as_object().into_iter().flatten() {
        let text = v.as_str().unwrap_or("").chars().take(128).collect::<String>();
        match k.as_str() {
            "first_name" => user.first_name = text,
            "last_name" => user.last_name = text,
            "dept" => user.profile.dept = text,
            "job_title" => user.profile.job_title = text,
            "timezone" => user.profile.timezone = text,
            "language" => user.profile.language = text,
            "phone_number" => user.profile.phone_number = text,
            "location" => user.profile.location = text,
            "company" => user.profile.company = text,
            "type" => user.user_type = v.as_u64().unwrap_or(1) as u32,
            "pmi" => user.profile.pmi = v.as_u64().unwrap_or(0),
            _ => {}
        }
    }
    StatusCode::NO_CONTENT.into_response()
}

/// `PUT /v2/users/{userId}/status` `{"action": "activate" | "deactivate"}`.
pub async fn status(State(shared): State<Arc<Shared>>, headers: HeaderMap, Path(key): Path<String>, body: Bytes) -> Response {
    let (_, caller) = match admit(&shared, &headers, Endpoint::Users, Category::Light, &STATUS, "user:update:status:admin", true).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let body = match json_body(&body) {
        Ok(v) => v,
        Err(res) => return res,
    };
    let action = body.get("action").and_then(Value::as_str).unwrap_or("");
    let mut inner = shared.lock();
    let user = match find(&inner, &caller, &key) {
        Ok(u) => u.clone(),
        Err(res) => return res,
    };
    if user.status == "pending" {
        // Zoom documents nothing for a pending user here; these are the sandbox's words.
        return ApiError::bad_request(300, "A pending user cannot be activated or deactivated; delete the invitation instead.").into_response();
    }
    if user.is_admin() && (action == "activate" || action == "deactivate") {
        return ApiError::bad_request(200, "Zoom Room and Admin users' status cannot be activated or deactivated.").into_response();
    }
    match action {
        "deactivate" => {
            inner.count_change(action, &user.id);
            inner.deactivate(&user.id);
        }
        "activate" => {
            inner.count_change(action, &user.id);
            if let Some(u) = inner.seed.users.iter_mut().find(|u| u.id == user.id) {
                u.status = "active".into();
            }
        }
        _ => return ApiError::bad_request(300, "Invalid field: action.").into_response(),
    }
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
pub struct DeleteQuery {
    action: Option<String>,
}

/// `DELETE /v2/users/{userId}?action=disassociate|delete`: `disassociate` (the default) takes
/// the user out of the account, who keeps a free Zoom account of their own; `delete` removes
/// the user and their data for good. Either way the user leaves this account and their grants
/// end.
pub async fn delete(State(shared): State<Arc<Shared>>, headers: HeaderMap, Path(key): Path<String>, Query(q): Query<DeleteQuery>) -> Response {
    let (_, caller) = match admit(&shared, &headers, Endpoint::Users, Category::Light, &DELETE, "user:delete:user:admin", true).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let action = q.action.unwrap_or_else(|| "disassociate".into());
    if action != "disassociate" && action != "delete" {
        return ApiError::bad_request(300, "Invalid field: action.").into_response();
    }
    let mut inner = shared.lock();
    let user = match find(&inner, &caller, &key) {
        Ok(u) => u.clone(),
        Err(res) => return res,
    };
    if user.is_admin() {
        // Disassociating an admin is Zoom's 1117; deleting one is refused by the same rule (an
        // admin is made a member first, docs/zoom.md, Users): the second message is the sandbox's.
        let message =
            if action == "disassociate" { "You can not disassociate an Admin user." } else { "You can not delete an Admin user; make them a member first." };
        return ApiError::bad_request(1117, message).into_response();
    }
    if user.status == "pending" && action == "delete" {
        // Zoom: "To delete pending user in the account, use disassociate" (the words are the sandbox's).
        return ApiError::bad_request(300, "To delete a pending user, use action=disassociate.").into_response();
    }
    // A disassociated user goes on as a free Zoom account of their own, outside every account
    // the sandbox models: here both leave the account, and their grants end.
    inner.count_change(&action, &user.id);
    inner.deactivate(&user.id);
    inner.seed.users.retain(|u| u.id != user.id);
    StatusCode::NO_CONTENT.into_response()
}
