//! `POST /oauth/token` (authorization code with PKCE; refresh with rotation) and
//! `POST /oauth/revoke`, with Zoom's client authentication: HTTP Basic for confidential apps,
//! `client_id` in the form body and no secret for public ones.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::errors::OAuthError;
use crate::faults::Endpoint;
use crate::pkce;
use crate::seed::App;
use crate::state::{Shared, CODE_LIFETIME};

/// The form body; a parameter given twice makes the request invalid.
fn parse_form(body: &[u8]) -> Result<HashMap<String, String>, OAuthError> {
    let mut form = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        if form.insert(k.to_string(), v.to_string()).is_some() {
            return Err(OAuthError::invalid_request(format!("Duplicate parameter {k}")));
        }
    }
    Ok(form)
}

fn authenticate_client(shared: &Shared, headers: &HeaderMap, form: &HashMap<String, String>) -> Result<App, OAuthError> {
    let inner = shared.lock();
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic ").or_else(|| v.strip_prefix("basic ")));
    if let Some(encoded) = basic {
        let decoded = STANDARD.decode(encoded.trim()).map_err(|_| OAuthError::invalid_client())?;
        let decoded = String::from_utf8(decoded).map_err(|_| OAuthError::invalid_client())?;
        let (id, secret) = decoded.split_once(':').ok_or_else(OAuthError::invalid_client)?;
        let app = inner.seed.app(id).ok_or_else(OAuthError::invalid_client)?;
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

pub async fn token(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let form = match parse_form(&body) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let endpoint = match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => Endpoint::CodeExchange,
        Some("refresh_token") => Endpoint::Refresh,
        _ => return OAuthError::new(StatusCode::BAD_REQUEST, "unsupported_grant_type", "Unsupported grant type (4705)").into_response(),
    };
    if let Some(fault) = shared.inject(endpoint).await {
        return fault;
    }
    let app = match authenticate_client(&shared, &headers, &form) {
        Ok(app) => app,
        Err(e) => return e.into_response(),
    };
    let result = match endpoint {
        Endpoint::CodeExchange => exchange_code(&shared, &app, &form),
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
    let code = form.get("code").ok_or_else(|| OAuthError::invalid_request("Missing code (4700)"))?;
    let now = shared.clock.now();
    let mut inner = shared.lock();
    let issued = inner.codes.get(code).cloned().ok_or_else(|| OAuthError::invalid_grant("Invalid authorization code (4734)"))?;
    if issued.used || issued.client_id != app.client_id {
        return Err(OAuthError::invalid_grant("Invalid authorization code (4734)"));
    }
    if now - issued.issued_at >= CODE_LIFETIME {
        // Zoom says invalid_request here where invalid_grant is meant (ZOOM.md, Errors).
        return Err(OAuthError::invalid_request("Authorization code expired (4733)"));
    }
    if form.get("redirect_uri") != Some(&issued.redirect_uri) {
        return Err(OAuthError::invalid_request("Redirect URI mismatch (4709)"));
    }
    if let Some(challenge) = &issued.challenge {
        let verifier = form.get("code_verifier").map(String::as_str).unwrap_or("");
        if !pkce::verify(issued.method, challenge, verifier) {
            return Err(OAuthError::invalid_grant("Invalid code_verifier"));
        }
    }
    if !inner.user(&issued.user_id).is_some_and(|u| u.is_active()) {
        return Err(OAuthError::invalid_grant("The token's owner is deactivated or no longer exists (4735)"));
    }
    if let Some(c) = inner.codes.get_mut(code) {
        c.used = true;
    }
    let grant = inner.create_grant(&issued.user_id, &app.client_id, issued.scopes.clone(), now);
    inner.issue_tokens(grant, now, &shared.base_url).ok_or_else(|| OAuthError::invalid_grant("Invalid Token!"))
}

pub async fn revoke(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let form = match parse_form(&body) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    if let Some(fault) = shared.inject(Endpoint::Revoke).await {
        return fault;
    }
    let app = match authenticate_client(&shared, &headers, &form) {
        Ok(app) => app,
        Err(e) => return e.into_response(),
    };
    let Some(token) = form.get("token") else {
        return OAuthError::invalid_request("Missing token (4700)").into_response();
    };
    match shared.lock().revoke(token, &app.client_id) {
        Ok(()) => Json(serde_json::json!({"status": "success"})).into_response(),
        Err(e) => e.into_response(),
    }
}
