//! The shape of an OAuth callback URL as it reaches the app: `zoom-connections://oauth/callback?…`
//! from a deep link (directly or through the HTTPS relay page). Anything that arrives this way is
//! untrusted input from another process, so it is checked before anything looks at it, and it is
//! only ever printed without its query values.

use std::fmt;

use url::Url;

use crate::error::{EngineError, ErrorCode};

/// The custom URL scheme registered with the OS.
pub const SCHEME: &str = "zoom-connections";
const HOST: &str = "oauth";
const PATH: &str = "/callback";
/// The path of the loopback redirect `http://127.0.0.1:{port}/oauth/callback`.
pub const LOOPBACK_PATH: &str = "/oauth/callback";
/// The deep-link redirect URL, as registered in a Zoom app.
pub const DEEP_LINK_REDIRECT: &str = "zoom-connections://oauth/callback";
/// Far above any real callback (a code and a state are well under 1 KiB), far below what could
/// hurt: a hostile caller can hand us a URL of any length on the command line.
const MAX_LEN: usize = 8 * 1024;
/// The parameters an OAuth callback may carry (RFC 6749 §4.1.2).
const KNOWN_PARAMS: [&str; 4] = ["code", "state", "error", "error_description"];

/// A deep-link URL whose scheme, host and path are those of an OAuth callback.
/// `Debug` and `Display` show parameter names only, never values.
#[derive(Clone, PartialEq, Eq)]
pub struct CallbackUrl {
    url: Url,
}

impl CallbackUrl {
    pub fn parse(raw: &str) -> Result<Self, EngineError> {
        let refuse = |why: &str| EngineError::new(ErrorCode::InvalidCallback, format!("not an OAuth callback link: {why}"));
        if raw.len() > MAX_LEN {
            return Err(refuse(&format!("longer than {MAX_LEN} bytes")));
        }
        let url = Url::parse(raw).map_err(|e| refuse(&format!("unparseable URL ({e})")))?;
        match url.scheme() {
            SCHEME => {
                if url.host_str() != Some(HOST) {
                    return Err(refuse("wrong host"));
                }
                if url.path() != PATH {
                    return Err(refuse("wrong path"));
                }
                if url.port().is_some() {
                    return Err(refuse("unexpected port"));
                }
            }
            // The loopback redirect: the engine's one-shot listener hands over what it received.
            "http" if url.host_str() == Some("127.0.0.1") => {
                if url.path() != LOOPBACK_PATH {
                    return Err(refuse("wrong path"));
                }
            }
            _ => return Err(refuse("wrong scheme")),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(refuse("unexpected user"));
        }
        if url.fragment().is_some() {
            return Err(refuse("unexpected fragment"));
        }
        Ok(Self { url })
    }

    /// A `zoom-connections://` link (not the loopback form).
    pub fn is_deep_link(&self) -> bool {
        self.url.scheme() == SCHEME
    }

    /// Whether it is an answer to a flow sent to `redirect_uri`: a loopback flow's comes back to
    /// that very address (scheme, host, port, path), a deep link or relay flow's as a deep link.
    /// A URL pasted back by hand (sign_in/paste.rs) is held to the same.
    pub fn answers(&self, redirect_uri: &str) -> bool {
        let loopback_flow = redirect_uri.starts_with("http://");
        if loopback_flow {
            !self.is_deep_link() && self.same_endpoint(redirect_uri)
        } else {
            self.is_deep_link()
        }
    }

    /// Whether it came back to exactly `redirect_uri` (scheme, host, port, path): for a
    /// loopback flow, its own listener's address.
    fn same_endpoint(&self, redirect_uri: &str) -> bool {
        Url::parse(redirect_uri).is_ok_and(|r| {
            r.scheme() == self.url.scheme()
                && r.host_str() == self.url.host_str()
                && r.port_or_known_default() == self.url.port_or_known_default()
                && r.path() == self.url.path()
        })
    }

    /// The single value of a query parameter. A parameter given twice is ambiguous (which `state`
    /// would we check?), so it counts as absent and the caller refuses the callback.
    pub fn param(&self, name: &str) -> Option<String> {
        let mut values = self.url.query_pairs().filter(|(k, _)| k == name).map(|(_, v)| v);
        let first = values.next()?;
        if values.next().is_some() {
            return None;
        }
        Some(first.into_owned())
    }

    /// The URL with every query value replaced, safe to log.
    pub fn redacted(&self) -> String {
        let base = if self.url.scheme() == SCHEME {
            format!("{SCHEME}://{HOST}{PATH}")
        } else {
            format!("http://127.0.0.1:{}{LOOPBACK_PATH}", self.url.port().unwrap_or(80))
        };
        let names: Vec<String> = self
            .url
            .query_pairs()
            .take(16)
            // Only the parameter names of an OAuth callback are shown. Any other name is text
            // from outside like a value (a mangled link can turn `code=zsc_…` into a name), so
            // it is redacted too — found by the callback_url fuzzer.
            .map(|(k, _)| match KNOWN_PARAMS.iter().find(|known| **known == k) {
                Some(known) => format!("{known}=<redacted>"),
                None => "<other>=<redacted>".to_string(),
            })
            .collect();
        let more = if self.url.query_pairs().count() > 16 { "&<more>" } else { "" };
        if names.is_empty() {
            base
        } else {
            format!("{base}?{}{more}", names.join("&"))
        }
    }
}

impl fmt::Display for CallbackUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for CallbackUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CallbackUrl").field(&self.redacted()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_callback_and_reads_its_parameters() {
        let cb = CallbackUrl::parse("zoom-connections://oauth/callback?code=abc&state=xyz").unwrap();
        assert_eq!(cb.param("code").as_deref(), Some("abc"));
        assert_eq!(cb.param("state").as_deref(), Some("xyz"));
        assert_eq!(cb.param("error"), None);
    }

    #[test]
    fn never_prints_query_values() {
        let cb = CallbackUrl::parse("zoom-connections://oauth/callback?code=SECRETCODE&state=SECRETSTATE").unwrap();
        for shown in [cb.to_string(), format!("{cb:?}"), cb.redacted()] {
            assert!(!shown.contains("SECRET"), "{shown}");
            assert!(shown.contains("code=<redacted>") && shown.contains("state=<redacted>"), "{shown}");
        }
    }

    #[test]
    fn refuses_everything_that_is_not_our_callback() {
        let long = format!("zoom-connections://oauth/callback?code={}", "a".repeat(MAX_LEN));
        for bad in [
            "",
            "not a url",
            "https://oauth/callback?code=a&state=b",
            "zoom-connection://oauth/callback?code=a",
            "zoom-connections://evil/callback?code=a",
            "zoom-connections://oauth/other?code=a",
            "zoom-connections://oauth/callback/extra?code=a",
            "zoom-connections://user:pw@oauth/callback?code=a",
            "zoom-connections://oauth:99/callback?code=a",
            "zoom-connections://oauth/callback?code=a#frag",
            "zoom-connections://oauth/%63allback?code=a",
            "http://localhost:5000/oauth/callback?code=a",
            "http://127.0.0.1:5000/other?code=a",
            "https://127.0.0.1:5000/oauth/callback?code=a",
            long.as_str(),
        ] {
            let err = CallbackUrl::parse(bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidCallback, "{bad}");
            assert!(!err.message.contains("code=a"), "error echoes input: {}", err.message);
        }
    }

    #[test]
    fn accepts_the_loopback_redirect_too() {
        let cb = CallbackUrl::parse("http://127.0.0.1:49152/oauth/callback?code=SECRET&state=s").unwrap();
        assert_eq!(cb.param("code").as_deref(), Some("SECRET"));
        assert_eq!(cb.redacted(), "http://127.0.0.1:49152/oauth/callback?code=<redacted>&state=<redacted>");
    }

    #[test]
    fn a_repeated_parameter_counts_as_missing() {
        let cb = CallbackUrl::parse("zoom-connections://oauth/callback?state=a&state=b&code=c").unwrap();
        assert_eq!(cb.param("state"), None);
        assert_eq!(cb.param("code").as_deref(), Some("c"));
    }

    #[test]
    fn unknown_parameter_names_are_redacted_like_values() {
        let cb = CallbackUrl::parse("zoom-connections://oauth/callback?%0Aevil%20line=1").unwrap();
        assert_eq!(cb.redacted(), "zoom-connections://oauth/callback?<other>=<redacted>");
        // The fuzzer's find: a mangled link whose parameter *name* holds the code.
        let cb = CallbackUrl::parse("zoom-connections://oauth/callback?state=s&codezsc_SECRET123").unwrap();
        assert_eq!(cb.redacted(), "zoom-connections://oauth/callback?state=<redacted>&<other>=<redacted>");
    }
}
