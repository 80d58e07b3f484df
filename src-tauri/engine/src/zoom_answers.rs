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

use crate::error::ErrorCode;
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

// How a failure is classified, and its types, live in zoom_failure.rs; re-exported here so
// that every caller keeps reading Zoom's answers from one place.
pub(crate) use crate::zoom_failure::{classified, failure};
pub use crate::zoom_failure::{FailureClass, GrantEnd, ZoomFailure, ZoomReason};

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
    /// No usable answer, yet Zoom may have carried the call out (a refresh rotated): the
    /// request was sent and its answer broke off, came too late, was a 2xx the app cannot read,
    /// or a 5xx (docs/zoom.md, Tokens: a lost answer). False when Zoom answered, or when the
    /// request never left (no connection).
    pub in_doubt: bool,
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
    TokenAnswer { tokens, refresh, in_doubt: false }
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
            // A 2xx: Zoom (or something posing as it) carried the call out.
            None => TokenAnswer { tokens: Err(unparseable_token_answer(status, retry_after)), refresh: None, in_doubt: true },
        };
    }
    let failure = match serde_json::from_slice::<ZoomOAuthError>(body) {
        Ok(err) if !err.error.is_empty() || err.reason.is_some() => token_error(&err, call, status, retry_after),
        _ => unparseable_token_answer(status, retry_after),
    };
    // A 5xx may come after the work was done (Zoom's own, or a gateway's that gave up waiting).
    TokenAnswer { tokens: Err(failure), refresh: None, in_doubt: status >= 500 }
}

/// Zoom's text inside one of our messages: redacted and bounded. Zoom echoes codes in its
/// messages ("Invalid authorization code <code>"), and a code can be shorter than what the log's
/// redaction masks, so any long run of letters and digits with a digit in it goes too.
pub(crate) fn short(text: &str) -> String {
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

pub use crate::api_answers::{api_answer, identity_answer, parse_identity, refuses_token, scim_answer};

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
