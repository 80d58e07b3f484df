//! What the engine keeps about orgs and connections. None of it is secret: tokens and client
//! secrets live in the vault, under keys derived from these ids.

use serde::{Deserialize, Serialize};

use crate::scopes::Capability;

pub type OrgId = String;
pub type ConnectionId = String;

/// Zoom's public endpoints; Zoom for Government and the sandbox use other hosts.
pub const ZOOM_AUTH_BASE: &str = "https://zoom.us";
pub const ZOOM_API_BASE: &str = "https://api.zoom.us";
/// The org that exists from the first start, pointed at the embedded sandbox.
pub const SANDBOX_ORG_ID: &str = "sandbox";
pub const SANDBOX_CLIENT_ID: &str = "sandbox-public";

/// How the authorization comes back to the app (docs/architecture.md, How a deep link becomes a
/// connection).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RedirectMode {
    /// `zoom-connections://oauth/callback` registered in the Zoom app (Meeting SDK apps only).
    DeepLink,
    /// An HTTPS page (ui/relay/) the admin hosts; it forwards to the deep link.
    Relay { url: String },
    /// `http://127.0.0.1:{port}/oauth/callback`, a one-shot listener while the flow is pending.
    Loopback,
}

/// A profile with its own Zoom app (rule 2: one Zoom account per org).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    pub id: OrgId,
    pub name: String,
    pub client_id: String,
    /// A confidential app authenticates with a secret (kept in the vault); a public one with PKCE only.
    pub confidential: bool,
    /// `https://zoom.us` (authorize, token, revoke). Empty for the sandbox org: the embedded
    /// sandbox's address changes at every start.
    pub auth_base: String,
    /// Used until a token response names its own `api_url`.
    pub api_base: String,
    pub redirect: RedirectMode,
    /// What every connection must be able to do; granted scopes of either form satisfy it
    /// (`scopes.rs`).
    #[serde(default = "default_required")]
    pub required: Vec<Capability>,
    /// Further scopes every connection must have been granted, literally.
    #[serde(default)]
    pub extra_scopes: Vec<String>,
    /// Runs against the embedded sandbox.
    pub sandbox: bool,
}

impl Org {
    pub fn sandbox() -> Self {
        Self {
            id: SANDBOX_ORG_ID.into(),
            name: "Sandbox".into(),
            client_id: SANDBOX_CLIENT_ID.into(),
            confidential: false,
            auth_base: String::new(),
            api_base: String::new(),
            redirect: RedirectMode::DeepLink,
            required: default_required(),
            extra_scopes: Vec::new(),
            sandbox: true,
        }
    }
}

/// What a new org requires: user management, the product's purpose.
pub fn default_required() -> Vec<Capability> {
    vec![Capability::ManageUsers]
}

/// Ids reach the engine from the window and the command line, and become file names (lock,
/// state and history files) and keychain entry names: anything but a short run of letters,
/// digits, `-` and `_` is refused here, once, before any path or key is built from it.
pub fn check_id(id: &str) -> crate::error::Result<&str> {
    let ok = (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(id)
    } else {
        Err(crate::error::EngineError::new(crate::error::ErrorCode::NotFound, "There is no such connection or org."))
    }
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Active,
    Refreshing,
    Retrying,
    NeedsReconnect,
    /// A newer connection of the same Zoom user replaced it (rule 1).
    Superseded,
}

impl Status {
    /// The status as the user reads it (English; the window has its own catalogs).
    pub fn label(self) -> &'static str {
        match self {
            Status::Active => "Active",
            Status::Refreshing => "Refreshing",
            Status::Retrying => "Retrying",
            Status::NeedsReconnect => "Needs reconnect",
            Status::Superseded => "Superseded",
        }
    }
}

/// The Zoom identity behind a connection, from `GET /v2/users/me`.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoomIdentity {
    pub user_id: String,
    pub email: String,
    pub display_name: String,
    pub account_id: String,
    pub account_number: Option<u64>,
    pub role_name: String,
    /// 1 Basic, 2 Licensed, 4 Unassigned, 99 None (older accounts: 3 On-Prem); unknown values
    /// are kept as they come.
    pub user_type: Option<i64>,
}

/// How a connection is authorized (docs/zoom.md, Server-to-Server).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionKind {
    /// A user signed in and authorized the org's OAuth app: a refresh token that rotates.
    #[default]
    User,
    /// A Server-to-Server OAuth app of the account: tokens minted with its client secret, no
    /// refresh token.
    ServerToServer,
}

/// A Server-to-Server app's identifiers; its client secret is in the keychain only.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct S2sApp {
    pub client_id: String,
    pub account_id: String,
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    pub id: ConnectionId,
    pub org_id: OrgId,
    pub nickname: String,
    #[serde(default)]
    pub kind: ConnectionKind,
    /// Server-to-Server connections only.
    #[serde(default)]
    pub s2s: Option<S2sApp>,
    pub identity: ZoomIdentity,
    pub granted_scopes: Vec<String>,
    /// From the token response (`api_url`); the org's `api_base` if Zoom named none.
    pub api_url: String,
    pub status: Status,
    /// Why, in English with Zoom's details (logs, the command line's JSON, the timeline).
    pub status_reason: Option<String>,
    /// Why, typed: what the window, the tray and notifications word in the user's language.
    /// Read leniently: a reason a newer version wrote reads as none, not as a corrupt list.
    #[serde(default, deserialize_with = "lenient")]
    pub reason: Option<crate::reasons::StatusReason>,
    pub created_at: i64,
    /// When the user last signed in for it (created or reconnected): the start of its grant,
    /// from which Zoom may count a refresh token's fixed lifetime (`refresh_may_end_at`). None:
    /// a Server-to-Server connection, or one made by a version that did not record it.
    #[serde(default)]
    pub granted_at: Option<i64>,
    /// Wall-clock expiry of the current access token: received_at + expires_in.
    pub access_expires_at: i64,
    pub last_success_at: Option<i64>,
    pub last_failure_at: Option<i64>,
    /// While Retrying: when the next attempt is due (backoff with jitter, or `Retry-After`).
    #[serde(default)]
    pub next_attempt_at: Option<i64>,
    #[serde(default)]
    pub consecutive_failures: u32,
    /// Since when every attempt has failed (for the bound on ambiguous answers).
    #[serde(default)]
    pub failing_since: Option<i64>,
    /// Counts rotations: a caller that saw generation g and wants a new token rotates only if
    /// no one has since (`tokens.rs`).
    #[serde(default)]
    pub generation: u64,
    /// Until when a handed-out access token is promised to stay valid: keepalive does not
    /// rotate before, unless the token is about to die (`tokens.rs`, handouts).
    #[serde(default)]
    pub handed_out_until: Option<i64>,
    /// Server-to-Server: when the current token was minted, and how many times it has been
    /// handed out since (the window's details).
    #[serde(default)]
    pub minted_at: Option<i64>,
    #[serde(default)]
    pub served: u64,
    /// When the earliest refresh was sent whose answer was never stored (cut, too late,
    /// unreadable, refused by the keychain, or the process died waiting): Zoom may have rotated,
    /// and a dead refresh token afterwards is worded as a lost answer, not as a deauthorization
    /// (docs/zoom.md, Tokens: a lost answer). Cleared only when a rotation's answer is stored,
    /// or by a new grant.
    #[serde(default)]
    pub unanswered_refresh_at: Option<i64>,
}

/// An optional value that does not stop the rest from loading when it cannot be read (one
/// written by a newer version, with a code this one does not know).
fn lenient<'de, D: serde::Deserializer<'de>, T: serde::de::DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(value).ok())
}

/// The shorter of the refresh-token lifetimes Zoom's pages give (about 90 days; another says 15
/// years), counted from the grant in the reading where it matters (docs/zoom.md, Tokens).
pub const SHORT_REFRESH_LIFETIME: i64 = 90 * 24 * 3600;
/// How long before that date the window and `status` say so.
pub const REFRESH_END_WARNING: i64 = 14 * 24 * 3600;

impl Connection {
    /// When the refresh token may end if Zoom counts 90 days from the sign-in: None for a
    /// Server-to-Server connection (no refresh token).
    pub fn refresh_may_end_at(&self) -> Option<i64> {
        (self.kind == ConnectionKind::User).then(|| self.granted_at.unwrap_or(self.created_at) + SHORT_REFRESH_LIFETIME)
    }

    /// Whether a refresh refused as a dead token may be one that simply expired, and if so, how
    /// many days old what expired is: the grant (if Zoom counts from the sign-in) or the last
    /// rotation (if from each refresh, after the app did not run for that long).
    pub fn refresh_expiry_days(&self, now: i64) -> Option<i64> {
        let granted = self.granted_at.unwrap_or(self.created_at);
        let last_rotation = self.last_success_at.unwrap_or(granted);
        // A day's slack: Zoom's own count may start a little earlier than ours.
        // Both may be old enough: the younger one is what ended first in its reading.
        let since = [granted, last_rotation].into_iter().filter(|t| now - t >= SHORT_REFRESH_LIFETIME - 24 * 3600).max()?;
        (self.kind == ConnectionKind::User).then_some((now - since) / (24 * 3600))
    }
}

/// A handed-out access token stays valid at least this long (docs: `token`, `exec`).
pub const HANDOUT_MIN_LIFETIME: i64 = 10 * 60;
/// Keepalive rotates a token with this little left even if a handout asked it to wait.
pub const ROTATION_FLOOR: i64 = 2 * 60;

/// The part of a connection that keepalive changes on every refresh. It lives in a small file
/// per connection (`state/<id>.json`), so that a refresh never rewrites the whole list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionState {
    pub status: Status,
    pub status_reason: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub reason: Option<crate::reasons::StatusReason>,
    pub access_expires_at: i64,
    pub api_url: String,
    pub last_success_at: Option<i64>,
    pub last_failure_at: Option<i64>,
    pub next_attempt_at: Option<i64>,
    pub consecutive_failures: u32,
    #[serde(default)]
    pub failing_since: Option<i64>,
    #[serde(default)]
    pub generation: u64,
    #[serde(default)]
    pub handed_out_until: Option<i64>,
    #[serde(default)]
    pub minted_at: Option<i64>,
    #[serde(default)]
    pub served: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unanswered_refresh_at: Option<i64>,
}

impl Connection {
    pub fn state(&self) -> ConnectionState {
        ConnectionState {
            status: self.status,
            status_reason: self.status_reason.clone(),
            reason: self.reason.clone(),
            access_expires_at: self.access_expires_at,
            api_url: self.api_url.clone(),
            last_success_at: self.last_success_at,
            last_failure_at: self.last_failure_at,
            next_attempt_at: self.next_attempt_at,
            consecutive_failures: self.consecutive_failures,
            failing_since: self.failing_since,
            generation: self.generation,
            handed_out_until: self.handed_out_until,
            minted_at: self.minted_at,
            served: self.served,
            unanswered_refresh_at: self.unanswered_refresh_at,
        }
    }

    /// A new access token from Zoom, stored: Active, nothing failing, a new generation. The old
    /// access token is dead (one live token per user and app), so its promise is void.
    pub(crate) fn succeeded(&mut self, expires_at: i64, api_url: String, now: i64) {
        self.status = Status::Active;
        self.status_reason = None;
        self.reason = None;
        self.access_expires_at = expires_at;
        self.api_url = api_url;
        self.last_success_at = Some(now);
        self.next_attempt_at = None;
        self.consecutive_failures = 0;
        self.failing_since = None;
        self.generation += 1;
        self.handed_out_until = None;
        self.unanswered_refresh_at = None;
    }

    pub fn apply_state(&mut self, s: ConnectionState) {
        self.status = s.status;
        self.status_reason = s.status_reason;
        self.reason = s.reason;
        self.access_expires_at = s.access_expires_at;
        self.api_url = s.api_url;
        self.last_success_at = s.last_success_at;
        self.last_failure_at = s.last_failure_at;
        self.next_attempt_at = s.next_attempt_at;
        self.consecutive_failures = s.consecutive_failures;
        self.failing_since = s.failing_since;
        self.generation = s.generation;
        self.handed_out_until = s.handed_out_until;
        self.minted_at = s.minted_at;
        self.served = s.served;
        self.unanswered_refresh_at = s.unanswered_refresh_at;
    }

    pub fn is_s2s(&self) -> bool {
        self.kind == ConnectionKind::ServerToServer
    }

    /// A connection that only the user can fix: keepalive leaves it alone.
    pub fn needs_user(&self) -> bool {
        matches!(self.status, Status::NeedsReconnect | Status::Superseded)
    }

    /// When keepalive will next act on it (None: never, until the user reconnects): a retry
    /// when one is scheduled, else `margin` before the token expires — later if a handed-out
    /// token was promised to live longer, but never within `ROTATION_FLOOR` of the expiry.
    pub fn next_keepalive_at(&self, margin: i64) -> Option<i64> {
        // A Server-to-Server token is minted when someone needs one: nothing to keep alive.
        if self.needs_user() || self.is_s2s() {
            return None;
        }
        if let Some(at) = self.next_attempt_at {
            return Some(at);
        }
        let by_margin = self.access_expires_at - margin;
        let promised = self.handed_out_until.map_or(by_margin, |until| until.min(self.access_expires_at - ROTATION_FLOOR));
        Some(by_margin.max(promised))
    }
}

/// Settings of the app as a whole (per-org settings live in `Org`).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AppSettings {
    /// Refresh when less than this is left of the access token (seconds).
    pub refresh_margin_secs: i64,
    /// Notify when a connection needs the user, and when it recovers.
    pub notifications: bool,
    pub launch_at_login: bool,
    /// `en` or `ja`; None follows the OS.
    pub language: Option<String>,
    /// Alerts (a connection needs the user, recovers) as lines in the system log.
    pub syslog_alerts: bool,
    /// The alert webhook's host and kind; its URL is in the keychain (`alerts.rs`). Set only
    /// through `Engine::set_alert_webhook`.
    pub webhook: Option<crate::alerts::WebhookInfo>,
    /// The window leaves the built-in sandbox org out of its lists once a real org exists
    /// (the sandbox keeps running: hiding is only what the window shows).
    pub hide_sandbox: bool,
}

impl Default for AppSettings {
    fn default() -> Self {
        Self {
            refresh_margin_secs: 10 * 60,
            notifications: true,
            launch_at_login: false,
            language: None,
            syslog_alerts: true,
            webhook: None,
            hide_sandbox: false,
        }
    }
}

/// Vault keys of a connection's tokens: separate entries (Windows' size limit).
pub fn access_key(id: &str) -> String {
    format!("conn/{id}/access")
}
pub fn refresh_key(id: &str) -> String {
    format!("conn/{id}/refresh")
}
/// A Server-to-Server connection's client secret.
pub fn s2s_secret_key(id: &str) -> String {
    format!("conn/{id}/client_secret")
}
pub fn client_secret_key(org: &str) -> String {
    format!("org/{org}/client_secret")
}
