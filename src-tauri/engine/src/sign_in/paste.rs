//! The paste-back path: the address the admin's browser ended on, typed or pasted here.

use crate::callback_url::CallbackUrl;
use crate::connect::CallbackOutcome;
use crate::engine::{lock, Engine};
use crate::error::{EngineError, ErrorCode, Result};

fn not_an_answer(why: &str) -> EngineError {
    EngineError::new(
        ErrorCode::InvalidCallback,
        format!("{why} Paste the whole address from the browser's address bar after signing in (it starts with the redirect address, e.g. http://127.0.0.1:…/oauth/callback?code=…). Nothing was changed."),
    )
}

/// What a terminal hands over, made an address: surrounding blanks, quotes and angle brackets
/// (mail clients and chat add them) go.
pub fn cleaned(pasted: &str) -> &str {
    pasted.trim().trim_matches(|c: char| c == '"' || c == '\'' || c == '<' || c == '>').trim()
}

/// A relay page's address (`https://…/?code=…&state=…`) as the deep link the relay would have
/// opened; anything else unchanged.
fn as_callback(pasted: &str, redirect_uri: &str) -> String {
    match (url::Url::parse(pasted), url::Url::parse(redirect_uri)) {
        (Ok(p), Ok(r)) if r.scheme() == "https" && p.scheme() == "https" && p.host_str() == r.host_str() && p.path() == r.path() && p.port() == r.port() => {
            format!("{}?{}", crate::callback_url::DEEP_LINK_REDIRECT, p.query().unwrap_or(""))
        }
        _ => pasted.to_string(),
    }
}

impl Engine {
    /// Completes the sign-in `flow_id` with the address pasted back. Anything that is not this
    /// flow's answer changes nothing and leaves the flow waiting (a mistyped paste can be
    /// pasted again).
    pub async fn complete_pasted(&self, flow_id: &str, pasted: &str) -> Result<CallbackOutcome> {
        let pasted = cleaned(pasted);
        if pasted.is_empty() {
            return Err(not_an_answer("Nothing was pasted."));
        }
        let redirect_uri = {
            let flows = lock(&self.inner.flows);
            flows
                .redirect_of(flow_id)
                .ok_or_else(|| EngineError::new(ErrorCode::FlowExpired, "This sign-in has ended (it expires after 10 minutes). Start again."))?
        };
        let raw = as_callback(pasted, &redirect_uri);
        let callback = CallbackUrl::parse(&raw).map_err(|_| not_an_answer("That is not the address a sign-in ends on."))?;
        let state = callback.param("state").ok_or_else(|| not_an_answer("That address has no (or more than one) state."))?;
        if lock(&self.inner.flows).flow_of(&state) != Some(flow_id) {
            return Err(EngineError::new(
                ErrorCode::StateMismatch,
                "That address belongs to another sign-in (its state is not this one's). Nothing was changed.",
            ));
        }
        if !callback.answers(&redirect_uri) {
            return Err(not_an_answer("That address is not this sign-in's redirect address."));
        }
        if callback.param("code").is_none() && callback.param("error").is_none() {
            return Err(not_an_answer("That address has no code."));
        }
        self.handle_callback(&raw).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_terminal_or_a_mail_adds_goes_and_a_relay_address_becomes_its_deep_link() {
        assert_eq!(cleaned("  \"http://127.0.0.1:5/oauth/callback?code=a&state=b\"\n"), "http://127.0.0.1:5/oauth/callback?code=a&state=b");
        assert_eq!(cleaned("<http://x/>"), "http://x/");
        assert_eq!(as_callback("https://relay.example/zc/?code=a&state=b", "https://relay.example/zc/"), "zoom-connections://oauth/callback?code=a&state=b");
        // Another host's page is not the relay's.
        assert_eq!(as_callback("https://evil.example/zc/?code=a&state=b", "https://relay.example/zc/"), "https://evil.example/zc/?code=a&state=b");
        assert_eq!(as_callback("http://127.0.0.1:9/oauth/callback?code=a", "http://127.0.0.1:9/oauth/callback"), "http://127.0.0.1:9/oauth/callback?code=a");
    }
}
