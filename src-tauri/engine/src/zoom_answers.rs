//! What Zoom's answers mean: turning the bytes of a token-endpoint or API answer into tokens, an
//! identity or one of the engine's error codes, as ZOOM.md prescribes. Pure functions on bytes
//! and status codes, so that the HTTP client (zoom.rs), the fuzz targets (fuzz/) and the replay
//! of their corpus (tests/fuzz_corpus.rs) run exactly the same code.

use std::time::Duration;

use oauth2::basic::BasicTokenType;
use oauth2::{ExtraTokenFields, StandardTokenResponse, TokenResponse};
use serde::{Deserialize, Serialize};

use crate::error::{EngineError, ErrorCode};
use crate::model::ZoomIdentity;
use crate::secret::Secret;

/// Zoom's token response carries `api_url` beside the standard fields.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ZoomTokenFields {
    #[serde(default)]
    pub api_url: Option<String>,
}
impl ExtraTokenFields for ZoomTokenFields {}
pub type ZoomTokenResponse = StandardTokenResponse<ZoomTokenFields, BasicTokenType>;

/// Zoom's OAuth error body: `{"reason": "...", "error": "..."}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ZoomOAuthError {
    #[serde(default)]
    pub error: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub error_description: Option<String>,
}
impl std::fmt::Display for ZoomOAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.error)
    }
}
impl oauth2::ErrorResponse for ZoomOAuthError {}

/// Tokens as Zoom issued them, with the wall-clock expiry computed once on receipt.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access: Secret,
    pub refresh: Secret,
    pub expires_at: i64,
    pub scopes: Vec<String>,
    pub api_url: Option<String>,
}

/// A failure, and when to retry if Zoom said (429 `Retry-After`).
#[derive(Debug, Clone)]
pub struct ZoomFailure {
    pub error: EngineError,
    pub retry_after: Option<Duration>,
}

impl From<ZoomFailure> for EngineError {
    fn from(f: ZoomFailure) -> Self {
        f.error
    }
}

pub(crate) fn failure(code: ErrorCode, message: &str) -> ZoomFailure {
    ZoomFailure { error: EngineError::new(code, message), retry_after: None }
}

/// A token-endpoint answer, from its status and body: the tokens, or what went wrong. The body
/// is read with the same serde types the `oauth2` crate uses on the live path.
pub fn token_answer(
    call: TokenCall,
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    now: i64,
) -> Result<TokenSet, ZoomFailure> {
    if (200..300).contains(&status) {
        return match serde_json::from_slice::<ZoomTokenResponse>(body) {
            Ok(tokens) => token_set(tokens, now),
            Err(_) => Err(unparseable_token_answer(status, retry_after)),
        };
    }
    match serde_json::from_slice::<ZoomOAuthError>(body) {
        Ok(err) => Err(token_error(&err, call, status, retry_after)),
        Err(_) => Err(unparseable_token_answer(status, retry_after)),
    }
}

pub(crate) fn token_set(tokens: ZoomTokenResponse, now: i64) -> Result<TokenSet, ZoomFailure> {
    let refresh = tokens
        .refresh_token()
        .ok_or_else(|| failure(ErrorCode::ZoomBadResponse, "Zoom's token answer has no refresh token"))?;
    if tokens.access_token().secret().is_empty() || refresh.secret().is_empty() {
        return Err(failure(ErrorCode::ZoomBadResponse, "Zoom's token answer has an empty token"));
    }
    // Zoom says 3599. A hostile or broken answer is kept within sane bounds: no less than a
    // minute (0 would make keepalive refresh, and rotate, at every tick) and no more than a day
    // (u64::MAX cast to i64 would put the expiry in the past: the Michigan bug again).
    let expires_in = tokens.expires_in().map(|d| d.as_secs().clamp(60, 24 * 3600) as i64).unwrap_or(3599);
    Ok(TokenSet {
        access: Secret::new(tokens.access_token().secret().clone()),
        refresh: Secret::new(refresh.secret().clone()),
        // Computed once, in wall-clock time (the Michigan bug in ZOOM.md).
        expires_at: now + expires_in,
        scopes: tokens.scopes().map(|s| s.iter().map(|s| s.to_string()).collect()).unwrap_or_default(),
        api_url: tokens.extra_fields().api_url.clone().filter(|u| u.starts_with("https://") || u.starts_with("http://127.0.0.1")),
    })
}

/// Which token-endpoint call an answer belongs to: the same `invalid_grant` means a refused code
/// at a sign-in, but a grant that is gone on a refresh or a revocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenCall {
    CodeExchange,
    Refresh,
    Revoke,
}

/// The OAuth error codes Zoom puts in `reason` (ZOOM.md, Errors), first match wins.
const REASONS: [(&str, ErrorCode, &str); 7] = [
    ("4741", ErrorCode::ZoomInvalidGrant, "a newer connection for this Zoom user replaced it (4741)"),
    ("4735", ErrorCode::ZoomInvalidGrant, "the Zoom user was deactivated or no longer exists (4735)"),
    ("4733", ErrorCode::ZoomInvalidGrant, "the authorization code expired before it was used (4733); try again"),
    ("4734", ErrorCode::ZoomInvalidGrant, "Zoom did not accept the authorization code (4734); try again"),
    ("4709", ErrorCode::InvalidSettings, "the redirect URL does not match the one registered in the Zoom app (4709)"),
    ("4711", ErrorCode::MissingScope, "the Zoom app's scopes do not match (4711)"),
    ("4717", ErrorCode::ZoomInvalidClient, "the Zoom app is disabled (4717)"),
];

/// ZOOM.md, Errors: classify on both `error` and `reason` (Zoom sometimes says
/// `invalid_request` where `invalid_grant` is meant).
pub(crate) fn token_error(err: &ZoomOAuthError, call: TokenCall, status: u16, retry_after: Option<Duration>) -> ZoomFailure {
    let reason = err.reason.as_deref().unwrap_or_default();
    let (code, message) = match REASONS.iter().find(|(number, ..)| reason.contains(number)) {
        Some((_, code, message)) => (*code, message.to_string()),
        None => match err.error.as_str() {
            "invalid_grant" if call == TokenCall::CodeExchange => (
                ErrorCode::ZoomInvalidGrant,
                "Zoom did not accept this sign-in's authorization code; start the sign-in again".to_string(),
            ),
            "invalid_grant" => (ErrorCode::ZoomInvalidGrant, "deauthorized or uninstalled in Zoom".to_string()),
            "invalid_client" => (ErrorCode::ZoomInvalidClient, "Zoom refused the app's client id or secret".to_string()),
            _ if status == 429 => (ErrorCode::ZoomRateLimited, "Zoom's rate limit was reached".to_string()),
            _ if status >= 500 => (ErrorCode::Network, format!("Zoom had a server error (HTTP {status})")),
            other => (ErrorCode::ZoomError, format!("Zoom refused the request ({})", short(other))),
        },
    };
    ZoomFailure { error: EngineError::new(code, message), retry_after }
}

/// A token-endpoint answer that is not Zoom's shape at all (a proxy's page, a cut-off body).
pub(crate) fn unparseable_token_answer(status: u16, retry_after: Option<Duration>) -> ZoomFailure {
    let (code, message) = match status {
        429 => (ErrorCode::ZoomRateLimited, "Zoom's rate limit was reached".to_string()),
        500..=599 => (ErrorCode::Network, format!("Zoom had a server error (HTTP {status})")),
        _ => (ErrorCode::ZoomBadResponse, format!("Zoom answered something unexpected (HTTP {status})")),
    };
    ZoomFailure { error: EngineError::new(code, message), retry_after }
}

/// An API answer (`/v2/…`, `/scim2/…`): its JSON on success, else the failure, classified.
pub fn api_answer(status: u16, retry_after: Option<Duration>, body: &[u8]) -> Result<serde_json::Value, ZoomFailure> {
    let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    if (200..300).contains(&status) {
        return json.ok_or_else(|| failure(ErrorCode::ZoomBadResponse, "Zoom answered with something that is not JSON"));
    }
    let code = json.as_ref().and_then(|j| j.get("code")).and_then(|c| c.as_i64());
    let message = json
        .as_ref()
        .and_then(|j| j.get("message").or_else(|| j.get("detail")))
        .and_then(|m| m.as_str())
        .map(short);
    let (code_kind, text) = match (status, code) {
        (429, _) => (ErrorCode::ZoomRateLimited, "Zoom's rate limit was reached; the call will be retried".to_string()),
        (500..=599, _) => (ErrorCode::Network, format!("Zoom had a server error (HTTP {status})")),
        (401, _) | (_, Some(124)) => (
            ErrorCode::ZoomInvalidGrant,
            "Zoom refused the access token: deauthorized or uninstalled in Zoom".to_string(),
        ),
        (_, Some(4711)) => (ErrorCode::MissingScope, "the connection lacks a scope this call needs (4711)".to_string()),
        _ => (ErrorCode::ZoomError, format!("Zoom answered HTTP {status}: {}", message.unwrap_or_default())),
    };
    Err(ZoomFailure { error: EngineError::new(code_kind, text), retry_after })
}

/// Zoom's text inside one of our messages: redacted (it could echo a token) and bounded.
fn short(text: &str) -> String {
    crate::redact::redact(text).chars().take(200).collect()
}

/// The identity fields of `GET /v2/users/me`; unknown user types and absent optional fields are
/// accepted, an answer without an id is not.
pub fn parse_identity(me: &serde_json::Value) -> Option<ZoomIdentity> {
    let s = |k: &str| me.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
    let id = s("id");
    if id.is_empty() {
        return None;
    }
    let display = if s("display_name").is_empty() { format!("{} {}", s("first_name"), s("last_name")).trim().to_string() } else { s("display_name") };
    Some(ZoomIdentity {
        user_id: id,
        email: s("email"),
        display_name: display,
        account_id: s("account_id"),
        account_number: me.get("account_number").and_then(|v| v.as_u64()),
        role_name: s("role_name"),
        user_type: me.get("type").and_then(|v| v.as_i64()),
    })
}

/// `GET /v2/users/me` as the engine reads it.
pub fn identity_answer(status: u16, body: &[u8]) -> Result<ZoomIdentity, ZoomFailure> {
    let me = api_answer(status, None, body)?;
    parse_identity(&me).ok_or_else(|| failure(ErrorCode::ZoomBadResponse, "Zoom's answer about the signed-in user lacks its id"))
}

/// `GET /scim2/Users?count=1` as the engine reads it: the number of users.
pub fn scim_answer(status: u16, body: &[u8]) -> Result<u64, ZoomFailure> {
    let list = api_answer(status, None, body)?;
    list.get("totalResults")
        .and_then(|t| t.as_u64())
        .ok_or_else(|| failure(ErrorCode::ZoomBadResponse, "Zoom's SCIM answer lacks totalResults"))
}

/// The revocation answer: only Zoom's documented `{"status":"success"}` counts as revoked, so
/// that a 200 from something else (a captive portal, a proxy's page) never makes Delete forget a
/// live grant.
pub fn revoke_answer(status: u16, body: &[u8]) -> Result<(), EngineError> {
    if (200..300).contains(&status) {
        let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        if json.get("status").and_then(|s| s.as_str()) == Some("success") {
            return Ok(());
        }
        return Err(EngineError::new(ErrorCode::ZoomBadResponse, "Zoom's answer to the revocation is not the documented one"));
    }
    let err: ZoomOAuthError = serde_json::from_slice(body).unwrap_or_default();
    Err(token_error(&err, TokenCall::Revoke, status, None).error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(body: &str, call: TokenCall) -> EngineError {
        match token_answer(call, 400, None, body.as_bytes(), 0) {
            Err(f) => f.error,
            Ok(_) => panic!("a 400 gave tokens"),
        }
    }

    #[test]
    fn the_same_invalid_grant_is_a_refused_code_at_sign_in_and_a_lost_grant_on_refresh() {
        let body = r#"{"reason":"Invalid Token!","error":"invalid_grant"}"#;
        let at_sign_in = refused(body, TokenCall::CodeExchange);
        let on_refresh = refused(body, TokenCall::Refresh);
        assert_eq!((at_sign_in.code, on_refresh.code), (ErrorCode::ZoomInvalidGrant, ErrorCode::ZoomInvalidGrant));
        assert!(at_sign_in.message.contains("start the sign-in again"), "{}", at_sign_in.message);
        assert_eq!(on_refresh.message, "deauthorized or uninstalled in Zoom");
    }

    #[test]
    fn zoom_reason_numbers_win_over_the_error_field() {
        // Zoom's quirk: invalid_request where invalid_grant is meant, told apart by the number.
        let e = refused(r#"{"reason":"Token is revoked (4741)","error":"invalid_request"}"#, TokenCall::Refresh);
        assert_eq!(e.code, ErrorCode::ZoomInvalidGrant);
        assert!(e.message.contains("4741"));
        let e = refused(r#"{"reason":"Redirect URI mismatch (4709)","error":"invalid_request"}"#, TokenCall::CodeExchange);
        assert_eq!(e.code, ErrorCode::InvalidSettings);
    }
}
