//! The device authorization grant (RFC 8628) as Zoom offers it (docs/zoom.md, Device
//! authorization): `POST /oauth/devicecode`, then `POST /oauth/token` every `interval` seconds
//! with the device code until the admin has signed in on another device.
//!
//! Zoom's sources disagree on two points, and both readings work here: the grant's name at the
//! token endpoint (RFC 8628's URN in Zoom's examples, `device_auth` on its error page: the URN
//! first, `device_auth` once Zoom answers `unsupported_grant_type`), and how the client is named
//! at `/oauth/devicecode` (HTTP Basic and `client_id` in the query in one example, `client_id`
//! in the body in another: a confidential app sends Basic and the query, a public one the body).

use std::time::Duration;

use serde::Deserialize;

use crate::connect::{CallbackOutcome, GrantSource};
use crate::engine::Engine;
use crate::error::{EngineError, ErrorCode, Result};
use crate::flows::PendingFlow;
use crate::secret::Secret;
use crate::zoom::{AppCredentials, TokenSet};
use crate::zoom_answers::{token_answer, TokenCall};

/// RFC 8628 §3.4.
pub const DEVICE_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// The grant's name on Zoom's error page (docs/zoom.md, Device authorization).
pub const ZOOM_DEVICE_GRANT_NAME: &str = "device_auth";
/// RFC 8628 §3.2: without an `interval`, 5 seconds; `slow_down` adds 5 (§3.5).
const DEFAULT_INTERVAL: u64 = 5;
const SLOW_DOWN_STEP: u64 = 5;
/// Polling slowed for a Zoom out of reach stops slowing here.
const MAX_BACKOFF: u64 = 60;
/// A device code is not waited on longer than this, whatever `expires_in` says.
const MAX_LIFETIME: u64 = 30 * 60;

/// What the admin needs to sign in on another device. The device code stays here.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeviceSignIn {
    pub flow_id: String,
    pub user_code: String,
    pub verification_uri: String,
    /// The same page with the code filled in (for a QR code), when Zoom gives one.
    pub verification_uri_complete: Option<String>,
    /// Unix seconds.
    pub expires_at: i64,
}

/// A started device sign-in: what to show, and what the polling needs.
pub struct DeviceFlow {
    pub shown: DeviceSignIn,
    device_code: Secret,
    interval: u64,
    org_id: String,
    nickname: String,
    reconnect_of: Option<String>,
}

#[derive(Deserialize)]
struct Authorization {
    device_code: String,
    user_code: String,
    #[serde(alias = "verification_url")]
    verification_uri: String,
    #[serde(default)]
    verification_uri_complete: Option<String>,
    expires_in: u64,
    #[serde(default)]
    interval: Option<u64>,
}

#[derive(Deserialize, Default)]
struct PollError {
    #[serde(default)]
    error: String,
}

fn bad_answer(why: &str) -> EngineError {
    EngineError::new(ErrorCode::ZoomBadResponse, format!("Zoom's answer to the device sign-in {why}. Nothing was changed."))
}

/// The page the admin is sent to must be on the org's own Zoom host: a server that answers
/// with another site's address would be sending the admin to sign in there.
fn on_auth_host(page: &str, auth_base: &str) -> bool {
    match (url::Url::parse(page), url::Url::parse(auth_base)) {
        (Ok(p), Ok(a)) => {
            let loopback_http = a.scheme() == "http" && a.host_str() == Some("127.0.0.1");
            (p.scheme() == "https" || (loopback_http && p.scheme() == "http"))
                && p.host_str() == a.host_str()
                && p.port_or_known_default() == a.port_or_known_default()
        }
        _ => false,
    }
}

fn printable(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max && s.chars().all(|c| c.is_ascii_graphic())
}

impl Engine {
    /// Asks Zoom for a device code for a new connection (`reconnect_of`: an existing one).
    pub async fn begin_device(&self, org_id: &str, nickname: &str, reconnect_of: Option<&str>) -> Result<DeviceFlow> {
        let (org, nickname) = match reconnect_of {
            Some(id) => {
                let conn = self.connection(id)?;
                (self.org(&conn.org_id)?, conn.nickname)
            }
            None => {
                let org = self.org(org_id)?;
                let nickname = self.check_nickname(&org.id, nickname, None)?;
                (org, nickname)
            }
        };
        let app = self.credentials(&org).await?;
        let path = match &app.client_secret {
            Some(_) => format!("/oauth/devicecode?{}", url::form_urlencoded::Serializer::new(String::new()).append_pair("client_id", &app.client_id).finish()),
            None => "/oauth/devicecode".to_string(),
        };
        let answer = self.inner.zoom.token_post(&app, &path, Vec::new()).await.map_err(|f| f.error)?;
        if !(200..300).contains(&answer.status) {
            let err: PollError = serde_json::from_slice(&answer.body).unwrap_or_default();
            if err.error == "unauthorized_client" || err.error == "unsupported_grant_type" {
                return Err(EngineError::new(
                    ErrorCode::InvalidSettings,
                    "Zoom has not enabled device sign-in for this org's Zoom app (Zoom enables it on request, for private apps). Sign in with --sign-in paste instead. Nothing was changed.",
                ));
            }
            return Err(token_answer(TokenCall::CodeExchange, answer.status, answer.retry_after, &answer.body, self.now())
                .tokens
                .err()
                .map(|f| f.error)
                .unwrap_or_else(|| bad_answer("was an error without a reason")));
        }
        let a: Authorization = serde_json::from_slice(&answer.body).map_err(|_| bad_answer("is not what Zoom documents"))?;
        if !printable(&a.device_code, 1024) || !printable(&a.user_code, 64) {
            return Err(bad_answer("has an unusable code"));
        }
        if !on_auth_host(&a.verification_uri, &app.auth_base) || a.verification_uri_complete.as_deref().is_some_and(|u| !on_auth_host(u, &app.auth_base)) {
            return Err(bad_answer("sends you to sign in on another site than the org's Zoom"));
        }
        let lifetime = a.expires_in.clamp(1, MAX_LIFETIME);
        let flow_id = format!("flow-{}", rand::random::<u64>());
        tracing::info!(flow = %flow_id, org = %org.id, "device sign-in started");
        Ok(DeviceFlow {
            shown: DeviceSignIn {
                flow_id,
                user_code: a.user_code,
                verification_uri: a.verification_uri,
                verification_uri_complete: a.verification_uri_complete,
                expires_at: self.now() + lifetime as i64,
            },
            device_code: Secret::new(a.device_code),
            // At least what Zoom asks (RFC 8628 §3.5: MUST wait that long); the code's expiry
            // ends a wait however long.
            interval: a.interval.unwrap_or(DEFAULT_INTERVAL).max(1),
            org_id: org.id,
            nickname,
            reconnect_of: reconnect_of.map(String::from),
        })
    }

    /// Polls until the admin has signed in (then the window's rules and store), declined, or
    /// the code expired. Dropping the future stops it.
    pub async fn finish_device(&self, flow: DeviceFlow) -> Result<CallbackOutcome> {
        let org = self.org(&flow.org_id)?;
        let app = self.credentials(&org).await?;
        let tokens = self.poll_device(&app, &flow).await?;
        let pending = PendingFlow {
            id: flow.shown.flow_id.clone(),
            org_id: flow.org_id.clone(),
            nickname: flow.nickname.clone(),
            reconnect_of: flow.reconnect_of.clone(),
            redirect_uri: String::new(),
            verifier: oauth2::PkceCodeVerifier::new(String::new()),
            created_at: self.now(),
            listener: None,
        };
        // Not a redirect, so nothing in `flows` to take: the same end as one.
        self.finish_flow(pending, GrantSource::Tokens(Box::new(tokens))).await
    }

    async fn poll_device(&self, app: &AppCredentials, flow: &DeviceFlow) -> Result<TokenSet> {
        let mut interval = flow.interval;
        let mut grant_type = DEVICE_GRANT_TYPE;
        loop {
            tokio::time::sleep(Duration::from_secs(interval)).await;
            // Checked after the wait: no poll goes out for a code that has ended.
            if self.now() >= flow.shown.expires_at {
                return Err(expired());
            }
            let form = vec![("grant_type", grant_type.to_string()), ("device_code", flow.device_code.expose().to_string())];
            let answer = match self.inner.zoom.token_post(app, "/oauth/token", form).await {
                Ok(a) => a,
                // Zoom not reachable for a moment: the admin may still be signing in. Slower, as
                // RFC 8628 §3.5 asks of a client whose requests time out.
                Err(f) => {
                    tracing::info!(error_code = f.error.code.as_str(), "device sign-in: Zoom not reachable, polling on, slower");
                    interval = (interval * 2).min(MAX_BACKOFF);
                    continue;
                }
            };
            let now = self.now_for_org(&flow.org_id);
            if (200..300).contains(&answer.status) {
                let tokens = token_answer(TokenCall::CodeExchange, answer.status, answer.retry_after, &answer.body, now).tokens.map_err(|f| f.error)?;
                if tokens.refresh.is_none() {
                    return Err(bad_answer("has no refresh token, so the connection could not be kept alive"));
                }
                return Ok(tokens);
            }
            if answer.status == 429 || answer.status >= 500 {
                // As long as Zoom asks, else slower.
                let asked = answer.retry_after.as_ref().map_or(0, |r| r.wait.as_secs());
                interval = asked.max((interval * 2).min(MAX_BACKOFF));
                continue;
            }
            let err: PollError = serde_json::from_slice(&answer.body).unwrap_or_default();
            match err.error.as_str() {
                "authorization_pending" => {}
                "slow_down" => interval += SLOW_DOWN_STEP,
                "expired_token" => return Err(expired()),
                "access_denied" => return Err(EngineError::new(ErrorCode::AccessDenied, "Authorization was declined in Zoom. Nothing was changed.")),
                "unsupported_grant_type" if grant_type == DEVICE_GRANT_TYPE => {
                    tracing::info!("device sign-in: Zoom does not know the grant by its RFC 8628 name; asking by Zoom's own name");
                    grant_type = ZOOM_DEVICE_GRANT_NAME;
                    interval = interval.max(1);
                }
                _ => {
                    return Err(token_answer(TokenCall::CodeExchange, answer.status, answer.retry_after, &answer.body, now)
                        .tokens
                        .err()
                        .map(|f| f.error)
                        .unwrap_or_else(|| bad_answer("was an error without a reason")))
                }
            }
        }
    }
}

fn expired() -> EngineError {
    EngineError::new(ErrorCode::FlowExpired, "The sign-in code expired before the sign-in was finished. Start again. Nothing was changed.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sign_in_page_must_be_on_the_orgs_zoom_host() {
        assert!(on_auth_host("https://zoom.us/oauth_device", "https://zoom.us"));
        assert!(on_auth_host("https://zoom.us/activate", "https://zoom.us/"));
        assert!(!on_auth_host("https://zoom.us.evil.example/oauth_device", "https://zoom.us"));
        assert!(!on_auth_host("http://zoom.us/oauth_device", "https://zoom.us"));
        assert!(!on_auth_host("javascript:alert(1)", "https://zoom.us"));
        // The sandbox on the loopback interface, at its own port only.
        assert!(on_auth_host("http://127.0.0.1:4000/oauth_device", "http://127.0.0.1:4000"));
        assert!(!on_auth_host("http://127.0.0.1:4001/oauth_device", "http://127.0.0.1:4000"));
    }
}
