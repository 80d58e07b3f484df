//! What the Settings view needs to know about an org beyond its metadata: whether a client
//! secret is in the keychain (never the secret), the exact redirect URL to register in the Zoom
//! app, and where its users uninstall the app.

use crate::callback_url::{DEEP_LINK_REDIRECT, LOOPBACK_PATH};
use crate::engine::Engine;
use crate::error::Result;
use crate::model::{client_secret_key, Org, RedirectMode};

/// Zoom App Marketplace → Manage → Added Apps (ZOOM.md: where users uninstall).
pub const ZOOM_ADDED_APPS: &str = "https://marketplace.zoom.us/user/installed";
pub const ZOOMGOV_ADDED_APPS: &str = "https://marketplace.zoomgov.com/user/installed";
/// The embedded sandbox's copy of that page.
pub const SANDBOX_ADDED_APPS_PATH: &str = "/marketplace/added-apps";

/// The redirect URL exactly as it must be entered in the Zoom app's settings. For loopback,
/// Zoom ignores the port when matching (ZOOM.md), so the registered URL has none.
pub fn registered_redirect_url(org: &Org) -> String {
    match &org.redirect {
        RedirectMode::DeepLink => DEEP_LINK_REDIRECT.to_string(),
        RedirectMode::Relay { url } => url.clone(),
        RedirectMode::Loopback => format!("http://127.0.0.1{LOOPBACK_PATH}"),
    }
}

impl Engine {
    /// Whether the org's client secret is in the keychain. The secret itself never leaves.
    pub fn has_client_secret(&self, org_id: &str) -> Result<bool> {
        Ok(self.inner.config.secrets.get(&client_secret_key(org_id))?.is_some())
    }

    /// The page where a user of this org's Zoom account removes the app.
    pub fn added_apps_url(&self, org_id: &str) -> Result<String> {
        let org = self.org(org_id)?;
        if org.sandbox {
            return Ok(format!("{}{SANDBOX_ADDED_APPS_PATH}", self.sandbox_url()?.trim_end_matches('/')));
        }
        let gov = url::Url::parse(&org.auth_base)
            .ok()
            .and_then(|u| u.host_str().map(|h| h == "zoomgov.com" || h.ends_with(".zoomgov.com")))
            .unwrap_or(false);
        Ok(if gov { ZOOMGOV_ADDED_APPS } else { ZOOM_ADDED_APPS }.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
