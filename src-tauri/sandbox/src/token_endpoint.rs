//! `POST /oauth/token` (authorization code with PKCE; refresh with rotation; Server-to-Server
//! account credentials) and `POST /oauth/revoke`, with Zoom's client authentication: HTTP Basic
//! for confidential apps, `client_id` in the form body and no secret for public ones. Errors
//! carry Zoom's messages without their numbers, as Zoom's token endpoint sends them.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::errors::OAuthError;
use crate::faults::Endpoint;
use crate::pkce;
use crate::seed::{App, AppKind};
use crate::state::{GrantStatus, Shared, CODE_LIFETIME};

/// The form body; a parameter given twice makes the request invalid.
/// The request's parameters: the query's and the form body's together. Zoom documents its
/// Server-to-Server call with `grant_type` and `account_id` in the query (docs/zoom.md,
/// Server-to-Server), and OAuth clients send them in the body; a parameter given twice, in
/// either or both, is refused.
pub(crate) fn parse_form(query: &[u8], body: &[u8]) -> Result<HashMap<String, String>, OAuthError> {
    let mut form = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(query).chain(url::form_urlencoded::parse(body)) {
        if form.insert(k.to_string(), v.to_string()).is_some() {
            return Err(OAuthError::invalid_request(format!("Duplicate parameter {k}")));
        }
    }
    Ok(form)
}

pub(crate) fn authenticate_client(shared: &Shared, headers: &HeaderMap, form: &HashMap<String, String>) -> Result<App, OAuthError> {
    let inner = shared.lock();
    let basic = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Basic ").or_else(|| v.strip_prefix("basic ")));
    if let Some(encoded) = basic {
        let decoded = STANDARD.decode(encoded.trim()).map_err(|_| OAuthError::invalid_client())?;
        let decoded = String::from_utf8(decoded).map_err(|_| OAuthError::invalid_client())?;
        let (id, secret) = decoded.split_once(':').ok_or_else(OAuthError::invalid_client)?;
        let app = inner.seed.app(id).ok_or_else(OAuthError::invalid_client)?;
        if !app.active {
            return Err(OAuthError::new(StatusCode::BAD_REQUEST, "invalid_client", "The app has been disabled"));
        }
        return match &app.client_secret {
            Some(expected) if expected == secret => Ok(app.clone()),
            None if secret.is_empty() => Ok(app.clone()),
            _ => Err(OAuthError::invalid_client()),
        };
    }
    let id = form.get("client_id").ok_or_else(OAuthError::invalid_client)?;
    let app = inner.seed.app(id).ok_or_else(OAuthError::invalid_client)?;
    if !app.is_public() {
        // A confidential app must prove itself with its secret.
        return Err(OAuthError::invalid_client());
    }
    Ok(app.clone())
}

pub async fn token(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery, headers: HeaderMap, body: Bytes) -> Response {
    let form = match parse_form(query.unwrap_or_default().as_bytes(), &body) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let endpoint = match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => Endpoint::CodeExchange,
        Some("refresh_token") => Endpoint::Refresh,
        Some("account_credentials") => Endpoint::AccountCredentials,
        Some(name) if name == crate::device::DEVICE_GRANT_TYPE && !shared.lock().readings.device_grant_named_device_auth => Endpoint::DeviceCode,
        Some(crate::device::ZOOM_DEVICE_GRANT_NAME) if shared.lock().readings.device_grant_named_device_auth => Endpoint::DeviceCode,
        _ => return OAuthError::new(StatusCode::BAD_REQUEST, "unsupported_grant_type", "unsupported grant type").into_response(),
    };
    let loss = match shared.faults_of_call(endpoint).await {
        Ok(loss) => loss,
        Err(replaced) => return replaced,
    };
    let answer = token_answer(&shared, endpoint, &headers, &form);
    crate::faults::lose_answer(loss, answer).await
}

/// The token endpoint's own answer, once any fault before the call has been applied.
fn token_answer(shared: &Shared, endpoint: Endpoint, headers: &HeaderMap, form: &HashMap<String, String>) -> Response {
    let app = match authenticate_client(shared, headers, form) {
        Ok(app) => app,
        Err(e) => return e.into_response(),
    };
    let is_s2s = app.kind == AppKind::ServerToServer;
    let result = match endpoint {
        _ if is_s2s != (endpoint == Endpoint::AccountCredentials) => {
            Err(OAuthError::new(StatusCode::BAD_REQUEST, "unsupported_grant_type", "Grant type is not supported from token endpoint."))
        }
        Endpoint::CodeExchange => exchange_code(shared, &app, form),
        Endpoint::DeviceCode => crate::device::poll(shared, &app.client_id, form),
        Endpoint::AccountCredentials => account_credentials(shared, &app, form),
        _ => match form.get("refresh_token") {
            Some(rt) => shared.lock().refresh(rt, &app.client_id, shared.clock.now(), &shared.base_url),
            None => Err(OAuthError::invalid_request("Missing refresh_token")),
        },
    };
    match result {
        Ok(tokens) => Json(tokens).into_response(),
        Err(e) => e.into_response(),
    }
}

fn exchange_code(shared: &Shared, app: &App, form: &HashMap<String, String>) -> Result<crate::state::TokenResponse, OAuthError> {
    let code = form.get("code").ok_or_else(|| OAuthError::invalid_request("Missing code"))?;
    let now = shared.clock.now();
    let mut inner = shared.lock();
    // Zoom echoes the code in this message (docs/zoom.md, Errors): clients must not log it.
    let invalid_code = || OAuthError::invalid_grant(format!("Invalid authorization code {code}"));
    let issued = inner.codes.get(code).cloned().ok_or_else(invalid_code)?;
    if issued.used || issued.client_id != app.client_id {
        return Err(invalid_code());
    }
    if now - issued.issued_at >= CODE_LIFETIME {
        // Zoom says invalid_request here where invalid_grant is meant (docs/zoom.md, Errors).
        return Err(OAuthError::invalid_request("Code is expired"));
    }
    if form.get("redirect_uri") != Some(&issued.redirect_uri) {
        return Err(OAuthError::invalid_request("Redirect URI mismatch."));
    }
    if let Some(challenge) = &issued.challenge {
        let verifier = form.get("code_verifier").map(String::as_str).unwrap_or("");
        if !pkce::verify(issued.method, challenge, verifier) {
            return Err(invalid_code());
        }
    }
    if !inner.user(&issued.user_id).is_some_and(|u| u.is_active()) {
        return Err(OAuthError::invalid_grant("The owner of the token does not exist."));
    }
    if let Some(c) = inner.codes.get_mut(code) {
        c.used = true;
    }
    let grant = inner.create_grant(&issued.user_id, &app.client_id, issued.scopes.clone(), now);
    inner.issue_tokens(grant, now, &shared.base_url).ok_or_else(|| OAuthError::invalid_grant("Invalid Token!"))
}

/// Server-to-Server OAuth: a token for the app's own account, no user and no refresh token.
/// Each call issues a new access token; earlier ones stay valid unless the app's token tolerance
/// is set (docs/zoom.md, Server-to-Server).
fn account_credentials(shared: &Shared, app: &App, form: &HashMap<String, String>) -> Result<crate::state::TokenResponse, OAuthError> {
    if app.is_public() {
        return Err(OAuthError::invalid_client());
    }
    let account_id = form.get("account_id").ok_or_else(|| OAuthError::invalid_request("Missing account_id"))?;
    if app.account_id.as_deref() != Some(account_id.as_str()) {
        return Err(OAuthError::invalid_request("Invalid account_id"));
    }
    let now = shared.clock.now();
    let mut inner = shared.lock();
    let owner = inner
        .seed
        .users
        .iter()
        .find(|u| &u.account_id == account_id && u.role_name == "Owner" && u.is_active())
        .map(|u| u.id.clone())
        .ok_or_else(|| OAuthError::invalid_request("Invalid account_id"))?;
    // One grant per app stands for "the app is activated"; tokens are issued on it.
    let grant = match inner.grants.iter().find(|g| g.client_id == app.client_id && g.status == GrantStatus::Active) {
        Some(g) => g.id,
        None => inner.create_grant(&owner, &app.client_id, app.scopes.clone(), now),
    };
    inner.issue_tokens(grant, now, &shared.base_url).ok_or_else(|| OAuthError::invalid_request("Invalid account_id"))
}

pub async fn revoke(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery, headers: HeaderMap, body: Bytes) -> Response {
    let form = match parse_form(query.unwrap_or_default().as_bytes(), &body) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let loss = match shared.faults_of_call(Endpoint::Revoke).await {
        Ok(loss) => loss,
        Err(replaced) => return replaced,
    };
    let answer = revoke_answer(&shared, &headers, &form);
    crate::faults::lose_answer(loss, answer).await
}

fn revoke_answer(shared: &Shared, headers: &HeaderMap, form: &HashMap<String, String>) -> Response {
    let app = match authenticate_client(shared, headers, form) {
        Ok(app) => app,
        Err(e) => return e.into_response(),
    };
    let Some(token) = form.get("token") else {
        return OAuthError::invalid_request("Token cannot be empty.").into_response();
    };
    let now = shared.clock.now();
    match shared.lock().revoke(token, &app.client_id, now) {
        Ok(()) => Json(serde_json::json!({"status": "success"})).into_response(),
        Err(e) => e.into_response(),
    }
}
