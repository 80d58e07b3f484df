//! What a failed call to Zoom is, in the engine's words: its class (how keepalive, Test, Delete
//! and the sign-in handle it; docs/zoom.md, Errors), Zoom's typed reason and how a grant ended.
//! The answers' readers (zoom_answers.rs, api_answers.rs) make them.

use crate::error::{EngineError, ErrorCode};
use crate::retry_after::RetryAfter;

/// Why a grant is gone, for the status the user reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantEnd {
    /// A newer sign-in of the same Zoom user for the same app (4741).
    Superseded,
    /// The Zoom user was deactivated or deleted (4735).
    OwnerGone,
    /// Deauthorized, uninstalled, or replaced without Zoom saying which.
    Ended,
}

/// How a failure is to be handled (docs/zoom.md, Errors). One classification, made here, for
/// every caller: keepalive, Test, Delete and the sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureClass {
    /// Goes away by itself: network errors, timeouts, HTTP 5xx, 429.
    Transient,
    /// Proves nothing about the grant (4700, `invalid_request`, an unknown 4xx, an unreadable
    /// answer): retried, and taken as lost only after a bound (keepalive's AMBIGUOUS_*).
    Ambiguous,
    /// The API refused an access token (HTTP 401 / code 124): a refresh tells a dead token from
    /// a dead grant.
    TokenRefused,
    /// The grant is gone at Zoom (a refresh answered `invalid_grant`): only a new sign-in helps.
    GrantEnded(GrantEnd),
    /// Zoom refused the app's settings or the request itself (client id or secret, a disabled
    /// app, a redirect URL, a missing scope): retrying cannot help, the user must change something.
    Refused,
    /// This computer: the keychain, the disk, a lock held by another process.
    Local,
}

impl FailureClass {
    /// The class an error code has when nothing more specific is known.
    pub fn of(code: ErrorCode) -> Self {
        match code {
            ErrorCode::Network | ErrorCode::ZoomRateLimited => FailureClass::Transient,
            ErrorCode::ZoomError | ErrorCode::ZoomBadResponse => FailureClass::Ambiguous,
            ErrorCode::ZoomInvalidGrant => FailureClass::GrantEnded(GrantEnd::Ended),
            ErrorCode::KeychainUnavailable | ErrorCode::Storage | ErrorCode::LockTimeout | ErrorCode::ShuttingDown => FailureClass::Local,
            _ => FailureClass::Refused,
        }
    }
}

/// A failure, how to handle it, and when to retry if Zoom said (429 `Retry-After`).
#[derive(Debug, Clone)]
pub struct ZoomFailure {
    pub error: EngineError,
    pub class: FailureClass,
    pub retry_after: Option<RetryAfter>,
    /// Which of Zoom's documented answers this was, when it was one: what callers act on,
    /// never the wording of `error.message`.
    pub reason: Option<ZoomReason>,
}

/// Zoom's token-endpoint answers that the app tells apart (docs/zoom.md, Errors).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoomReason {
    /// 4741: a newer grant of the same user and app replaced this one.
    Superseded,
    /// 4735: the Zoom user was deactivated or deleted.
    OwnerGone,
    /// 4737: Zoom no longer knows the authorization.
    AuthorizationUnknown,
    /// 4738: an admin turned off pre-approval for the app.
    PreApprovalOff,
    /// 4711: the app's scopes changed since the grant.
    ScopesChanged,
    /// 4733: the authorization code expired.
    CodeExpired,
    /// 4734: the authorization code was refused.
    CodeRefused,
    /// 4709: the redirect URL is not the registered one.
    RedirectMismatch,
    /// 4717: the app is deactivated.
    AppDisabled,
    /// 4702/4704, `invalid_client`: the client id or secret was refused.
    ClientRefused,
    /// 4705: the grant type is not allowed for the app.
    GrantTypeUnsupported,
    /// 4706: the client id, secret or grant type is missing.
    ClientMissing,
    /// Server-to-Server: the account id is not the app's.
    AccountUnknown,
    /// `invalid_grant` on a refresh without a more precise reason.
    GrantGone,
    /// 4700: Zoom's catch-all.
    Unexpected,
}

impl From<ZoomFailure> for EngineError {
    fn from(f: ZoomFailure) -> Self {
        let reason = f.reason.or(f.error.reason);
        f.error.with_reason(reason)
    }
}

impl From<EngineError> for ZoomFailure {
    fn from(error: EngineError) -> Self {
        ZoomFailure { class: FailureClass::of(error.code), error, retry_after: None, reason: None }
    }
}

pub(crate) fn failure(code: ErrorCode, message: &str) -> ZoomFailure {
    EngineError::new(code, message).into()
}

pub(crate) fn classified(code: ErrorCode, class: FailureClass, message: String, retry_after: Option<RetryAfter>) -> ZoomFailure {
    ZoomFailure { error: EngineError::new(code, message), class, retry_after, reason: None }
}
