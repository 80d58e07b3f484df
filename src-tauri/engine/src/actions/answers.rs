//! Zoom's error answers to actions as the engine's errors (docs/zoom.md, Errors, Users, Groups):
//! REST `{"code","message"}`, SCIM `{"detail","status"}`, and whatever something in between
//! answers. Zoom's message is kept (it names the user or group, never a token).

use super::transport::Reply;
use crate::error::{EngineError, ErrorCode};

/// The REST or SCIM error code and message of a reply.
pub fn zoom_message(reply: &Reply) -> (Option<u64>, String) {
    let b = &reply.body;
    let code = b["code"].as_u64();
    let message = b["message"].as_str().or_else(|| b["detail"].as_str()).map(str::to_string);
    match (message, &reply.text) {
        (Some(m), _) => (code, crate::redact::redact(&m).into_owned()),
        (None, Some(_)) => (code, format!("an answer that is not Zoom's (HTTP {}): a proxy or firewall in between?", reply.status)),
        (None, None) => (code, format!("HTTP {}", reply.status)),
    }
}

/// An error answer as an error; `what` says what was asked ("Deactivating a@b.c").
pub fn error_of(reply: &Reply, what: &str) -> EngineError {
    let (code, message) = zoom_message(reply);
    let lower = message.to_ascii_lowercase();
    let ours = match (reply.status, code) {
        // 4711 today; 4700 "does not contain scopes" in older answers (docs/zoom.md, Errors).
        (_, Some(4711)) => ErrorCode::MissingScope,
        (_, Some(4700)) if lower.contains("scope") => ErrorCode::MissingScope,
        (404, _) | (_, Some(1001)) | (_, Some(4130)) => ErrorCode::NotFound,
        (_, Some(200)) if lower.contains("permission") || lower.contains("privilege") => ErrorCode::RoleNotAllowed,
        (429, _) => ErrorCode::ZoomRateLimited,
        (401, _) => ErrorCode::ZoomInvalidGrant,
        (s, _) if s >= 500 => ErrorCode::Network,
        _ if reply.text.is_some() => ErrorCode::ZoomBadResponse,
        _ => ErrorCode::ZoomError,
    };
    let code_text = code.map(|c| format!(", code {c}")).unwrap_or_default();
    let hint = match ours {
        ErrorCode::ZoomInvalidGrant => " Test the connection; it may need a reconnect.",
        ErrorCode::RoleNotAllowed => " The signed-in Zoom user's role may not manage users.",
        ErrorCode::ZoomRateLimited => " The account's daily limit is spent; Zoom takes calls again after midnight UTC.",
        _ => "",
    };
    EngineError::new(ours, format!("{what}: Zoom answered “{message}” (HTTP {}{code_text}).{hint}", reply.status))
}

/// A reply the caller could not read as it should be.
pub fn unexpected(what: &str, detail: &str) -> EngineError {
    EngineError::new(ErrorCode::ZoomBadResponse, format!("{what}: Zoom's answer was not as documented ({detail})."))
}
