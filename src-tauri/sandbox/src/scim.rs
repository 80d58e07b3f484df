//! SCIM 2 users (`/scim2/Users`): list with startIndex/count/`userName eq` filter, get, create,
//! patch (`"Operations"`), delete. Needs the `scim2` (classic) or `scim2:admin` (granular) scope,
//! a role that manages users, and SSO enabled on the account (docs/zoom.md, SCIM 2).

use std::sync::{Arc, LazyLock};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{authenticate, has_any_scope};
use crate::errors::scim_error;
use crate::faults::Endpoint;
use crate::rate_limits::Category;
use crate::seed::User;
use crate::state::{random_token, Shared};

pub static CONTENT_TYPE: LazyLock<HeaderValue> = LazyLock::new(|| HeaderValue::from_static("application/scim+json"));
const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ZOOM_SCHEMA: &str = "urn:us:zoom:scim:schemas:extension:1.0:ZoomUser";
const MAX_COUNT: usize = 100;

pub fn scim_json(status: StatusCode, body: Value) -> Response {
    let mut res = (status, Json(body)).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, CONTENT_TYPE.clone());
    res
}

fn user_type_name(t: u32) -> &'static str {
    match t {
        1 => "Basic",
        3 => "On-Prem",
        _ => "Licensed",
    }
}

fn user_type_number(name: &str) -> Option<u32> {
    match name {
        "Basic" => Some(1),
        "Licensed" => Some(2),
        "On-Prem" => Some(3),
        _ => None,
    }
}

fn resource(user: &User) -> Value {
    json!({
        "schemas": [USER_SCHEMA, ZOOM_SCHEMA],
        "id": user.id,
        "userName": user.email,
        "name": {"givenName": user.first_name, "familyName": user.last_name},
        "displayName": user.display_name(),
        "emails": [{"value": user.email, "primary": true, "type": "work"}],
        "userType": user_type_name(user.user_type),
        "active": user.is_active(),
        ZOOM_SCHEMA: {"loginType": {"workEmail": true, "sso": true}},
        "meta": {"resourceType": "User"},
    })
}

/// Authentication and the SCIM prerequisites; the caller's account id.
pub fn admit(shared: &Shared, headers: &HeaderMap, category: Category) -> Result<String, Response> {
    let (grant, user) = authenticate(shared, headers, category)?;
    if !has_any_scope(&grant, &["scim2", "scim2:admin"]) {
        return Err(scim_error(StatusCode::FORBIDDEN, "Invalid access token, does not contain scopes:[scim2] (4711)."));
    }
    if !user.can_manage_users() {
        return Err(scim_error(StatusCode::FORBIDDEN, "Only account owners, admins and roles that manage users can use SCIM."));
    }
    // The account's prerequisites (docs/zoom.md, SCIM 2). Zoom documents the requirements, not
    // its answers: the SSO one is as others report it, the plan's and the vanity URL's are the
    // sandbox's own words.
    let account = shared.lock().seed.account(&user.account_id).cloned();
    let Some(account) = account else {
        return Err(scim_error(StatusCode::FORBIDDEN, "Account not found."));
    };
    if !["business", "education", "enterprise"].contains(&account.plan.as_str()) {
        return Err(scim_error(StatusCode::FORBIDDEN, "SCIM is available to Business and Education accounts only."));
    }
    if account.vanity_url.is_none() {
        return Err(scim_error(StatusCode::BAD_REQUEST, "Account does not have an approved vanity URL."));
    }
    if !account.sso_enabled {
        return Err(scim_error(StatusCode::BAD_REQUEST, "Account has not enabled Single Sign-On"));
    }
    Ok(user.account_id)
}

macro_rules! admitted {
    ($shared:expr, $headers:expr, $category:expr) => {{
        if let Some(fault) = $shared.inject(Endpoint::Scim).await {
            return fault;
        }
        match $crate::scim::admit(&$shared, &$headers, $category) {
            Ok(account) => account,
            Err(res) => return res,
        }
    }};
}
pub(crate) use admitted;

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(rename = "startIndex")]
    start_index: Option<usize>,
    count: Option<usize>,
    filter: Option<String>,
}

/// `ATTR eq "value"` for `attr` (`userName` for users, `displayName` for groups): the one filter
/// Zoom documents for each.
pub fn parse_filter(filter: &str, attr: &str) -> Option<String> {
    let (name, rest) = filter.trim().split_once(' ')?;
    let (op, value) = rest.trim_start().split_once(' ')?;
    if !name.eq_ignore_ascii_case(attr) || !op.eq_ignore_ascii_case("eq") {
        return None;
    }
    value.trim().strip_prefix('"')?.strip_suffix('"').map(String::from)
}

/// SCIM's ListResponse of one page: `startIndex` from 1, `count` at most `MAX_COUNT`.
pub fn list_page<T>(matching: &[T], start_index: Option<usize>, count: Option<usize>, resource: impl Fn(&T) -> Value) -> Response {
    let start = start_index.unwrap_or(1).max(1);
    let count = count.unwrap_or(MAX_COUNT).min(MAX_COUNT);
    let page: Vec<Value> = matching.iter().skip(start - 1).take(count).map(resource).collect();
    scim_json(
        StatusCode::OK,
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": matching.len(),
            "startIndex": start,
            "itemsPerPage": page.len(),
            "Resources": page,
        }),
    )
}

pub async fn list(State(shared): State<Arc<Shared>>, headers: HeaderMap, Query(q): Query<ListQuery>) -> Response {
    let account = admitted!(shared, headers, Category::Medium);
    let wanted = match q.filter.as_deref().map(|f| parse_filter(f, "userName")) {
        Some(None) => return scim_error(StatusCode::BAD_REQUEST, "Invalid filter: only userName eq \"…\" is supported"),
        Some(Some(v)) => Some(v),
        None => None,
    };
    let inner = shared.lock();
    let matching: Vec<&User> =
        inner.seed.users.iter().filter(|u| u.account_id == account).filter(|u| wanted.as_ref().is_none_or(|w| u.email.eq_ignore_ascii_case(w))).collect();
    list_page(&matching, q.start_index, q.count, |u| resource(u))
}

fn not_found() -> Response {
    scim_error(StatusCode::NOT_FOUND, "User does not exist")
}

pub async fn get(State(shared): State<Arc<Shared>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let account = admitted!(shared, headers, Category::Light);
    let inner = shared.lock();
    match inner.user(&id) {
        Some(u) if u.account_id == account => scim_json(StatusCode::OK, resource(u)),
        _ => not_found(),
    }
}

pub fn parse_json(body: &[u8]) -> Result<Value, Response> {
    serde_json::from_slice(body).map_err(|_| scim_error(StatusCode::BAD_REQUEST, "The request body is not valid JSON"))
}

pub async fn create(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let account = admitted!(shared, headers, Category::Light);
    let body = match parse_json(&body) {
        Ok(v) => v,
        Err(res) => return res,
    };
    let Some(email) = body.get("userName").and_then(Value::as_str).filter(|e| e.contains('@')) else {
        return scim_error(StatusCode::BAD_REQUEST, "userName (an email address) is required");
    };
    let user_type = match body.get("userType").and_then(Value::as_str) {
        None => 1,
        Some(name) => match user_type_number(name) {
            Some(t) => t,
            None => return scim_error(StatusCode::BAD_REQUEST, "userType must be Basic, Licensed or On-Prem"),
        },
    };
    let mut inner = shared.lock();
    if inner.user_by_email(email).is_some() {
        return scim_error(StatusCode::CONFLICT, "User already exists");
    }
    let name = |field: &str| body.pointer(&format!("/name/{field}")).and_then(Value::as_str).unwrap_or("").to_string();
    let user = User {
        id: random_token("usr_", 16),
        account_id: account,
        email: email.to_string(),
        password: String::new(),
        first_name: name("givenName"),
        last_name: name("familyName"),
        role_name: "Member".into(),
        role_id: "2".into(),
        manage_users: None,
        user_type,
        status: if body.get("active").and_then(Value::as_bool) == Some(false) { "inactive" } else { "active" }.into(),
        google: None,
        facebook: None,
        profile: crate::seed::Profile::default(),
    };
    let res = resource(&user);
    inner.seed.users.push(user);
    scim_json(StatusCode::CREATED, res)
}

/// Applies one replace/add operation to a user.
fn apply(inner: &mut crate::state::Inner, id: &str, path: Option<&str>, value: &Value) -> Result<(), Response> {
    let bad = |msg: &str| scim_error(StatusCode::BAD_REQUEST, msg);
    match path {
        None => {
            let obj = value.as_object().ok_or_else(|| bad("A value without a path must be an object"))?;
            for (k, v) in obj {
                if k == "name" {
                    let name = v.as_object().ok_or_else(|| bad("name must be an object"))?;
                    for (nk, nv) in name {
                        apply(inner, id, Some(&format!("name.{nk}")), nv)?;
                    }
                } else {
                    apply(inner, id, Some(k), v)?;
                }
            }
            Ok(())
        }
        Some("active") => {
            let active = value.as_bool().ok_or_else(|| bad("active must be true or false"))?;
            if active {
                if let Some(u) = inner.seed.users.iter_mut().find(|u| u.id == id) {
                    u.status = "active".into();
                }
            } else {
                inner.deactivate(id);
            }
            Ok(())
        }
        Some(field @ ("name.givenName" | "name.familyName" | "userType")) => {
            let text = value.as_str().ok_or_else(|| bad("the value must be a string"))?;
            let user_type =
                if field == "userType" { Some(user_type_number(text).ok_or_else(|| bad("userType must be Basic, Licensed or On-Prem"))?) } else { None };
            let u = inner.seed.users.iter_mut().find(|u| u.id == id).ok_or_else(not_found)?;
            match (field, user_type) {
                ("userType", Some(t)) => u.user_type = t,
                ("name.givenName", _) => u.first_name = text.into(),
                _ => u.last_name = text.into(),
            }
            Ok(())
        }
        Some(other) => Err(bad(&format!("Unsupported path {other}"))),
    }
}

pub async fn patch(State(shared): State<Arc<Shared>>, headers: HeaderMap, Path(id): Path<String>, body: Bytes) -> Response {
    let account = admitted!(shared, headers, Category::Light);
    let body = match parse_json(&body) {
        Ok(v) => v,
        Err(res) => return res,
    };
    // Zoom insists on this exact spelling.
    let Some(ops) = body.get("Operations").and_then(Value::as_array) else {
        return scim_error(StatusCode::BAD_REQUEST, "Operations is required");
    };
    let mut inner = shared.lock();
    if inner.user(&id).is_none_or(|u| u.account_id != account) {
        return not_found();
    }
    for op in ops {
        let kind = op.get("op").and_then(Value::as_str).unwrap_or("").to_ascii_lowercase();
        if kind != "replace" && kind != "add" {
            return scim_error(StatusCode::BAD_REQUEST, "Only replace and add operations are supported");
        }
        let value = op.get("value").unwrap_or(&Value::Null);
        if let Err(res) = apply(&mut inner, &id, op.get("path").and_then(Value::as_str), value) {
            return res;
        }
    }
    match inner.user(&id) {
        Some(u) => scim_json(StatusCode::OK, resource(u)),
        None => not_found(),
    }
}

pub async fn delete(State(shared): State<Arc<Shared>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let account = admitted!(shared, headers, Category::Light);
    let mut inner = shared.lock();
    if inner.user(&id).is_none_or(|u| u.account_id != account) {
        return not_found();
    }
    // The user's grants end with the user (4735 on their next refresh).
    inner.deactivate(&id);
    inner.seed.users.retain(|u| u.id != id);
    StatusCode::NO_CONTENT.into_response()
}
