//! The OAuth device authorization grant (RFC 8628) as Zoom offers it to apps it has enabled it
//! for (docs/zoom.md, Device authorization): `POST /oauth/devicecode` gives a device code and a
//! user code; the admin opens `/oauth_device` on any device, types the user code (or opens
//! `verification_uri_complete`), signs in and authorizes on the usual pages; meanwhile the
//! client polls `/oauth/token` with the device code (`token_endpoint.rs`).
//!
//! Where Zoom's sources say nothing, RFC 8628 decides: errors are RFC 6749 §5.2 answers (HTTP
//! 400, `{"error", "reason"}` in Zoom's shape), polling faster than `interval` is `slow_down`,
//! and a device code ends after `expires_in` (900 s, Zoom's example).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde::Deserialize;

use crate::errors::OAuthError;
use crate::pages;
use crate::state::{random_token, AuthRequest, Shared, TokenResponse};
use crate::token_endpoint::{authenticate_client, parse_form};

/// How long a device code and its user code live (Zoom's example: 900).
pub const DEVICE_CODE_LIFETIME: i64 = 900;
/// The page where the admin types the user code (Zoom's example `https://zoom.us/oauth_device`).
pub const VERIFICATION_PATH: &str = "/oauth_device";
/// The grant type of RFC 8628 §3.4.
pub const DEVICE_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// The name Zoom's error page gives the grant (docs/zoom.md, Device authorization).
pub const ZOOM_DEVICE_GRANT_NAME: &str = "device_auth";

/// The device sign-ins in progress, by device code, and the interval new ones ask for.
#[derive(Debug)]
pub struct Devices {
    pub requests: HashMap<String, DeviceRequest>,
    /// Zoom's example: 5 s; tests shorten it (control API `settings`).
    pub poll_interval: i64,
}

impl Default for Devices {
    fn default() -> Self {
        Self { requests: HashMap::new(), poll_interval: 5 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceDecision {
    Waiting,
    Approved { user_id: String, scopes: Vec<String> },
    Denied,
}

#[derive(Debug, Clone)]
pub struct DeviceRequest {
    pub client_id: String,
    pub user_code: String,
    pub created_at: i64,
    pub decision: DeviceDecision,
    /// The interval this client must keep, raised by each `slow_down`.
    pub interval: i64,
    pub last_poll: Option<i64>,
}

/// User codes: eight letters and digits without look-alikes, shown as `ABCD-EFGH`.
fn user_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ23456789";
    let mut rng = rand::rng();
    (0..8).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

fn normalized(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_uppercase()
}

/// `POST /oauth/devicecode`: the client (Basic for a confidential app, `client_id` for a public
/// one, in the query as Zoom's example sends it or in the body) asks for a device code.
pub async fn device_code(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery, headers: HeaderMap, body: Bytes) -> Response {
    let form = match parse_form(query.unwrap_or_default().as_bytes(), &body) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let app = match authenticate_client(&shared, &headers, &form) {
        Ok(app) => app,
        Err(e) => return e.into_response(),
    };
    if !app.device_grant {
        // Enabled by Zoom on request, for private apps only (docs/zoom.md, Device authorization).
        return OAuthError::new(StatusCode::BAD_REQUEST, "unauthorized_client", "The app is not enabled for device authorization.").into_response();
    }
    let now = shared.clock.now();
    let mut inner = shared.lock();
    inner.devices.requests.retain(|_, r| now - r.created_at < DEVICE_CODE_LIFETIME);
    let device_code = random_token("zdc_", 32);
    let code = user_code();
    let interval = inner.devices.poll_interval;
    inner.devices.requests.insert(
        device_code.clone(),
        DeviceRequest {
            client_id: app.client_id.clone(),
            user_code: code.clone(),
            created_at: now,
            decision: DeviceDecision::Waiting,
            interval,
            last_poll: None,
        },
    );
    let base = &shared.base_url;
    Json(serde_json::json!({
        "device_code": device_code,
        "user_code": code,
        "verification_uri": format!("{base}{VERIFICATION_PATH}"),
        "verification_uri_complete": format!("{base}/oauth/device/complete/{code}"),
        "expires_in": DEVICE_CODE_LIFETIME,
        "interval": interval,
    }))
    .into_response()
}

/// The token endpoint's answer to a device code (RFC 8628 §3.5).
pub fn poll(shared: &Shared, client_id: &str, form: &HashMap<String, String>) -> Result<TokenResponse, OAuthError> {
    let device_code = form.get("device_code").ok_or_else(|| OAuthError::invalid_request("Missing device_code"))?;
    let now = shared.clock.now();
    let mut inner = shared.lock();
    let request =
        inner.devices.requests.get_mut(device_code).filter(|r| r.client_id == client_id).ok_or_else(|| OAuthError::invalid_grant("Invalid device code"))?;
    if now - request.created_at >= DEVICE_CODE_LIFETIME {
        inner.devices.requests.remove(device_code);
        return Err(OAuthError::new(StatusCode::BAD_REQUEST, "expired_token", "The device code has expired."));
    }
    let too_soon = request.last_poll.is_some_and(|last| now - last < request.interval);
    request.last_poll = Some(now);
    match request.decision.clone() {
        DeviceDecision::Waiting if too_soon => {
            request.interval += 5;
            Err(OAuthError::new(StatusCode::BAD_REQUEST, "slow_down", "Polling too frequently."))
        }
        DeviceDecision::Waiting => Err(OAuthError::new(StatusCode::BAD_REQUEST, "authorization_pending", "The user has not yet authorized the device.")),
        DeviceDecision::Denied => {
            inner.devices.requests.remove(device_code);
            Err(OAuthError::new(StatusCode::BAD_REQUEST, "access_denied", "The user declined to authorize the app."))
        }
        DeviceDecision::Approved { user_id, scopes } => {
            inner.devices.requests.remove(device_code);
            if !inner.user(&user_id).is_some_and(|u| u.is_active()) {
                return Err(OAuthError::invalid_grant("The owner of the token does not exist."));
            }
            let grant = inner.create_grant(&user_id, client_id, scopes, now);
            inner.issue_tokens(grant, now, &shared.base_url).ok_or_else(|| OAuthError::invalid_grant("Invalid Token!"))
        }
    }
}

#[derive(Deserialize)]
pub struct UserCodeForm {
    user_code: Option<String>,
}

/// `GET /oauth_device`: the page that asks for the user code (with `?user_code=`, it goes on).
pub async fn verification_page(State(shared): State<Arc<Shared>>, Query(q): Query<UserCodeForm>) -> Response {
    match q.user_code {
        Some(code) => start_sign_in(&shared, &code),
        None => enter_code_page(None).into_response(),
    }
}

/// `POST /oauth_device`: the typed user code.
pub async fn verification_submit(State(shared): State<Arc<Shared>>, Form(f): Form<UserCodeForm>) -> Response {
    start_sign_in(&shared, f.user_code.as_deref().unwrap_or_default())
}

/// `GET /oauth/device/complete/{code}`: the link with the code in it (`verification_uri_complete`).
pub async fn complete_link(State(shared): State<Arc<Shared>>, Path(code): Path<String>) -> Response {
    start_sign_in(&shared, &code)
}

fn enter_code_page(error: Option<&str>) -> axum::response::Html<String> {
    let error = error.map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", pages::escape(e))).unwrap_or_default();
    pages::page(
        "Connect a device",
        &format!(
            "<h1>Connect a device</h1><p>Enter the code shown on your device.</p>{error}\
             <form method=\"post\" action=\"{VERIFICATION_PATH}\"><label>Code <input name=\"user_code\" autocomplete=\"off\" autofocus></label>\
             <button type=\"submit\">Continue</button></form>"
        ),
    )
}

/// A known, live user code: on to the usual sign-in pages, with the device request behind them.
fn start_sign_in(shared: &Shared, typed: &str) -> Response {
    let code = normalized(typed);
    let now = shared.clock.now();
    let mut inner = shared.lock();
    let found = inner
        .devices
        .requests
        .iter()
        .find(|(_, r)| r.user_code == code && r.decision == DeviceDecision::Waiting && now - r.created_at < DEVICE_CODE_LIFETIME)
        .map(|(device_code, r)| (device_code.clone(), r.client_id.clone()));
    let Some((device_code, client_id)) = found else {
        drop(inner);
        return (StatusCode::BAD_REQUEST, enter_code_page(Some("That code is not valid or has expired. Check the code on your device."))).into_response();
    };
    let scopes = inner.seed.app(&client_id).map(|a| a.scopes.clone()).unwrap_or_default();
    let req = random_token("req_", 24);
    inner.auth_requests.insert(
        req.clone(),
        AuthRequest {
            client_id,
            redirect_uri: String::new(),
            state: None,
            challenge: None,
            method: crate::pkce::Method::Plain,
            scopes,
            user_id: None,
            preapproved: false,
            created_at: now,
            refused: None,
            device: Some(device_code),
        },
    );
    Redirect::to(&format!("/oauth/signin?req={req}")).into_response()
}

/// The consent page's decision for a device request: no redirect, a page that sends the admin
/// back to the device.
pub fn decided(shared: &Shared, device_code: &str, approved: Option<(String, Vec<String>)>) -> Response {
    let mut inner = shared.lock();
    let Some(request) = inner.devices.requests.get_mut(device_code) else {
        return pages::error_page(StatusCode::BAD_REQUEST, "Session expired", "This sign-in has expired. Start again on your device.");
    };
    let (title, text) = match approved {
        Some((user_id, scopes)) => {
            request.decision = DeviceDecision::Approved { user_id, scopes };
            ("Device connected", "You can close this page and return to your device.")
        }
        None => {
            request.decision = DeviceDecision::Denied;
            ("Not connected", "You declined. You can close this page.")
        }
    };
    pages::page(title, &format!("<h1>{}</h1><p>{}</p>", pages::escape(title), pages::escape(text))).into_response()
}
