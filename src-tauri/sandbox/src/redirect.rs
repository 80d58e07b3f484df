//! Zoom's redirect URL rules (docs/zoom.md, Redirect URLs):
//! - the allow list holds full URLs, or base URLs without path or query; strict mode: exact only;
//! - custom schemes (`myapp://…`) only for Meeting SDK apps;
//! - loopback `http://127.0.0.1:{port}/…` accepted with the port ignored; `localhost` is not,
//!   and no other plain-http URL is.

use url::Url;

use crate::seed::App;

/// Why a redirect URL is refused; shown on the sandbox's error page.
pub fn check(app: &App, redirect_uri: &str) -> Result<(), &'static str> {
    let url = Url::parse(redirect_uri).map_err(|_| "The redirect URL is not a valid URL.")?;
    match url.scheme() {
        "https" => {}
        "http" => {
            if url.host_str() != Some("127.0.0.1") {
                return Err("Plain http redirect URLs are accepted only for the loopback address 127.0.0.1.");
            }
        }
        _ => {
            if !app.meeting_sdk {
                return Err("Custom URL schemes are accepted only for Meeting SDK apps.");
            }
        }
    }
    if app.redirect_uris.iter().any(|allowed| matches(allowed, &url, app.strict_mode)) {
        Ok(())
    } else {
        Err("The redirect URL is not in this app's allow list.")
    }
}

fn is_loopback(url: &Url) -> bool {
    url.scheme() == "http" && url.host_str() == Some("127.0.0.1")
}

fn matches(allowed: &str, url: &Url, strict: bool) -> bool {
    let Ok(allowed) = Url::parse(allowed) else { return false };
    if is_loopback(url) && is_loopback(&allowed) {
        // Zoom ignores the port of a loopback redirect: compare everything else.
        let mut url = url.clone();
        let mut allowed = allowed.clone();
        let _ = url.set_port(None);
        let _ = allowed.set_port(None);
        return base_or_exact(&allowed, &url, strict);
    }
    base_or_exact(&allowed, url, strict)
}

fn base_or_exact(allowed: &Url, url: &Url, strict: bool) -> bool {
    if allowed == url {
        return true;
    }
    // A base URL (no path, no query) admits every URL of that origin, outside strict mode.
    let is_base = (allowed.path().is_empty() || allowed.path() == "/") && allowed.query().is_none();
    !strict
        && is_base
        && allowed.scheme() == url.scheme()
        && allowed.host_str() == url.host_str()
        && allowed.port_or_known_default() == url.port_or_known_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(uris: &[&str], strict: bool, sdk: bool) -> App {
        App {
            client_id: "c".into(),
            name: "n".into(),
            client_secret: None,
            redirect_uris: uris.iter().map(|s| s.to_string()).collect(),
            strict_mode: strict,
            meeting_sdk: sdk,
            scopes: vec![],
            management: Default::default(),
            scope_kind: Default::default(),
            kind: Default::default(),
            access_token_tolerance: None,
            account_id: None,
            active: true,
            device_grant: false,
        }
    }

    #[test]
    fn loopback_ignores_the_port_but_not_the_path() {
        let a = app(&["http://127.0.0.1/oauth/callback"], true, false);
        assert!(check(&a, "http://127.0.0.1:49152/oauth/callback").is_ok());
        assert!(check(&a, "http://127.0.0.1/oauth/callback").is_ok());
        assert!(check(&a, "http://127.0.0.1:49152/other").is_err());
        assert!(check(&a, "http://localhost:49152/oauth/callback").is_err());
    }

    #[test]
    fn custom_schemes_only_for_meeting_sdk_apps() {
        let uri = "zoom-connections://oauth/callback";
        assert!(check(&app(&[uri], true, true), uri).is_ok());
        assert_eq!(check(&app(&[uri], true, false), uri), Err("Custom URL schemes are accepted only for Meeting SDK apps."));
    }

    #[test]
    fn base_urls_admit_paths_outside_strict_mode_only() {
        let loose = app(&["https://relay.example/"], false, false);
        assert!(check(&loose, "https://relay.example/zc/index.html").is_ok());
        assert!(check(&loose, "https://other.example/zc").is_err());
        let strict = app(&["https://relay.example/"], true, false);
        assert!(check(&strict, "https://relay.example/zc/index.html").is_err());
        assert!(check(&strict, "https://relay.example/").is_ok());
        assert!(check(&loose, "http://relay.example/").is_err(), "plain http is never accepted");
    }
}
