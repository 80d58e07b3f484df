//! SCIM 2 groups (`/scim2/Groups`, docs/zoom.md, SCIM 2): list (`startIndex`, `count`,
//! `filter=displayName eq "…"`), get (with `members`), and PATCH adding or removing members with
//! `"Operations"`. The same prerequisites as SCIM users (`scim::admit`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::errors::scim_error;
use crate::faults::Endpoint;
use crate::rate_limits::Category;
use crate::scim::{admitted, list_page, parse_filter, parse_json, scim_json};
use crate::seed::Group;
use crate::state::{Inner, Shared};

const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

fn resource(inner: &Inner, g: &Group) -> Value {
    let members: Vec<Value> =
        inner.seed.users.iter().filter(|u| u.profile.group_ids.contains(&g.id)).map(|u| json!({"value": u.id, "display": u.email})).collect();
    json!({
        "schemas": [GROUP_SCHEMA],
        "id": g.id,
        "displayName": g.name,
        "members": members,
        "meta": {"resourceType": "Group"},
    })
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(rename = "startIndex")]
    start_index: Option<usize>,
    count: Option<usize>,
    filter: Option<String>,
}

pub async fn list(State(shared): State<Arc<Shared>>, headers: HeaderMap, Query(q): Query<ListQuery>) -> Response {
    let account = admitted!(shared, headers, Category::Medium);
    let wanted = match q.filter.as_deref().map(|f| parse_filter(f, "displayName")) {
        Some(None) => return scim_error(StatusCode::BAD_REQUEST, "The current filter does not support the filter name; only displayName eq \"…\""),
        Some(Some(v)) => Some(v),
        None => None,
    };
    let inner = shared.lock();
    let matching: Vec<&Group> =
        inner.seed.groups.iter().filter(|g| g.account_id == account && wanted.as_ref().is_none_or(|w| g.name.eq_ignore_ascii_case(w))).collect();
    list_page(&matching, q.start_index, q.count, |g| resource(&inner, g))
}

fn not_found() -> Response {
    scim_error(StatusCode::NOT_FOUND, "Group does not exist.")
}

pub async fn get(State(shared): State<Arc<Shared>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let account = admitted!(shared, headers, Category::Light);
    let inner = shared.lock();
    match inner.seed.groups.iter().find(|g| g.id == id && g.account_id == account) {
        Some(g) => scim_json(StatusCode::OK, resource(&inner, g)),
        None => not_found(),
    }
}

/// The user ids an operation names: `value: [{"value": id}]` for add, and for remove either that
/// or a path `members[value eq "id"]`.
fn named_members(op: &Value) -> Option<Vec<String>> {
    if let Some(path) = op.get("path").and_then(Value::as_str) {
        if let Some(inner) = path.strip_prefix("members[").and_then(|p| p.strip_suffix(']')) {
            let (attr, rest) = inner.trim().split_once(' ')?;
            let (eq, value) = rest.trim().split_once(' ')?;
            if attr != "value" || !eq.eq_ignore_ascii_case("eq") {
                return None;
            }
            return Some(vec![value.trim().strip_prefix('"')?.strip_suffix('"')?.to_string()]);
        }
        if path != "members" {
            return None;
        }
    }
    op.get("value")?.as_array()?.iter().map(|m| m.get("value").and_then(Value::as_str).map(String::from)).collect()
}

pub async fn patch(State(shared): State<Arc<Shared>>, headers: HeaderMap, Path(id): Path<String>, body: Bytes) -> Response {
    let account = admitted!(shared, headers, Category::Light);
    let body = match parse_json(&body) {
        Ok(v) => v,
        Err(res) => return res,
    };
    let Some(ops) = body.get("Operations").and_then(Value::as_array) else {
        return scim_error(StatusCode::BAD_REQUEST, "Operations is required");
    };
    let mut inner = shared.lock();
    if !inner.seed.groups.iter().any(|g| g.id == id && g.account_id == account) {
        return not_found();
    }
    // Every operation is checked before any is applied: a refused request changes nothing.
    let mut changes = Vec::new();
    for op in ops {
        let kind = op.get("op").and_then(Value::as_str).unwrap_or("").to_ascii_lowercase();
        if kind != "add" && kind != "remove" {
            return scim_error(StatusCode::BAD_REQUEST, "Only add and remove of members are supported");
        }
        let Some(ids) = named_members(op) else {
            return scim_error(StatusCode::BAD_REQUEST, "The operation names no members");
        };
        for user_id in ids {
            if inner.user(&user_id).is_none_or(|u| u.account_id != account) {
                return scim_error(StatusCode::NOT_FOUND, "User does not exist");
            }
            changes.push((kind == "add", user_id));
        }
    }
    for (add, user_id) in changes {
        if let Some(u) = inner.seed.users.iter_mut().find(|u| u.id == user_id) {
            u.profile.group_ids.retain(|g| *g != id);
            if add {
                u.profile.group_ids.push(id.clone());
            }
        }
    }
    match inner.seed.groups.iter().find(|g| g.id == id) {
        Some(g) => scim_json(StatusCode::OK, resource(&inner, g)),
        None => not_found(),
    }
}
