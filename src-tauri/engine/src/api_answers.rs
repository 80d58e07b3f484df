//! What Zoom's API answers mean (`/v2/…`, `/scim2/…`): the JSON of a success, or the failure
//! classified as docs/zoom.md (Errors) prescribes — above all, which 401 refuses the access token
//! and which says nothing about it. Pure functions on bytes, status codes and headers, beside
//! the token endpoint's answers (zoom_answers.rs), and fuzzed with them (fuzz/).

use crate::error::ErrorCode;
use crate::model::ZoomIdentity;
use crate::retry_after::RetryAfter;
use crate::zoom_answers::short;
use crate::zoom_failure::{classified, failure, FailureClass, ZoomFailure};

/// Whether a 401 says the access token itself is refused (and a refresh may fix it): Zoom's
/// own answer (code 124; SCIM's error shape), or a resource server's as RFC 6750 3.1 words it —
/// `WWW-Authenticate: Bearer error="invalid_token"` — or as OAuth-style servers put it in the
/// body (`{"error":"invalid_token"}`). Any other 401 is "something in between answered".
pub fn refuses_token(www_authenticate: Option<&str>, body: &[u8]) -> bool {
    static CHALLENGE: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r#"(?i)\bbearer\b[^\n]*?\berror\s*=\s*"?invalid_token"?"#).expect("a valid pattern"));
    if www_authenticate.is_some_and(|h| CHALLENGE.is_match(h)) {
        return true;
    }
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else { return false };
    json.get("code").and_then(|c| c.as_i64()) == Some(124)
        || json.get("schemas").is_some()
        || json.get("error").and_then(|e| e.as_str()) == Some("invalid_token")
}

/// An API answer (`/v2/…`, `/scim2/…`): its JSON on success, else the failure, classified.
/// `www_authenticate`: the answer's challenge, if any (a 401's is read, `refuses_token`).
pub fn api_answer(status: u16, retry_after: Option<RetryAfter>, www_authenticate: Option<&str>, body: &[u8]) -> Result<serde_json::Value, ZoomFailure> {
    let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    if (200..300).contains(&status) {
        return json.ok_or_else(|| failure(ErrorCode::ZoomBadResponse, "Zoom answered with something that is not JSON"));
    }
    let code = json.as_ref().and_then(|j| j.get("code")).and_then(|c| c.as_i64());
    let message = json.as_ref().and_then(|j| j.get("message").or_else(|| j.get("detail"))).and_then(|m| m.as_str()).map(short);
    let (code_kind, class, text) = match (status, code) {
        (429, _) => (ErrorCode::ZoomRateLimited, FailureClass::Transient, "Zoom's rate limit was reached; the call will be retried".to_string()),
        (500..=599, _) => (ErrorCode::Network, FailureClass::Transient, format!("Zoom had a server error (HTTP {status})")),
        // RFC 6750's answer, whatever the body: the header is the resource server's own word.
        (401, _) if json.is_none() && refuses_token(www_authenticate, body) => {
            (ErrorCode::ZoomInvalidGrant, FailureClass::TokenRefused, "the API refused the access token (401, invalid_token)".to_string())
        }
        // Not Zoom's shape at all: a proxy's or firewall's page says nothing about the grant.
        _ if json.is_none() => (ErrorCode::ZoomBadResponse, FailureClass::Ambiguous, format!("Zoom answered something unexpected (HTTP {status})")),
        (_, Some(124)) => (ErrorCode::ZoomInvalidGrant, FailureClass::TokenRefused, "Zoom refused the access token (401, code 124)".to_string()),
        // SCIM's own error shape has no `code` (docs/zoom.md, SCIM 2): its 401 is Zoom's.
        (401, _) if json.as_ref().is_some_and(|j| j.get("schemas").is_some()) => {
            (ErrorCode::ZoomInvalidGrant, FailureClass::TokenRefused, "Zoom's SCIM API refused the access token (401)".to_string())
        }
        (401, _) if refuses_token(www_authenticate, body) => {
            (ErrorCode::ZoomInvalidGrant, FailureClass::TokenRefused, "the API refused the access token (401, invalid_token)".to_string())
        }
        // A 401 without Zoom's "invalid access token" code (a gateway's JSON, a call the
        // account may not make) says nothing about the token: one such answer must not end a
        // connection whose refresh has just worked.
        (401, _) => (
            ErrorCode::ZoomError,
            FailureClass::Ambiguous,
            format!("Zoom answered HTTP 401 without saying the token is invalid: {}", message.unwrap_or_default()),
        ),
        (_, Some(4711)) | (_, Some(4700)) if message.as_deref().is_some_and(|m| m.contains("scope")) => {
            (ErrorCode::MissingScope, FailureClass::Refused, format!("the connection lacks a scope this call needs: {}", message.unwrap_or_default()))
        }
        // Zoom's "No permission." (code 200) and plain 403s: the signed-in user may not do this.
        (403, _) | (_, Some(200)) => {
            (ErrorCode::RoleNotAllowed, FailureClass::Refused, format!("Zoom says this user may not do that (HTTP {status}): {}", message.unwrap_or_default()))
        }
        _ => (ErrorCode::ZoomError, FailureClass::Ambiguous, format!("Zoom answered HTTP {status}: {}", message.unwrap_or_default())),
    };
    Err(classified(code_kind, class, text, retry_after))
}

/// The identity fields of `GET /v2/users/me`; unknown user types, custom role names and absent
/// optional fields are accepted, an answer without an id is not.
pub fn parse_identity(me: &serde_json::Value) -> Option<ZoomIdentity> {
    let s = |k: &str| me.get(k).and_then(|v| v.as_str()).unwrap_or("").chars().take(256).collect::<String>();
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
    let me = api_answer(status, None, None, body)?;
    parse_identity(&me).ok_or_else(|| failure(ErrorCode::ZoomBadResponse, "Zoom's answer about the signed-in user lacks its id"))
}

/// `GET /scim2/Users?count=1` as the engine reads it: the number of users.
pub fn scim_answer(status: u16, body: &[u8]) -> Result<u64, ZoomFailure> {
    let list = api_answer(status, None, None, body)?;
    list.get("totalResults").and_then(|t| t.as_u64()).ok_or_else(|| failure(ErrorCode::ZoomBadResponse, "Zoom's SCIM answer lacks totalResults"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_zoom_s_own_401_refuses_the_token() {
        let class = |body: &[u8]| api_answer(401, None, None, body).unwrap_err().class;
        assert_eq!(class(br#"{"code":124,"message":"Invalid access token."}"#), FailureClass::TokenRefused);
        let scim = br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"Invalid access token","status":401}"#;
        assert_eq!(class(scim), FailureClass::TokenRefused);
        // A gateway's JSON 401 says nothing about the token.
        assert_eq!(class(br#"{"code":401,"message":"Unauthorized"}"#), FailureClass::Ambiguous);
        assert_eq!(class(b"<html>401 Authorization Required</html>"), FailureClass::Ambiguous);
        // RFC 6750 3.1: the challenge says so, with any body; or an OAuth-style body does.
        let challenged = |h: &str, body: &[u8]| api_answer(401, None, Some(h), body).unwrap_err().class;
        assert_eq!(challenged(r#"Bearer realm="api", error="invalid_token", error_description="The access token expired""#, b""), FailureClass::TokenRefused);
        assert_eq!(challenged("bearer error=invalid_token", b"<html>no</html>"), FailureClass::TokenRefused);
        assert_eq!(challenged(r#"Bearer realm="api""#, b""), FailureClass::Ambiguous, "a bare challenge says only that a token is needed");
        assert_eq!(challenged(r#"Bearer error="insufficient_scope""#, br#"{"code":401}"#), FailureClass::Ambiguous);
        assert_eq!(class(br#"{"error":"invalid_token","error_description":"expired"}"#), FailureClass::TokenRefused);
    }
}
