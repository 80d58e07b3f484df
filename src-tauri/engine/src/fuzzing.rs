//! The bodies of the fuzz targets (fuzz/fuzz_targets/), here so that the corpus replay test
//! (tests/fuzz_corpus.rs) runs the very same checks on every stored input. Each takes arbitrary
//! bytes, runs the engine's real parsing on them, and panics only if an invariant breaks: any
//! text of a callback URL shown in its printable forms, a token set that expires in the past or
//! beyond a day, a secret in a `Debug` output, an unbounded error message.

use std::sync::LazyLock;

use crate::callback_url::CallbackUrl;
use crate::retry_after::{parse_retry_after, RETRY_AFTER_CEILING};
use crate::zoom_answers::{api_answer, identity_answer, revoke_answer, scim_answer, token_answer, TokenCall};

/// Any bytes as a callback URL, as a deep link or the loopback listener would hand them over.
pub fn callback_url(data: &[u8]) {
    let Ok(raw) = std::str::from_utf8(data) else { return };
    let Ok(cb) = CallbackUrl::parse(raw) else { return };
    // The printable forms hold nothing from the input but the loopback port: fixed text,
    // the known parameter names, and placeholders.
    let redacted = cb.redacted();
    static SHAPE: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
        r"^(zoom-connections://oauth/callback|http://127\.0\.0\.1:\d{1,5}/oauth/callback)(\?(code|state|error|error_description|<other>)=<redacted>(&(code|state|error|error_description|<other>)=<redacted>)*(&<more>)?)?$",
    )
        .expect("a valid pattern")
    });
    assert!(SHAPE.is_match(&redacted), "input shows through: {redacted}");
    assert_eq!(cb.to_string(), redacted);
    assert_eq!(format!("{cb:?}"), format!("CallbackUrl({redacted:?})"));
}

const STATUSES: [u16; 12] = [200, 201, 204, 301, 400, 401, 403, 404, 429, 500, 502, 503];
const NOW: i64 = 1_800_000_000;

/// Any bytes as one of Zoom's answers: the first byte picks the call, the second the HTTP
/// status, the rest is the body.
pub fn zoom_answer(data: &[u8]) {
    let [call, status, body @ ..] = data else { return };
    // The status byte's high bit picks which token call a token answer belongs to.
    let token_call = if status & 0x80 == 0 { TokenCall::Refresh } else { TokenCall::CodeExchange };
    let status = STATUSES[*status as usize % STATUSES.len()];
    let bounded = |message: &str| assert!(message.chars().count() <= 300, "unbounded message: {message}");
    match call % 6 {
        0 => {
            let answer = token_answer(token_call, status, None, body, NOW);
            // A 2xx answer's refresh token is never thrown away, whatever else it holds.
            let carried = serde_json::from_slice::<serde_json::Value>(body)
                .ok()
                .and_then(|j| j.get("refresh_token").and_then(|r| r.as_str()).map(String::from))
                .filter(|r| !r.is_empty());
            match (&carried, &answer.refresh) {
                (Some(sent), Some(kept)) => assert!((200..300).contains(&status) && sent == kept.expose()),
                (Some(_), None) => assert!(!(200..300).contains(&status), "a 2xx answer's refresh token was dropped"),
                (None, kept) => assert!(kept.is_none()),
            }
            match answer.tokens {
                Ok(tokens) => {
                    assert!((200..300).contains(&status));
                    assert!(tokens.expires_at > NOW && tokens.expires_at <= NOW + 24 * 3600, "expiry {}", tokens.expires_at);
                    let debug = format!("{tokens:?}");
                    assert!(!tokens.access.expose().is_empty());
                    // Every token prints as the placeholder (a token of a few characters could occur
                    // in the rest of the output by chance, so the placeholders are counted instead).
                    let expected = 1 + usize::from(tokens.refresh.is_some());
                    assert_eq!(debug.matches("Secret(<redacted>)").count(), expected, "a token in Debug output: {debug}");
                    if let Some(refresh) = tokens.refresh.as_ref().filter(|r| r.expose().len() >= 8) {
                        assert!(!debug.contains(refresh.expose()), "a refresh token in Debug output");
                    }
                }
                Err(f) => bounded(&f.error.message),
            }
        }
        1 => match identity_answer(status, body) {
            Ok(me) => assert!(!me.user_id.is_empty()),
            Err(f) => bounded(&f.error.message),
        },
        2 => {
            if let Err(f) = scim_answer(status, body) {
                bounded(&f.error.message)
            }
        }
        3 => {
            if let Err(f) = revoke_answer(status, body) {
                bounded(&f.error.message)
            }
        }
        4 => {
            // Any header value, as delay-seconds, a date or anything else: bounded, never a panic.
            if let Ok(text) = std::str::from_utf8(body) {
                if let Some(r) = parse_retry_after(text, NOW) {
                    assert!(r.wait <= RETRY_AFTER_CEILING);
                }
            }
        }
        _ => {
            if let Err(f) = api_answer(status, None, None, body) {
                bounded(&f.error.message)
            }
        }
    }
}
