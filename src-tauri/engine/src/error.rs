//! One error type for the whole engine: a stable machine-readable `code` the UI may act on and a
//! human `message` it shows. Messages are written by the engine, never copied from a token or a
//! query value, so neither `Display` nor `Debug` can leak a secret.

use serde::{Deserialize, Serialize};

/// Stable error codes. The UI and the CLI match on these; never rename one.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A callback URL (deep link or loopback) that is not ours or not well formed.
    InvalidCallback,
    /// A callback whose `state` matches no pending flow (forged, replayed or of another app).
    StateMismatch,
    /// The pending flow expired (10 minutes) before the callback came.
    FlowExpired,
    /// The user declined in Zoom.
    AccessDenied,
    /// Zoom refused a code or refresh token: the grant is gone (reconnect).
    ZoomInvalidGrant,
    /// Zoom refused the app's client id or secret.
    ZoomInvalidClient,
    /// Any other error answer from Zoom.
    ZoomError,
    /// Zoom rate-limited the call (HTTP 429).
    ZoomRateLimited,
    /// Zoom answered something that is not what its API documents.
    ZoomBadResponse,
    /// Zoom could not be reached (network, timeout, HTTP 5xx).
    Network,
    /// No OS keychain (Secret Service, Keychain, Credential Manager) could be used.
    KeychainUnavailable,
    /// The metadata file could not be read or written.
    Storage,
    /// The signed-in Zoom user is neither Owner nor Admin.
    RoleNotAllowed,
    /// Zoom granted fewer scopes than the org requires.
    MissingScope,
    /// The Zoom account is already connected in another org.
    AccountInOtherOrg,
    /// The nickname is empty, too long or already used in the org.
    InvalidNickname,
    /// No such connection, org or flow.
    NotFound,
    /// Settings that cannot work (a bad URL, a missing client id).
    InvalidSettings,
    /// Another Zoom Connections process has held this connection's lock for too long.
    LockTimeout,
    /// A Reconnect signed in as another Zoom user than the connection's.
    WrongZoomUser,
    /// The app is quitting: no new rotation starts.
    ShuttingDown,
    /// Zoom refused SCIM for the account: it needs a Business or Education plan, an approved
    /// vanity URL, single sign-on and an Owner or Admin (docs/zoom.md, SCIM 2).
    ScimUnavailable,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidCallback => "invalid_callback",
            ErrorCode::StateMismatch => "state_mismatch",
            ErrorCode::FlowExpired => "flow_expired",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::ZoomInvalidGrant => "zoom_invalid_grant",
            ErrorCode::ZoomInvalidClient => "zoom_invalid_client",
            ErrorCode::ZoomError => "zoom_error",
            ErrorCode::ZoomRateLimited => "zoom_rate_limited",
            ErrorCode::ZoomBadResponse => "zoom_bad_response",
            ErrorCode::Network => "network",
            ErrorCode::KeychainUnavailable => "keychain_unavailable",
            ErrorCode::Storage => "storage",
            ErrorCode::RoleNotAllowed => "role_not_allowed",
            ErrorCode::MissingScope => "missing_scope",
            ErrorCode::AccountInOtherOrg => "account_in_other_org",
            ErrorCode::InvalidNickname => "invalid_nickname",
            ErrorCode::NotFound => "not_found",
            ErrorCode::InvalidSettings => "invalid_settings",
            ErrorCode::LockTimeout => "lock_timeout",
            ErrorCode::WrongZoomUser => "wrong_zoom_user",
            ErrorCode::ScimUnavailable => "scim_unavailable",
            ErrorCode::ShuttingDown => "shutting_down",
        }
    }

    /// Every code, for the UI's catalogs and the CLI's tests.
    pub const ALL: [ErrorCode; 22] = [
        ErrorCode::InvalidCallback,
        ErrorCode::StateMismatch,
        ErrorCode::FlowExpired,
        ErrorCode::AccessDenied,
        ErrorCode::ZoomInvalidGrant,
        ErrorCode::ZoomInvalidClient,
        ErrorCode::ZoomError,
        ErrorCode::ZoomRateLimited,
        ErrorCode::ZoomBadResponse,
        ErrorCode::Network,
        ErrorCode::KeychainUnavailable,
        ErrorCode::Storage,
        ErrorCode::RoleNotAllowed,
        ErrorCode::MissingScope,
        ErrorCode::AccountInOtherOrg,
        ErrorCode::InvalidNickname,
        ErrorCode::NotFound,
        ErrorCode::InvalidSettings,
        ErrorCode::LockTimeout,
        ErrorCode::WrongZoomUser,
        ErrorCode::ShuttingDown,
        ErrorCode::ScimUnavailable,
    ];

    /// Failures that go away by themselves (retry with backoff), as docs/zoom.md classifies them.
    pub fn is_transient(self) -> bool {
        matches!(self, ErrorCode::Network | ErrorCode::ZoomRateLimited | ErrorCode::LockTimeout)
    }
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct EngineError {
    pub code: ErrorCode,
    pub message: String,
    /// Which of Zoom's documented answers caused it, when one did: the window words it in the
    /// user's language (the message is English).
    pub reason: Option<crate::zoom_answers::ZoomReason>,
}

impl EngineError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), reason: None }
    }

    pub fn with_reason(mut self, reason: Option<crate::zoom_answers::ZoomReason>) -> Self {
        self.reason = reason;
        self
    }
}

pub type Result<T> = std::result::Result<T, EngineError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_code_and_message() {
        let e = EngineError::new(ErrorCode::InvalidCallback, "not a callback");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json, serde_json::json!({"code": "invalid_callback", "message": "not a callback", "reason": null}));
        assert_eq!(e.to_string(), "not a callback");
    }

    #[test]
    fn as_str_matches_the_serialised_code() {
        for code in ErrorCode::ALL {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
    }
}
