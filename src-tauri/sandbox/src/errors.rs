//! Zoom's error shapes: OAuth endpoints answer `{"reason","error"}`, the REST API
//! `{"code","message"}`, SCIM `{"schemas":[…Error],"detail","status"}` with `status` a number.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// An error of `/oauth/token` or `/oauth/revoke`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub reason: String,
}

impl OAuthError {
    pub fn new(status: StatusCode, error: &'static str, reason: impl Into<String>) -> Self {
        Self { status, error, reason: reason.into() }
    }
    pub fn invalid_grant(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", reason)
    }
    pub fn invalid_request(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", reason)
    }
    /// Bad client id or secret (4702/4704), as Zoom answers it: HTTP 400, no number in the body.
    pub fn invalid_client() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_client", "Invalid client_id or client_secret")
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({"reason": self.reason, "error": self.error}))).into_response()
    }
}

/// An error of the REST API (`/v2/…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: u32,
    pub message: String,
}

impl ApiError {
    pub fn invalid_token() -> Self {
        Self { status: StatusCode::UNAUTHORIZED, code: 124, message: "Invalid access token.".into() }
    }
    pub fn expired_token() -> Self {
        Self { status: StatusCode::UNAUTHORIZED, code: 124, message: "Access token is expired.".into() }
    }
    /// A role that may not do this (Zoom's "No permission.", code 200).
    pub fn no_permission() -> Self {
        Self { status: StatusCode::BAD_REQUEST, code: 200, message: "No permission.".into() }
    }
    /// A request Zoom refuses with 400 and one of its codes.
    pub fn bad_request(code: u32, message: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, code, message: message.into() }
    }
    /// A user or group that does not exist (or is another account's), with Zoom's code.
    pub fn not_found(code: u32, message: impl Into<String>) -> Self {
        Self { status: StatusCode::NOT_FOUND, code, message: message.into() }
    }
    pub fn conflict(code: u32, message: impl Into<String>) -> Self {
        Self { status: StatusCode::CONFLICT, code, message: message.into() }
    }
    pub fn missing_scope(scopes: &[&str]) -> Self {
        Self { status: StatusCode::BAD_REQUEST, code: 4711, message: format!("Invalid access token, does not contain scopes:[{}].", scopes.join(", ")) }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({"code": self.code, "message": self.message}))).into_response()
    }
}

/// A SCIM error.
pub fn scim_error(status: StatusCode, detail: &str) -> Response {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "detail": detail,
        "status": status.as_u16(),
    });
    let mut res = (status, Json(body)).into_response();
    res.headers_mut().insert(axum::http::header::CONTENT_TYPE, crate::scim::CONTENT_TYPE.clone());
    res
}
