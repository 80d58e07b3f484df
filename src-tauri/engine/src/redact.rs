//! Redaction of anything token-like before text reaches a log file. The engine never logs a
//! secret on purpose; this is the safety net for what a library or an error message might carry
//! (a URL with `code=`, an `Authorization` header, a token echoed by a server).

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

const MASK: &str = "<redacted>";

static RULES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    // Each rule is a literal, checked by the tests below; a failure here is a programming error
    // caught on the first test run, never something input can cause.
    let rule = |re: &str, with: &'static str| (Regex::new(re).expect("valid redaction regex"), with);
    vec![
        // key=value, key: value, "key":"value" for names that carry secrets.
        rule(
            r#"(?i)\b((?:access|refresh|id)_token|code_verifier|client_secret|password|secret|token|code|state)(["']?\s*[=:]\s*["']?)([^&\s"',;}\]]+)"#,
            "${1}${2}<redacted>",
        ),
        // HTTP authorization schemes.
        rule(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}", "${1} <redacted>"),
        // JWTs (Zoom's access tokens are JWTs).
        rule(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*", MASK),
        // Any other long opaque string: longer than any word, id or path segment we log.
        rule(r"\b[A-Za-z0-9_-]{40,}\b", MASK),
    ]
});

/// `text` with every token-like part replaced by `<redacted>`.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for (re, with) in RULES.iter() {
        if re.is_match(&out) {
            out = Cow::Owned(re.replace_all(&out, *with).into_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn leaves_ordinary_text_alone() {
        let line = "keepalive: connection 3 refreshed, next at 14:32 (/v2/users/me 200)";
        assert_eq!(redact(line), line);
    }

    #[test]
    fn masks_query_values_and_json_fields() {
        let out = redact(r#"GET /cb?code=AbC123&state=s9 {"access_token":"tok1","refresh_token": "tok2"}"#);
        for secret in ["AbC123", "s9", "tok1", "tok2"] {
            assert!(!out.contains(secret), "{out}");
        }
        assert!(out.contains("code=<redacted>") && out.contains(r#""access_token":"<redacted>""#), "{out}");
    }

    #[test]
    fn masks_authorization_headers_jwts_and_long_opaque_strings() {
        let jwt = "eyJhbGciOiJIUzUxMiJ9.eyJ1aWQiOiJhYmMifQ.c2lnbmF0dXJl";
        let opaque = "x".repeat(48);
        let line = format!("Authorization: Bearer abcdefghij12 / {jwt} / {opaque} / Basic Y2xpZW50OnNlY3JldA==");
        let out = redact(&line);
        assert!(!out.contains("abcdefghij12") && !out.contains(jwt) && !out.contains(&opaque), "{out}");
        assert!(!out.contains("Y2xpZW50OnNlY3JldA"), "{out}");
    }
}
