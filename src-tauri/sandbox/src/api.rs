//! The REST API: bearer authentication, the per-account rate limits shared by every app on the
//! account (per second and, when set, per day), `GET /v2/users/me` and `GET /v2/users`.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::errors::ApiError;
use crate::faults::{daily_limited, rate_limited, Endpoint};
use crate::seed::User;
use crate::state::{Grant, Shared};

/// Scopes that allow reading the caller's own user (a classic write scope includes read).
const USER_READ_SCOPES: [&str; 6] = ["user:read", "user:read:admin", "user:write", "user:write:admin", "user:read:user", "user:read:user:admin"];
/// Scopes that allow listing the account's users.
const USER_LIST_SCOPES: [&str; 3] = ["user:read:admin", "user:write:admin", "user:read:list_users:admin"];

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The caller's grant and user, after the token check and the account's rate limit.
pub fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<(Grant, User), Response> {
    let token = bearer(headers).ok_or_else(|| ApiError::invalid_token().into_response())?;
    let now = shared.clock.now();
    let mut inner = shared.lock();
    let (grant, user) = inner.authenticate(token, now).map_err(IntoResponse::into_response)?;
    // Rate limits are real requests per real second, whatever the sandbox clock says.
    let second = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let limit = inner.seed.account(&user.account_id).map(|a| a.qps_limit).unwrap_or(u32::MAX);
    let window = inner.rate_windows.entry(user.account_id.clone()).or_insert((second, 0));
    if window.0 != second {
        *window = (second, 0);
    }
    if window.1 >= limit {
        // Zoom's per-second answers may carry no Retry-After (docs/zoom.md, Rate limits).
        return Err(rate_limited(limit, None));
    }
    window.1 += 1;
    if let Some(daily) = inner.seed.account(&user.account_id).and_then(|a| a.daily_limit) {
        let day = now.div_euclid(86_400);
        let window = inner.daily_windows.entry(user.account_id.clone()).or_insert((day, 0));
        if window.0 != day {
            *window = (day, 0);
        }
        if window.1 >= daily {
            return Err(daily_limited(now));
        }
        window.1 += 1;
    }
    Ok((grant, user))
}

pub fn has_any_scope(grant: &Grant, wanted: &[&str]) -> bool {
    grant.scopes.iter().any(|s| wanted.contains(&s.as_str()))
}

pub async fn users_me(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Some(fault) = shared.inject(Endpoint::UsersMe).await {
        return fault;
    }
    let (grant, user) = match authenticate(&shared, &headers) {
        Ok(x) => x,
        Err(res) => return res,
    };
    if !has_any_scope(&grant, &USER_READ_SCOPES) {
        return ApiError::missing_scope(&["user:read:admin"]).into_response();
    }
    let account_number = shared.lock().seed.account(&user.account_id).map(|a| a.account_number).unwrap_or(0);
    let created_at = "2024-01-15T09:00:00Z";
    if user.status == "pending" {
        // Zoom returns only these two fields for a pending user.
        return Json(json!({"id": user.id, "created_at": created_at})).into_response();
    }
    Json(json!({
        "id": user.id,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "display_name": user.display_name(),
        "type": user.user_type,
        "role_name": user.role_name,
        "role_id": user.role_id,
        "account_id": user.account_id,
        "account_number": account_number,
        "status": user.status,
        "created_at": created_at,
        "timezone": "UTC",
        "language": "en-US",
    }))
    .into_response()
}

#[derive(serde::Deserialize)]
pub struct ListQuery {
    page_size: Option<usize>,
    status: Option<String>,
}

/// `GET /v2/users`: the account's users, for a role that may view them.
pub async fn users_list(State(shared): State<Arc<Shared>>, headers: HeaderMap, axum::extract::Query(q): axum::extract::Query<ListQuery>) -> Response {
    if let Some(fault) = shared.inject(Endpoint::UsersList).await {
        return fault;
    }
    let (grant, user) = match authenticate(&shared, &headers) {
        Ok(x) => x,
        Err(res) => return res,
    };
    if !has_any_scope(&grant, &USER_LIST_SCOPES) {
        return ApiError::missing_scope(&["user:read:list_users:admin"]).into_response();
    }
    if !user.can_manage_users() {
        return ApiError::no_permission().into_response();
    }
    let status = q.status.unwrap_or_else(|| "active".into());
    let page_size = q.page_size.unwrap_or(30).clamp(1, 300);
    let inner = shared.lock();
    let all: Vec<&User> = inner.seed.users.iter().filter(|u| u.account_id == user.account_id && u.status == status).collect();
    let users: Vec<serde_json::Value> = all
        .iter()
        .take(page_size)
        .map(|u| json!({"id": u.id, "email": u.email, "first_name": u.first_name, "last_name": u.last_name, "type": u.user_type, "role_id": u.role_id, "status": u.status}))
        .collect();
    Json(json!({
        "page_count": all.len().div_ceil(page_size),
        "page_number": 1,
        "page_size": page_size,
        "total_records": all.len(),
        "next_page_token": "",
        "users": users,
    }))
    .into_response()
}
