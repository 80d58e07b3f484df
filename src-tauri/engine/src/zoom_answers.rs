//! What Zoom's answers mean: turning the bytes of a token-endpoint or API answer into tokens, an
//! identity or a classified failure, as docs/zoom.md (Errors) prescribes. Pure functions on bytes,
//! status codes and headers, so that the HTTP client (zoom.rs), the fuzz targets (fuzz/) and the
//! replay of their corpus (tests/fuzz_corpus.rs) run exactly the same code.
//!
//! Token answers are read leniently and field by field rather than through a strict typed
//! response (as the `oauth2` crate does): a 2xx answer to a refresh has already rotated the
//! refresh token at Zoom, so a refresh token in it must survive an odd `expires_in` or a missing
//! `scope`; RFC 6749 §6 lets a refresh answer omit the refresh token (the old one stays), and
//! §5.1 lets it omit `scope` (unchanged).

use crate::retry_after::RetryAfter;

use serde::Deserialize;

use crate::error::{EngineError, ErrorCode};
use crate::model::ZoomIdentity;
use crate::secret::Secret;

/// Zoom's OAuth error body: `{"reason": "...", "error": "..."}` (RFC 6749 §5.2 adds
/// `error_description`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ZoomOAuthError {
    #[serde(default)]
    pub error: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub error_description: Option<String>,
}

/// Tokens as Zoom issued them, with the wall-clock expiry computed once on receipt.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access: Secret,
    /// None: the answer carried no new refresh token, the current one stays (RFC 6749 §6).
    pub refresh: Option<Secret>,
    pub expires_at: i64,
    /// None: the answer named no scope, the granted ones are unchanged (RFC 6749 §5.1).
    pub scopes: Option<Vec<String>>,
    /// As Zoom named it; the engine accepts it only for a Zoom API host of the org's region.
    pub api_url: Option<String>,
}

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

fn classified(code: ErrorCode, class: FailureClass, message: String, retry_after: Option<RetryAfter>) -> ZoomFailure {
    ZoomFailure { error: EngineError::new(code, message), class, retry_after, reason: None }
}

/// What a 2xx token answer carried, field by field; nothing judged yet.
#[derive(Debug, Clone, Default)]
pub struct TokenFields {
    pub access: Option<Secret>,
    pub refresh: Option<Secret>,
    pub token_type: Option<String>,
    pub expires_in: Option<i64>,
    pub scopes: Option<Vec<String>>,
    pub api_url: Option<String>,
}

/// The fields of a token answer's JSON object. Values of the wrong type count as absent, except
/// `expires_in`, which may come as a numeric string (some servers and proxies send it so).
pub fn token_fields(body: &[u8]) -> Option<TokenFields> {
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    let obj = json.as_object()?;
    let text = |k: &str| obj.get(k).and_then(|v| v.as_str()).filter(|s| !s.is_empty());
    let expires_in = match obj.get("expires_in") {
        Some(serde_json::Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Some(serde_json::Value::String(s)) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    Some(TokenFields {
        access: text("access_token").map(Secret::new),
        refresh: text("refresh_token").map(Secret::new),
        token_type: text("token_type").map(String::from),
        expires_in,
        scopes: text("scope").map(|s| s.split([' ', ',']).filter(|s| !s.is_empty()).map(String::from).collect()),
        api_url: text("api_url").map(String::from),
    })
}

/// A token answer judged: the tokens, or why they cannot be used. `refresh` is set whenever the
/// answer carried a refresh token, usable rest or not: after a refresh Zoom has rotated, and
/// that token must be kept (docs/zoom.md, Tokens: lifetimes and rotation).
#[derive(Debug)]
pub struct TokenAnswer {
    pub tokens: Result<TokenSet, ZoomFailure>,
    pub refresh: Option<Secret>,
}

/// Zoom's access tokens live an hour (`expires_in` 3599); an answer without one is taken as that.
const DEFAULT_EXPIRES_IN: i64 = 3599;

/// Judges the fields of a 2xx token answer.
pub fn token_set(fields: TokenFields, now: i64) -> TokenAnswer {
    let refresh = fields.refresh.clone();
    let bad = |m: String| classified(ErrorCode::ZoomBadResponse, FailureClass::Ambiguous, m, None);
    let tokens = (|| {
        let access = fields.access.ok_or_else(|| bad("Zoom's token answer has no access token".into()))?;
        // RFC 6749 §7.1: a client must not use a token whose type it does not understand.
        match fields.token_type.as_deref() {
            Some(t) if t.eq_ignore_ascii_case("bearer") => {}
            other => return Err(bad(format!("Zoom's token answer has token_type {}, not Bearer; the token was not used", short(other.unwrap_or("(none)"))))),
        }
        // A hostile or broken answer is kept within sane bounds: no less than a minute (0 would
        // make keepalive refresh, and rotate, at every tick) and no more than a day.
        let expires_in = fields.expires_in.unwrap_or(DEFAULT_EXPIRES_IN).clamp(60, 24 * 3600);
        Ok(TokenSet {
            access,
            refresh: fields.refresh,
            // Computed once, in wall-clock time (docs/zoom.md: the expiry-arithmetic bug).
            expires_at: now + expires_in,
            scopes: fields.scopes,
            // Kept as Zoom named it: whether it may receive tokens is decided where it would
            // be used, host by host (`orgs::api_url_allowed`), never by a prefix here.
            api_url: fields.api_url,
        })
    })();
    TokenAnswer { tokens, refresh }
}

/// Which token-endpoint call an answer belongs to: the same `invalid_grant` means a refused code
/// at a sign-in, but a grant that is gone on a refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenCall {
    CodeExchange,
    Refresh,
    Revoke,
    /// Server-to-Server: `grant_type=account_credentials`.
    AccountCredentials,
}

/// Zoom's OAuth errors (docs/zoom.md, Errors) by their number or by Zoom's wording of them, first
/// match wins. Zoom's token endpoint usually sends the wording without the number, and sometimes
/// neither (a superseded grant has been seen answering a plain "Invalid Token!"), so the `error`
/// field decides when nothing here matches.
const REASONS: [(&[&str], ZoomReason, ErrorCode, FailureClass, &str); 14] = [
    (
        &["4741", "token has been revoked"],
        ZoomReason::Superseded,
        ErrorCode::ZoomInvalidGrant,
        FailureClass::GrantEnded(GrantEnd::Superseded),
        "a newer connection for this Zoom user replaced it (4741)",
    ),
    (
        &["4735", "owner of the token does not exist"],
        ZoomReason::OwnerGone,
        ErrorCode::ZoomInvalidGrant,
        FailureClass::GrantEnded(GrantEnd::OwnerGone),
        // Zoom's error table: "The owner of the token does not exist"; other copies of it:
        // an invalid refresh token (docs/zoom.md, Errors). Worded for both; either way, reconnect.
        "the Zoom user was removed or deactivated, or Zoom no longer accepts this refresh token (4735)",
    ),
    (
        &["4737", "can not find the authentication"],
        ZoomReason::AuthorizationUnknown,
        ErrorCode::ZoomInvalidGrant,
        FailureClass::GrantEnded(GrantEnd::Ended),
        "Zoom no longer knows this authorization (4737)",
    ),
    (
        &["4738", "disabled by admin"],
        ZoomReason::PreApprovalOff,
        ErrorCode::ZoomInvalidGrant,
        FailureClass::GrantEnded(GrantEnd::Ended),
        "a Zoom admin turned off pre-approval for this app (4738)",
    ),
    (
        &["4711", "refresh token invalid"],
        ZoomReason::ScopesChanged,
        ErrorCode::ZoomInvalidGrant,
        FailureClass::GrantEnded(GrantEnd::Ended),
        "the Zoom app's scopes changed since this connection was authorized (4711)",
    ),
    (
        &["4733", "code is expired"],
        ZoomReason::CodeExpired,
        ErrorCode::ZoomInvalidGrant,
        FailureClass::Refused,
        "the authorization code expired before it was used (4733); start the sign-in again",
    ),
    (
        &["4734", "invalid authorization code"],
        ZoomReason::CodeRefused,
        ErrorCode::ZoomInvalidGrant,
        FailureClass::Refused,
        "Zoom did not accept the authorization code (4734); start the sign-in again",
    ),
    (
        &["4709", "redirect uri mismatch"],
        ZoomReason::RedirectMismatch,
        ErrorCode::InvalidSettings,
        FailureClass::Refused,
        "the redirect URL does not match the one registered in the Zoom app (4709)",
    ),
    (&["4717", "app has been disabled"], ZoomReason::AppDisabled, ErrorCode::ZoomInvalidClient, FailureClass::Refused, "the Zoom app is deactivated (4717)"),
    (
        &["invalid account_id", "invalid account id"],
        ZoomReason::AccountUnknown,
        ErrorCode::InvalidSettings,
        FailureClass::Refused,
        "Zoom does not know this account ID for the app",
    ),
    (
        &["4702", "4704", "invalid client"],
        ZoomReason::ClientRefused,
        ErrorCode::ZoomInvalidClient,
        FailureClass::Refused,
        "Zoom refused the app's client id or secret (4702)",
    ),
    (
        &["4705", "grant type is not supported"],
        ZoomReason::GrantTypeUnsupported,
        ErrorCode::ZoomError,
        FailureClass::Refused,
        "Zoom does not support this grant type for the app (4705)",
    ),
    (
        &["4706"],
        ZoomReason::ClientMissing,
        ErrorCode::ZoomInvalidClient,
        FailureClass::Refused,
        "Zoom says the client id, secret or grant type is missing (4706)",
    ),
    // 4700 is Zoom's catch-all for unexpected errors: it proves nothing.
    (&["4700"], ZoomReason::Unexpected, ErrorCode::ZoomError, FailureClass::Ambiguous, "Zoom answered with an unexpected error (4700); it is retried"),
];

/// docs/zoom.md, Errors: classify on both `error` and `reason`.
pub(crate) fn token_error(err: &ZoomOAuthError, call: TokenCall, status: u16, retry_after: Option<RetryAfter>) -> ZoomFailure {
    let reason_text = err.reason.as_deref().or(err.error_description.as_deref()).unwrap_or_default();
    let lower = reason_text.to_ascii_lowercase();
    if let Some((_, reason, code, class, message)) = REASONS.iter().find(|(needles, ..)| needles.iter().any(|n| lower.contains(n))) {
        // A refused code at a sign-in, or a refused mint, is the user's to retry, not a lost grant.
        let class = match (call, class) {
            (TokenCall::CodeExchange | TokenCall::AccountCredentials, FailureClass::GrantEnded(_)) => FailureClass::Refused,
            _ => *class,
        };
        return ZoomFailure { reason: Some(*reason), ..classified(*code, class, message.to_string(), retry_after) };
    }
    let reason = match err.error.as_str() {
        "invalid_grant" if call == TokenCall::Refresh => Some(ZoomReason::GrantGone),
        "invalid_client" | "unauthorized_client" => Some(ZoomReason::ClientRefused),
        _ => None,
    };
    let (code, class, message) = match err.error.as_str() {
        "invalid_grant" if call == TokenCall::CodeExchange => {
            (ErrorCode::ZoomInvalidGrant, FailureClass::Refused, "Zoom did not accept this sign-in's authorization code; start the sign-in again".to_string())
        }
        // RFC 6749 §5.2: the refresh token is invalid, expired or revoked. Zoom does not always
        // say why (4741 is often missing), so the reason names every possibility.
        "invalid_grant" => (
            ErrorCode::ZoomInvalidGrant,
            FailureClass::GrantEnded(GrantEnd::Ended),
            "deauthorized or uninstalled in Zoom, or replaced by a newer sign-in".to_string(),
        ),
        "invalid_client" | "unauthorized_client" => {
            (ErrorCode::ZoomInvalidClient, FailureClass::Refused, "Zoom refused the app's client id or secret".to_string())
        }
        _ if status == 429 => (ErrorCode::ZoomRateLimited, FailureClass::Transient, "Zoom's rate limit was reached".to_string()),
        _ if status >= 500 => (ErrorCode::Network, FailureClass::Transient, format!("Zoom had a server error (HTTP {status})")),
        // `invalid_request` is also Zoom's answer to its own internal errors, and any other 4xx
        // (a proxy's, an unknown one) proves nothing about the grant.
        other => (
            ErrorCode::ZoomError,
            FailureClass::Ambiguous,
            format!("Zoom refused the request ({}: {})", short(if other.is_empty() { "no error code" } else { other }), short(reason_text)),
        ),
    };
    ZoomFailure { reason, ..classified(code, class, message, retry_after) }
}

/// A non-2xx token-endpoint answer that is not Zoom's error shape (a proxy's page, a cut body).
pub(crate) fn unparseable_token_answer(status: u16, retry_after: Option<RetryAfter>) -> ZoomFailure {
    let (code, class, message) = match status {
        429 => (ErrorCode::ZoomRateLimited, FailureClass::Transient, "Zoom's rate limit was reached".to_string()),
        500..=599 => (ErrorCode::Network, FailureClass::Transient, format!("Zoom had a server error (HTTP {status})")),
        _ => (ErrorCode::ZoomBadResponse, FailureClass::Ambiguous, format!("Zoom answered something unexpected (HTTP {status})")),
    };
    classified(code, class, message, retry_after)
}

/// A token-endpoint answer, from its status and body: the tokens, or what went wrong.
pub fn token_answer(call: TokenCall, status: u16, retry_after: Option<RetryAfter>, body: &[u8], now: i64) -> TokenAnswer {
    if (200..300).contains(&status) {
        return match token_fields(body) {
            Some(fields) => token_set(fields, now),
            None => TokenAnswer { tokens: Err(unparseable_token_answer(status, retry_after)), refresh: None },
        };
    }
    let failure = match serde_json::from_slice::<ZoomOAuthError>(body) {
        Ok(err) if !err.error.is_empty() || err.reason.is_some() => token_error(&err, call, status, retry_after),
        _ => unparseable_token_answer(status, retry_after),
    };
    TokenAnswer { tokens: Err(failure), refresh: None }
}

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

/// Zoom's text inside one of our messages: redacted and bounded. Zoom echoes codes in its
/// messages ("Invalid authorization code <code>"), and a code can be shorter than what the log's
/// redaction masks, so any long run of letters and digits with a digit in it goes too.
fn short(text: &str) -> String {
    static CODE_LIKE: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"\b[A-Za-z0-9_\-]*[0-9][A-Za-z0-9_\-]*\b").expect("a valid pattern"));
    let redacted = crate::redact::redact(text);
    let masked = CODE_LIKE.replace_all(&redacted, |m: &regex::Captures| {
        let word = &m[0];
        if word.len() >= 16 {
            "<redacted>".to_string()
        } else {
            word.to_string()
        }
    });
    masked.chars().take(200).collect()
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

/// What a revocation answer proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocation {
    /// A 2xx from the org's token host with an empty or JSON body: revoked (RFC 7009 §2.2;
    /// Zoom answers `{"status":"success"}`).
    Revoked,
    /// A 2xx whose body is neither: something in between may have answered (a captive portal,
    /// a proxy's page), so a refresh must tell whether the grant is gone (`tokens.rs`, revoke).
    Unconfirmed,
    /// An OAuth error naming the token (`invalid_grant`, `invalid_request` "Invalid Token!"):
    /// the token is unknown or dead, which proves nothing about the grant until a refresh
    /// answers `invalid_grant` too (`tokens.rs`, revoke).
    TokenRejected,
}

/// The revocation answer.
pub fn revoke_answer(status: u16, body: &[u8]) -> Result<Revocation, ZoomFailure> {
    if (200..300).contains(&status) {
        let zoom_shaped = body.iter().all(u8::is_ascii_whitespace) || serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(body).is_ok();
        return Ok(if zoom_shaped { Revocation::Revoked } else { Revocation::Unconfirmed });
    }
    let err: Option<ZoomOAuthError> = serde_json::from_slice(body).ok().filter(|e: &ZoomOAuthError| !e.error.is_empty());
    match err {
        Some(e) if status < 500 && status != 429 && matches!(e.error.as_str(), "invalid_grant" | "invalid_request" | "invalid_token") => {
            Ok(Revocation::TokenRejected)
        }
        Some(e) => Err(token_error(&e, TokenCall::Revoke, status, None)),
        None => Err(unparseable_token_answer(status, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(body: &str, call: TokenCall) -> ZoomFailure {
        match token_answer(call, 400, None, body.as_bytes(), 0).tokens {
            Err(f) => f,
            Ok(_) => panic!("a 400 gave tokens"),
        }
    }

    #[test]
    fn the_same_invalid_grant_is_a_refused_code_at_sign_in_and_a_lost_grant_on_refresh() {
        let body = r#"{"reason":"Invalid Token!","error":"invalid_grant"}"#;
        let at_sign_in = refused(body, TokenCall::CodeExchange);
        let on_refresh = refused(body, TokenCall::Refresh);
        assert_eq!(at_sign_in.class, FailureClass::Refused);
        assert_eq!(on_refresh.class, FailureClass::GrantEnded(GrantEnd::Ended));
        assert!(at_sign_in.error.message.contains("start the sign-in again"), "{}", at_sign_in.error.message);
        assert!(on_refresh.error.message.contains("replaced by a newer sign-in"));
    }

    #[test]
    fn zoom_reason_numbers_win_over_the_error_field() {
        let e = refused(r#"{"reason":"Token is revoked (4741)","error":"invalid_request"}"#, TokenCall::Refresh);
        assert_eq!(e.class, FailureClass::GrantEnded(GrantEnd::Superseded));
        let e = refused(r#"{"reason":"Redirect URI mismatch (4709)","error":"invalid_request"}"#, TokenCall::CodeExchange);
        assert_eq!(e.error.code, ErrorCode::InvalidSettings);
    }

    #[test]
    fn zoom_wording_without_numbers_is_read_too() {
        let e = refused(r#"{"reason":"The owner of the token does not exist.","error":"invalid_grant"}"#, TokenCall::Refresh);
        assert_eq!(e.class, FailureClass::GrantEnded(GrantEnd::OwnerGone));
        let e = refused(r#"{"reason":"Redirect URI mismatch.","error":"invalid_request"}"#, TokenCall::CodeExchange);
        assert_eq!(e.error.code, ErrorCode::InvalidSettings);
        let e = refused(r#"{"reason":"Invalid client_id or client_secret","error":"invalid_client"}"#, TokenCall::CodeExchange);
        assert_eq!(e.error.code, ErrorCode::ZoomInvalidClient);
        // The code in Zoom's "Invalid authorization code <code>" never reaches the message.
        let e = refused(r#"{"reason":"Invalid authorization code zsc_SECRETCODE123","error":"invalid_grant"}"#, TokenCall::CodeExchange);
        assert!(!e.error.message.contains("SECRETCODE"), "{}", e.error.message);
    }

    #[test]
    fn catch_all_and_internal_errors_prove_nothing() {
        for body in [
            r#"{"reason":"Internal Error (4700)","error":"invalid_request"}"#,
            r#"{"reason":"Internal error","error":"invalid_request"}"#,
            r#"{"reason":"something new","error":"temporarily_unavailable"}"#,
        ] {
            assert_eq!(refused(body, TokenCall::Refresh).class, FailureClass::Ambiguous, "{body}");
        }
        // A proxy's 403 page.
        let f = token_answer(TokenCall::Refresh, 403, None, b"<html>Forbidden</html>", 0).tokens.unwrap_err();
        assert_eq!(f.class, FailureClass::Ambiguous);
    }

    #[test]
    fn a_rotated_refresh_token_survives_odd_fields() {
        let now = 1_000;
        let body = br#"{"access_token":"a","token_type":"Bearer","refresh_token":"r2","expires_in":"3599"}"#;
        let answer = token_answer(TokenCall::Refresh, 200, None, body, now);
        let t = answer.tokens.unwrap();
        assert_eq!((t.expires_at, t.refresh.unwrap().expose()), (now + 3599, "r2"));
        assert!(t.scopes.is_none(), "no scope: unchanged");
        // Not Bearer: the access token is refused, the refresh token still handed back.
        let body = br#"{"access_token":"a","token_type":"mac","refresh_token":"r3","expires_in":3599}"#;
        let answer = token_answer(TokenCall::Refresh, 200, None, body, now);
        assert!(answer.tokens.is_err());
        assert_eq!(answer.refresh.unwrap().expose(), "r3");
        // No refresh token: the old one stays (RFC 6749 §6).
        let body = br#"{"access_token":"a","token_type":"bearer","expires_in":3599}"#;
        assert!(token_answer(TokenCall::Refresh, 200, None, body, now).tokens.unwrap().refresh.is_none());
    }

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

    #[test]
    fn code_4735_is_worded_for_both_of_zoom_s_meanings() {
        let f = token_answer(TokenCall::Refresh, 400, None, br#"{"reason":"The owner of the token does not exist.","error":"invalid_grant"}"#, 0)
            .tokens
            .unwrap_err();
        assert_eq!(f.reason, Some(ZoomReason::OwnerGone));
        assert!(f.error.message.contains("removed or deactivated") && f.error.message.contains("refresh token"), "{}", f.error.message);
        let words = crate::reasons::words(&crate::reasons::StatusReason::Refused { error: f.error.code, zoom: f.reason }, true);
        assert!(words.contains("リフレッシュトークン"), "{words}");
    }

    #[test]
    fn revocation_answers() {
        assert_eq!(revoke_answer(200, b"").unwrap(), Revocation::Revoked);
        assert_eq!(revoke_answer(200, br#"{"status":"success"}"#).unwrap(), Revocation::Revoked);
        // A 2xx that is not Zoom's answer (a captive portal's page) proves nothing by itself.
        assert_eq!(revoke_answer(200, b"<html>ok</html>").unwrap(), Revocation::Unconfirmed);
        assert_eq!(revoke_answer(200, b"null").unwrap(), Revocation::Unconfirmed);
        assert_eq!(revoke_answer(400, br#"{"reason":"Invalid Token!","error":"invalid_request"}"#).unwrap(), Revocation::TokenRejected);
        assert_eq!(revoke_answer(403, b"<html>Forbidden by proxy</html>").unwrap_err().class, FailureClass::Ambiguous);
        assert_eq!(revoke_answer(404, b"not here").unwrap_err().class, FailureClass::Ambiguous);
        assert_eq!(revoke_answer(502, b"bad gateway").unwrap_err().class, FailureClass::Transient);
    }
}
