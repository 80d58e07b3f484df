//! The REST API's common part: bearer authentication, the account's rate limit of the endpoint's
//! category (`rate_limits.rs`), scope checks, and the admission every `/v2` handler starts with.

use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};

use crate::errors::ApiError;
use crate::faults::Endpoint;
use crate::rate_limits::Category;
use crate::seed::User;
use crate::state::{Grant, Shared};

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The caller's grant and user, after the token check and the account's rate limit of the
/// endpoint's category.
pub fn authenticate(shared: &Shared, headers: &HeaderMap, category: Category) -> Result<(Grant, User), Response> {
    let token = bearer(headers).ok_or_else(|| ApiError::invalid_token().into_response())?;
    let now = shared.clock.now();
    let mut guard = shared.lock();
    // Counting calls and rate windows changes nothing worth saving (state.rs, `untracked`).
    let inner = guard.untracked();
    let (grant, user) = inner.authenticate(token, now).map_err(IntoResponse::into_response)?;
    crate::rate_limits::admit(inner, &user.account_id, category, now)?;
    Ok((grant, user))
}

pub fn has_any_scope(grant: &Grant, wanted: &[&str]) -> bool {
    grant.scopes.iter().any(|s| wanted.contains(&s.as_str()))
}

/// What a `/v2` handler needs: a fault injected for `endpoint`, then the token, the rate limit
/// of `category`, one of `scopes` (4711 naming `needed` otherwise) and, when `admin`, a role that
/// manages the account's users ("No permission.").
pub async fn admit(
    shared: &Shared,
    headers: &HeaderMap,
    endpoint: Endpoint,
    category: Category,
    scopes: &[&str],
    needed: &str,
    admin: bool,
) -> Result<(Grant, User), Response> {
    if let Some(fault) = shared.inject(endpoint).await {
        return Err(fault);
    }
    let (grant, user) = authenticate(shared, headers, category)?;
    if !has_any_scope(&grant, scopes) {
        return Err(ApiError::missing_scope(&[needed]).into_response());
    }
    if admin && !user.can_manage_users() {
        return Err(ApiError::no_permission().into_response());
    }
    Ok((grant, user))
}
