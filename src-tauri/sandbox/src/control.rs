//! The control API under `/_sandbox/`, for tests and for people trying things out: inject
//! faults, move the clock, uninstall the app for a user, deactivate a user, mint a grant without
//! the pages, list grants with their counters, reset. Served only when asked for
//! (`SandboxConfig::control`), and only to a caller that shows this run's secret in the
//! `X-Sandbox-Control` header: a web page in the user's browser can reach 127.0.0.1, and with
//! DNS rebinding it could otherwise read every sandbox token or move the clock.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::faults::Fault;
use crate::state::{fingerprint, Inner, Shared};

/// The header that carries the control secret.
pub const SECRET_HEADER: &str = "x-sandbox-control";

/// Refuses every caller that is not on this machine or does not show this run's secret.
pub async fn authorized_only(State(shared): State<Arc<Shared>>, ConnectInfo(peer): ConnectInfo<SocketAddr>, request: Request, next: Next) -> Response {
    let shown = request.headers().get(SECRET_HEADER).map(|v| v.as_bytes());
    let expected = shared.control_secret.as_deref().map(str::as_bytes);
    let matches = match (shown, expected) {
        (Some(shown), Some(expected)) => constant_time_eq(shown, expected),
        _ => false,
    };
    if !peer.ip().is_loopback() || !matches {
        return (StatusCode::FORBIDDEN, "the sandbox control API needs this run's secret (X-Sandbox-Control)").into_response();
    }
    next.run(request).await
}

/// Compares without stopping at the first difference, so the time taken tells nothing.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn bad(msg: impl Into<String>) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": msg.into()}))).into_response()
}

/// The faults still armed: a test sees a call reach the sandbox when its fault is taken (a
/// `delay` is taken as the call arrives, before it sleeps).
pub async fn faults(State(shared): State<Arc<Shared>>) -> Response {
    Json(json!({"armed": shared.lock().faults})).into_response()
}

pub async fn add_fault(State(shared): State<Arc<Shared>>, Json(fault): Json<Fault>) -> Response {
    if fault.count == 0 {
        return bad("count must be at least 1");
    }
    let mut inner = shared.lock();
    inner.faults.push(fault);
    Json(json!({"armed": inner.faults})).into_response()
}

/// `DELETE /_sandbox/faults`: disarms every fault not yet taken.
pub async fn clear_faults(State(shared): State<Arc<Shared>>) -> Response {
    shared.lock().faults.clear();
    Json(json!({"armed": []})).into_response()
}

#[derive(Deserialize)]
pub struct Advance {
    seconds: i64,
}

pub async fn clock(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(json!({"now": shared.clock.now(), "offset": shared.clock.offset()}))
}

pub async fn advance_clock(State(shared): State<Arc<Shared>>, Json(a): Json<Advance>) -> Response {
    if !shared.clock.advance_within_bound(a.seconds) {
        return bad("the sandbox clock moves forward only, to at most ten years ahead in all");
    }
    clock(State(shared)).await.into_response()
}

/// A user named by id or email.
#[derive(Deserialize)]
pub struct UserRef {
    user_id: Option<String>,
    email: Option<String>,
    client_id: Option<String>,
}

fn resolve_user(inner: &Inner, r: &UserRef) -> Option<String> {
    match (&r.user_id, &r.email) {
        (Some(id), _) => inner.user(id).map(|u| u.id.clone()),
        (None, Some(email)) => inner.user_by_email(email).map(|u| u.id.clone()),
        _ => None,
    }
}

pub async fn uninstall(State(shared): State<Arc<Shared>>, Json(r): Json<UserRef>) -> Response {
    let mut inner = shared.lock();
    let Some(user) = resolve_user(&inner, &r) else { return bad("unknown user") };
    let Some(client_id) = r.client_id.clone() else { return bad("client_id is required") };
    let n = inner.uninstall(&user, &client_id);
    Json(json!({"uninstalled_grants": n})).into_response()
}

pub async fn deactivate(State(shared): State<Arc<Shared>>, Json(r): Json<UserRef>) -> Response {
    let mut inner = shared.lock();
    let Some(user) = resolve_user(&inner, &r) else { return bad("unknown user") };
    inner.deactivate(&user);
    Json(json!({"deactivated": user})).into_response()
}

#[derive(Deserialize)]
pub struct Mint {
    email: String,
    client_id: String,
    scopes: Option<Vec<String>>,
}

/// A grant as if the user had gone through the pages: for benchmarks and tests that are about
/// what happens after sign-in.
pub async fn mint(State(shared): State<Arc<Shared>>, Json(m): Json<Mint>) -> Response {
    let now = shared.clock.now();
    let mut inner = shared.lock();
    let Some(user) = inner.user_by_email(&m.email).cloned() else { return bad("unknown user") };
    let Some(app) = inner.seed.app(&m.client_id).cloned() else { return bad("unknown client_id") };
    let scopes = m.scopes.unwrap_or(app.scopes);
    let grant = inner.create_grant(&user.id, &app.client_id, scopes, now);
    match inner.issue_tokens(grant, now, &shared.base_url) {
        Some(tokens) => Json(json!({"grant_id": grant, "tokens": tokens})).into_response(),
        None => bad("could not issue tokens"),
    }
}

pub async fn grants(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let inner = shared.lock();
    let mut by_grant: HashMap<u64, Vec<Value>> = HashMap::new();
    for (key, t) in &inner.tokens {
        by_grant.entry(t.grant_id).or_default().push(json!({
            "kind": t.kind,
            "fingerprint": fingerprint(key),
            "issued_at": t.issued_at,
            "expires_at": t.expires_at,
            "rotated": t.rotated,
            "api_calls": t.api_calls,
            "refresh_attempts": t.refresh_attempts,
        }));
    }
    let list: Vec<Value> = inner
        .grants
        .iter()
        .map(|g| {
            let mut tokens = by_grant.remove(&g.id).unwrap_or_default();
            tokens.sort_by_key(|t| t["issued_at"].as_i64());
            json!({
                "id": g.id,
                "user_id": g.user_id,
                "email": inner.user(&g.user_id).map(|u| u.email.clone()),
                "client_id": g.client_id,
                "scopes": g.scopes,
                "status": g.status,
                "created_at": g.created_at,
                "refreshes": g.refreshes,
                "tokens": tokens,
            })
        })
        .collect();
    Json(json!({"grants": list}))
}

/// Every token and code the sandbox has issued, in clear: for a leak scan, which searches the
/// client's files, logs and UI for each of them. Loopback only, like the whole control API.
pub async fn issued_secrets(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let inner = shared.lock();
    let mut tokens: Vec<&String> = inner.issued.iter().collect();
    tokens.sort();
    let mut codes: Vec<&String> = inner.codes.keys().collect();
    codes.sort();
    Json(json!({"tokens": tokens, "codes": codes}))
}

#[derive(Deserialize)]
pub struct Settings {
    access_token_lifetime: Option<i64>,
    /// Requests per second in every category, by account id (null: the plan's per category).
    qps_limits: Option<HashMap<String, Option<u32>>>,
    /// Redirect URLs to add to an app's allow list, by client id: what an admin does in the Zoom
    /// app's settings when hosting the relay page somewhere new.
    add_redirect_uris: Option<HashMap<String, Vec<String>>>,
    /// An app's token tolerance, by client id (null: no limit).
    access_token_tolerance: Option<HashMap<String, Option<u32>>>,
    /// Requests per day, by account id (null: no daily limit).
    daily_limits: Option<HashMap<String, Option<u32>>>,
    /// Activate or deactivate an app, by client id (a deactivated app's tokens stop working).
    app_active: Option<HashMap<String, bool>>,
    /// Which reading of Zoom to play where its pages disagree (state.rs, `Readings`).
    authorize_errors_after_sign_in: Option<bool>,
    members_authorize_admin_apps: Option<bool>,
    device_grant_named_device_auth: Option<bool>,
    /// Seconds a rotated-out refresh token still gets its rotation's answer again (null: none,
    /// Zoom's words; `Readings::refresh_reuse_grace`).
    #[serde(default, deserialize_with = "present")]
    refresh_reuse_grace: Option<Option<i64>>,
    /// Seconds between a device code's polls (Zoom's example: 5).
    device_poll_interval: Option<i64>,
    /// Enable or disable the device authorization grant for an app, by client id.
    device_grant: Option<HashMap<String, bool>>,
    /// `{"seconds": N, "from": "grant" | "rotation"}`, or null: refresh tokens never end.
    #[serde(default, deserialize_with = "present")]
    refresh_token_lifetime: Option<Option<RefreshLifetime>>,
    /// An account's SCIM prerequisites, by account id.
    accounts: Option<HashMap<String, AccountSettings>>,
}

#[derive(Deserialize)]
pub struct AccountSettings {
    plan: Option<String>,
    /// null: no approved vanity URL.
    #[serde(default, deserialize_with = "present")]
    vanity_url: Option<Option<String>>,
    sso_enabled: Option<bool>,
}

/// A field that may be given as null (Some(None)), unlike one left out (None).
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
pub struct RefreshLifetime {
    seconds: i64,
    from: crate::state::LifetimeFrom,
}

pub async fn settings(State(shared): State<Arc<Shared>>, Json(s): Json<Settings>) -> Response {
    let mut inner = shared.lock();
    if let Some(lifetime) = s.access_token_lifetime {
        if lifetime <= 0 {
            return bad("access_token_lifetime must be positive");
        }
        inner.access_token_lifetime = lifetime;
    }
    for (account, limit) in s.qps_limits.unwrap_or_default() {
        match inner.seed.accounts.iter_mut().find(|a| a.id == account) {
            Some(a) => a.qps_limit = limit,
            None => return bad(format!("unknown account {account}")),
        }
    }
    for (client_id, uris) in s.add_redirect_uris.unwrap_or_default() {
        match inner.seed.apps.iter_mut().find(|a| a.client_id == client_id) {
            Some(app) => app.redirect_uris.extend(uris),
            None => return bad(format!("unknown app {client_id}")),
        }
    }
    for (client_id, tolerance) in s.access_token_tolerance.unwrap_or_default() {
        match inner.seed.apps.iter_mut().find(|a| a.client_id == client_id) {
            Some(app) => app.access_token_tolerance = tolerance,
            None => return bad(format!("unknown app {client_id}")),
        }
    }
    for (account, limit) in s.daily_limits.unwrap_or_default() {
        match inner.seed.accounts.iter_mut().find(|a| a.id == account) {
            Some(a) => a.daily_limit = limit,
            None => return bad(format!("unknown account {account}")),
        }
    }
    for (client_id, active) in s.app_active.unwrap_or_default() {
        match inner.seed.apps.iter_mut().find(|a| a.client_id == client_id) {
            Some(app) => app.active = active,
            None => return bad(format!("unknown app {client_id}")),
        }
    }
    for (id, change) in s.accounts.unwrap_or_default() {
        let Some(account) = inner.seed.accounts.iter_mut().find(|a| a.id == id) else {
            return bad(format!("unknown account {id}"));
        };
        if let Some(plan) = change.plan {
            account.plan = plan;
        }
        if let Some(vanity) = change.vanity_url {
            account.vanity_url = vanity;
        }
        if let Some(sso) = change.sso_enabled {
            account.sso_enabled = sso;
        }
    }
    if let Some(after) = s.authorize_errors_after_sign_in {
        inner.readings.authorize_errors_after_sign_in = after;
    }
    if let Some(named) = s.device_grant_named_device_auth {
        inner.readings.device_grant_named_device_auth = named;
    }
    if let Some(interval) = s.device_poll_interval {
        if interval < 0 {
            return bad("device_poll_interval cannot be negative");
        }
        inner.devices.poll_interval = interval;
    }
    for (client_id, on) in s.device_grant.unwrap_or_default() {
        match inner.seed.apps.iter_mut().find(|a| a.client_id == client_id) {
            Some(app) => app.device_grant = on,
            None => return bad(format!("unknown app {client_id}")),
        }
    }
    if let Some(may) = s.members_authorize_admin_apps {
        inner.readings.members_authorize_admin_apps = may;
    }
    if let Some(lifetime) = s.refresh_token_lifetime {
        if lifetime.as_ref().is_some_and(|l| l.seconds <= 0) {
            return bad("refresh_token_lifetime.seconds must be positive");
        }
        inner.readings.refresh_token_lifetime = lifetime.map(|l| (l.seconds, l.from));
    }
    if let Some(grace) = s.refresh_reuse_grace {
        if grace.is_some_and(|g| g <= 0) {
            return bad("refresh_reuse_grace must be positive (null: none)");
        }
        inner.readings.refresh_reuse_grace = grace;
        inner.rotated_answers.clear();
    }
    Json(json!({"access_token_lifetime": inner.access_token_lifetime})).into_response()
}

#[derive(Deserialize)]
pub struct Populate {
    account_id: String,
    users: usize,
    #[serde(default)]
    groups: usize,
}

/// `POST /_sandbox/populate {"account_id", "users", "groups"}`: a large account (populate.rs).
pub async fn populate(State(shared): State<Arc<Shared>>, Json(p): Json<Populate>) -> Response {
    let mut inner = shared.lock();
    match crate::populate::populate(&mut inner.seed, &p.account_id, p.users, p.groups) {
        Ok(added) => Json(json!({"added": added, "users": inner.seed.users.len()})).into_response(),
        Err(e) => bad(e),
    }
}

/// `GET /_sandbox/changes`: how many times each change was made to each user through the API
/// (`{"deactivate usr_1": 1, …}`).
pub async fn changes(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(json!(shared.lock().changes))
}

pub async fn reset(State(shared): State<Arc<Shared>>) -> Json<Value> {
    shared.reset();
    Json(json!({"reset": true}))
}
