//! "Check settings": asks Zoom whether it refuses an org's app before anyone signs in. The
//! authorize URL is fetched the way a browser starts a sign-in, without following the answer.
//! An error page is Zoom's refusal, and what it says becomes one of a few problems, each of
//! which the window turns into a sentence and a fix. A redirect to the sign-in page confirms
//! less than it seems: other integrations report Zoom showing an unregistered redirect URL's
//! error only after sign-in (docs/zoom.md, Setup errors), so what Zoom may check that late is
//! reported as not confirmed yet (`SetupCheck::at_sign_in`), never as accepted. Problems that
//! only a sign-in can show (the client secret, the granted scopes, the role) are reported by the
//! sign-in itself.

use serde::Serialize;

use crate::callback_url::LOOPBACK_PATH;
use crate::engine::Engine;
use crate::error::{ErrorCode, Result};
use crate::model::RedirectMode;

/// What Zoom said about an org's app.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum SetupProblem {
    /// Zoom does not know the client id (or it is a Server-to-Server app's).
    UnknownClientId,
    /// The redirect URL is not in the app's allow list.
    RedirectNotRegistered { redirect_url: String },
    /// A user-managed app asked for an admin scope: the app must be admin-managed.
    UserManagedApp { scope: String },
    /// The app has none of the scopes asked for.
    ScopeNotOnApp,
    /// A confidential app without its client secret in the keychain.
    NoClientSecret,
    /// Zoom could not be reached (network, proxy, TLS): why, typed, and in English.
    Unreachable { fault: crate::zoom::NetworkFault, detail: String },
    /// Zoom answered something else; the start of its page, for the user to read.
    Unrecognized { status: u16, excerpt: String },
}

/// A part of an org's setup that Zoom checks.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SetupPart {
    /// The redirect URL is in the app's allow list.
    RedirectUrl,
    /// The app is admin-managed (admin scopes are allowed).
    AppType,
    /// The app has the org's scopes.
    Scopes,
    /// The client secret (confidential apps), at the code exchange.
    ClientSecret,
    /// The person signing in is an Owner or Admin.
    Role,
    /// The account can use SCIM (an org that requires it): a Business or Education plan, an
    /// approved vanity URL, single sign-on (docs/zoom.md, SCIM 2).
    ScimAccount,
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct SetupCheck {
    /// None: Zoom raised no error before its sign-in page (not: Zoom accepted the app).
    pub problem: Option<SetupProblem>,
    /// The redirect URL that was checked (the one to register).
    pub redirect_url: String,
    /// With no problem: what is not confirmed until the first sign-in, because Zoom checks it
    /// then, or may (the redirect URL, the app type and the scopes: docs/zoom.md, Setup errors).
    pub at_sign_in: Vec<SetupPart>,
}

/// What Zoom's authorize error page (or JSON) says, as a problem.
pub fn read_authorize_error(status: u16, page: &str, redirect_url: &str) -> SetupProblem {
    let lower = page.to_ascii_lowercase();
    if lower.contains("invalid redirect") {
        return SetupProblem::RedirectNotRegistered { redirect_url: redirect_url.to_string() };
    }
    if lower.contains("user-managed") || lower.contains("user_operation") || lower.contains("not a valid scope name") {
        // "<scope> is not a valid scope name …": the first word of the sentence is the scope.
        let scope = page
            .split_whitespace()
            .find(|w| w.contains(":admin") || *w == "scim2")
            .map(|w| w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != ':' && c != '_').to_string())
            .unwrap_or_default();
        return SetupProblem::UserManagedApp { scope };
    }
    if lower.contains("invalid scope") {
        return SetupProblem::ScopeNotOnApp;
    }
    if lower.contains("invalid client") || lower.contains("4702") || lower.contains("4,702") || lower.contains("app does not exist") {
        return SetupProblem::UnknownClientId;
    }
    let text: String = strip_tags(page).split_whitespace().collect::<Vec<_>>().join(" ");
    SetupProblem::Unrecognized { status, excerpt: crate::redact::redact(&text).chars().take(300).collect() }
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

impl Engine {
    /// Asks Zoom whether it accepts the org's app (see the module's comment).
    pub async fn check_org_settings(&self, org_id: &str) -> Result<SetupCheck> {
        let org = self.org(org_id)?;
        let redirect_url = match &org.redirect {
            // Zoom ignores the port of a loopback redirect; any port stands for the real one.
            RedirectMode::Loopback => format!("http://127.0.0.1:49152{LOOPBACK_PATH}"),
            _ => crate::orgs::registered_redirect_url(&org),
        };
        let shown = crate::orgs::registered_redirect_url(&org);
        let app = match self.credentials(&org).await {
            Ok(app) => app,
            Err(e) if e.code == ErrorCode::InvalidSettings && org.confidential => {
                return Ok(SetupCheck { problem: Some(SetupProblem::NoClientSecret), redirect_url: shown, at_sign_in: Vec::new() });
            }
            Err(e) => return Err(e),
        };
        // Asking for the org's scopes makes Zoom say whether the app has them (and, for a
        // user-managed app, that it may not have admin ones): first in today's granular form,
        // then, for an older app, in the classic one.
        let granular: Vec<String> = org.required.iter().flat_map(|c| c.granular().iter().map(|s| s.to_string())).collect();
        let classic: Vec<String> = org.required.iter().flat_map(|c| c.classic().iter().map(|s| s.to_string())).collect();
        let mut problem = None;
        for scopes in [granular, classic] {
            let scopes: Vec<String> = scopes.into_iter().chain(org.extra_scopes.iter().cloned()).collect();
            let request = self.inner.zoom.authorize_url_with_scopes(&app, &redirect_url, &scopes)?;
            problem = match self.inner.zoom.preflight_authorize(&request.url).await {
                Ok(None) => None,
                Ok(Some((status, page))) => Some(read_authorize_error(status, &page, &shown)),
                Err((fault, f)) => Some(SetupProblem::Unreachable { fault, detail: f.error.message }),
            };
            if problem != Some(SetupProblem::ScopeNotOnApp) {
                break;
            }
        }
        tracing::info!(org = %org.id, refused = problem.is_some(), "settings checked with Zoom");
        let at_sign_in = if problem.is_some() {
            Vec::new()
        } else {
            let secret = org.confidential.then_some(SetupPart::ClientSecret);
            let scim = org.required.contains(&crate::scopes::Capability::Scim).then_some(SetupPart::ScimAccount);
            [SetupPart::RedirectUrl, SetupPart::AppType, SetupPart::Scopes].into_iter().chain(secret).chain([SetupPart::Role]).chain(scim).collect()
        };
        Ok(SetupCheck { problem, redirect_url: shown, at_sign_in })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_error_pages_become_problems() {
        let url = "http://127.0.0.1/oauth/callback";
        assert_eq!(
            read_authorize_error(400, r#"{"status":false,"errorCode":4700,"errorMessage":"Invalid redirect url","result":null}"#, url),
            SetupProblem::RedirectNotRegistered { redirect_url: url.into() }
        );
        assert_eq!(
            read_authorize_error(400, "<p>Invalid scope: user:read:user:admin is not a valid scope name for a user-managed app</p>", url),
            SetupProblem::UserManagedApp { scope: "user:read:user:admin".into() }
        );
        assert_eq!(read_authorize_error(400, "<h1>Invalid client_id</h1> (4,702)", url), SetupProblem::UnknownClientId);
        match read_authorize_error(500, "<html><b>Something</b> else</html>", url) {
            SetupProblem::Unrecognized { status, excerpt } => assert_eq!((status, excerpt.as_str()), (500, "Something else")),
            other => panic!("{other:?}"),
        }
    }
}
