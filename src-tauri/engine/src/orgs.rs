//! What the Settings view needs to know about an org beyond its metadata: whether a client
//! secret is in the keychain (never the secret), the exact redirect URL to register in the Zoom
//! app, and where its users uninstall the app.

use crate::callback_url::{DEEP_LINK_REDIRECT, LOOPBACK_PATH};
use crate::engine::Engine;
use crate::error::Result;
use crate::model::{client_secret_key, Org, RedirectMode};

/// Zoom App Marketplace → Manage → Added Apps (docs/zoom.md, Deauthorization).
pub const ZOOM_ADDED_APPS: &str = "https://marketplace.zoom.us/user/installed";
pub const ZOOMGOV_ADDED_APPS: &str = "https://marketplace.zoomgov.com/user/installed";
/// The embedded sandbox's copy of that page.
pub const SANDBOX_ADDED_APPS_PATH: &str = "/marketplace/added-apps";

/// The redirect URL exactly as it must be entered in the Zoom app's settings. For loopback,
/// Zoom ignores the port when matching (docs/zoom.md, Redirect URLs), so the registered URL has none.
pub fn registered_redirect_url(org: &Org) -> String {
    match &org.redirect {
        RedirectMode::DeepLink => DEEP_LINK_REDIRECT.to_string(),
        RedirectMode::Relay { url } => url.clone(),
        RedirectMode::Loopback => format!("http://127.0.0.1{LOOPBACK_PATH}"),
    }
}

/// Zoom's API hosts by the auth host of their cloud (docs/zoom.md, OAuth endpoints): `api` or a
/// data region's `api-<region>` directly under the cloud's API domain.
const API_DOMAINS: [(&str, &str); 3] = [("zoom.us", "zoom.us"), ("zoom.com", "zoom.us"), ("zoomgov.com", "zoomgov.com")];

/// `api` or `api-<region>` (letters and digits, at most 8): one label, nothing more.
fn is_api_label(label: &str) -> bool {
    label == "api" || label.strip_prefix("api-").is_some_and(|r| (1..=8).contains(&r.len()) && r.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

/// Whether a token answer's `api_url` may receive the org's tokens: https, and its host exactly
/// the API host of the org's region or the org's own API host (parsed, never by prefix); for a
/// sandbox org, the running sandbox's address.
pub fn api_url_allowed(org: &Org, api_url: &str, sandbox_url: Option<&str>) -> bool {
    let Ok(url) = url::Url::parse(api_url) else { return false };
    let origin = |u: &url::Url| (u.scheme().to_string(), u.host_str().map(str::to_ascii_lowercase), u.port_or_known_default());
    if org.sandbox {
        return sandbox_url.and_then(|s| url::Url::parse(s).ok()).is_some_and(|s| origin(&s) == origin(&url));
    }
    if url.scheme() != "https" || !url.username().is_empty() || url.password().is_some() || url.port().is_some_and(|p| p != 443) {
        return false;
    }
    let Some(host) = url.host_str().map(str::to_ascii_lowercase) else { return false };
    let host_of = |base: &str| url::Url::parse(base).ok().and_then(|u| u.host_str().map(str::to_ascii_lowercase));
    if host_of(&org.api_base).as_deref() == Some(host.as_str()) {
        return true;
    }
    let auth = host_of(&org.auth_base).unwrap_or_default();
    let Some((label, domain)) = host.split_once('.') else { return false };
    API_DOMAINS
        .iter()
        .any(|(auth_domain, api_domain)| (auth == *auth_domain || auth.ends_with(&format!(".{auth_domain}"))) && domain == *api_domain && is_api_label(label))
}

impl Engine {
    /// Whether the org's client secret is in the keychain. The secret itself never leaves.
    pub fn has_client_secret(&self, org_id: &str) -> Result<bool> {
        Ok(self.inner.config.secrets.get(&client_secret_key(org_id))?.is_some())
    }

    /// Removes an org that has no connections left, and its client secret. An org with
    /// connections is refused: deleting them first revokes their grants at Zoom.
    pub fn remove_org(&self, org_id: &str) -> Result<()> {
        let org = self.org(org_id)?;
        if org.id == crate::model::SANDBOX_ORG_ID {
            return Err(crate::error::EngineError::new(crate::error::ErrorCode::InvalidSettings, "The built-in sandbox org cannot be removed."));
        }
        let removed = self.update_meta(|m| {
            let left = m.connections.iter().filter(|c| c.org_id == org.id).count();
            if left > 0 {
                return Err(crate::error::EngineError::new(
                    crate::error::ErrorCode::InvalidSettings,
                    format!(
                        "The org “{}” still has {left} connection(s): delete them first (their grants are revoked at Zoom). Nothing was changed.",
                        org.name
                    ),
                ));
            }
            m.orgs.retain(|o| o.id != org.id);
            Ok(())
        });
        removed?;
        // After the list: a secret left behind by a failed delete is harmless, an org without
        // its secret is not.
        self.inner.config.secrets.delete(&client_secret_key(&org.id))?;
        self.emit(crate::engine::EngineEvent::ConnectionsChanged);
        Ok(())
    }

    /// The page where a user of this org's Zoom account removes the app.
    pub fn added_apps_url(&self, org_id: &str) -> Result<String> {
        let org = self.org(org_id)?;
        if org.sandbox {
            return Ok(format!("{}{SANDBOX_ADDED_APPS_PATH}", self.sandbox_url()?.trim_end_matches('/')));
        }
        let gov = url::Url::parse(&org.auth_base).ok().and_then(|u| u.host_str().map(|h| h == "zoomgov.com" || h.ends_with(".zoomgov.com"))).unwrap_or(false);
        Ok(if gov { ZOOMGOV_ADDED_APPS } else { ZOOM_ADDED_APPS }.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_url_hosts_are_matched_exactly_per_region() {
        let mut org = Org::sandbox();
        org.sandbox = false;
        org.auth_base = "https://zoom.us".into();
        org.api_base = "https://api.zoom.us".into();
        for ok in ["https://api.zoom.us", "https://api.zoom.us/", "https://API.zoom.us:443", "https://api-eu.zoom.us"] {
            assert!(api_url_allowed(&org, ok, None), "{ok}");
        }
        for bad in [
            "http://api.zoom.us",
            "https://api.zoom.us.evil.example",
            "https://api.zoom.us@evil.example",
            "https://evil.example/api.zoom.us",
            "https://api.zoomgov.com",
            "https://api.zoom.us:8443",
            "https://evil.api.zoom.us",
            "https://api-eu.evil.zoom.us",
            "https://apix.zoom.us",
            "not a url",
        ] {
            assert!(!api_url_allowed(&org, bad, None), "{bad}");
        }
        org.auth_base = "https://zoomgov.com".into();
        org.api_base = "https://api.zoomgov.com".into();
        assert!(api_url_allowed(&org, "https://api.zoomgov.com", None));
        assert!(!api_url_allowed(&org, "https://api.zoom.us", None));
        let sandbox = Org::sandbox();
        assert!(api_url_allowed(&sandbox, "http://127.0.0.1:4000", Some("http://127.0.0.1:4000")));
        assert!(!api_url_allowed(&sandbox, "http://127.0.0.1:4001", Some("http://127.0.0.1:4000")));
    }

    #[test]
    fn redirect_url_per_mode() {
        let mut org = Org::sandbox();
        assert_eq!(registered_redirect_url(&org), "zoom-connections://oauth/callback");
        org.redirect = RedirectMode::Loopback;
        assert_eq!(registered_redirect_url(&org), "http://127.0.0.1/oauth/callback");
        org.redirect = RedirectMode::Relay { url: "https://relay.example.org/zc/".into() };
        assert_eq!(registered_redirect_url(&org), "https://relay.example.org/zc/");
    }
}
