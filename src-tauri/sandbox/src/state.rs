//! Everything the sandbox remembers: the directory (mutable through SCIM and the control API),
//! authorization requests in progress, codes, grants and their tokens, faults to inject.
//! One mutex guards it all; no handler holds it across an await.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use rand::distr::{Alphanumeric, SampleString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::clock::Clock;
use crate::faults::Fault;
use crate::pkce;
pub use crate::readings::{LifetimeFrom, Readings};
use crate::seed::{Seed, User};

/// Zoom's access-token lifetime (docs/zoom.md: 1 hour; `expires_in` 3599).
pub const DEFAULT_ACCESS_TOKEN_LIFETIME: i64 = 3599;
/// The authorization code lives 5 minutes and works once.
pub const CODE_LIFETIME: i64 = 300;
/// How long a person has to get through the sign-in pages.
pub const AUTH_REQUEST_LIFETIME: i64 = 30 * 60;

pub struct Shared {
    pub clock: Clock,
    pub base_url: String,
    initial: (Seed, i64),
    inner: Mutex<Inner>,
    /// Where the state is kept between runs (the app's embedded sandbox); none for tests.
    state_file: Option<PathBuf>,
    /// The control API's secret of this run; None: the control API is not served.
    pub control_secret: Option<String>,
    /// Proves a form post came from the sandbox's own page (the Added Apps page's Remove).
    pub form_token: String,
}

impl Shared {
    pub fn with_state(inner: Inner, seed: Seed, access_token_lifetime: i64, base_url: String, state_file: Option<PathBuf>, control: bool) -> Self {
        let clock = Clock::default();
        clock.advance(inner.clock_offset);
        Self {
            clock,
            base_url,
            inner: Mutex::new(inner),
            initial: (seed, access_token_lifetime),
            state_file,
            control_secret: control.then(|| random_token("zsk_", 40)),
            form_token: random_token("", 32),
        }
    }

    /// Back to the seed as started: no grants, no faults, the real time.
    pub fn reset(&self) {
        *self.lock() = Inner::new(self.initial.0.clone(), self.initial.1);
        self.clock.reset();
    }

    /// The state. A panic while it was held (a bug) must not take the whole sandbox down with
    /// it, so a poisoned lock is taken over as it is. With a state file, whatever a caller
    /// changed is saved before the lock is released.
    pub fn lock(&self) -> StateGuard<'_> {
        let guard = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        StateGuard { guard, shared: self, changed: false }
    }
}

/// The locked state; saves it on release if it was borrowed mutably and a state file is set.
pub struct StateGuard<'a> {
    guard: MutexGuard<'a, Inner>,
    shared: &'a Shared,
    changed: bool,
}

impl Deref for StateGuard<'_> {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.guard
    }
}

impl DerefMut for StateGuard<'_> {
    fn deref_mut(&mut self) -> &mut Inner {
        self.changed = true;
        &mut self.guard
    }
}

impl StateGuard<'_> {
    /// The state to change without saving it: for what a restart may forget (the rate limits'
    /// counts, a token's call counter). A read of the API must not rewrite the whole state file
    /// — with a large account, megabytes synced on every call.
    pub fn untracked(&mut self) -> &mut Inner {
        &mut self.guard
    }
}

impl Drop for StateGuard<'_> {
    fn drop(&mut self) {
        if let (true, Some(path)) = (self.changed, &self.shared.state_file) {
            self.guard.clock_offset = self.shared.clock.offset();
            // Still under the lock: saves land in the order the changes were made.
            if let Err(e) = crate::persist::save(path, &self.guard, self.shared.clock.now()) {
                tracing::warn!("the sandbox could not save its state to {}: {e}", path.display());
            }
        }
    }
}

pub fn random_token(prefix: &str, len: usize) -> String {
    format!("{prefix}{}", Alphanumeric.sample_string(&mut rand::rng(), len))
}

/// Where a token's record is filed: its SHA-256, in hex.
pub fn token_key(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// What the control API shows instead of a token: enough to tell tokens apart, nothing usable
/// (the first 6 bytes of its SHA-256, so also the start of its `token_key`).
pub fn fingerprint(token_key: &str) -> String {
    token_key.chars().take(12).collect()
}

#[derive(Debug, Clone)]
pub struct AuthRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub challenge: Option<String>,
    pub method: pkce::Method,
    pub scopes: Vec<String>,
    pub user_id: Option<String>,
    pub preapproved: bool,
    pub created_at: i64,
    /// The error page this request ends on after sign-in (`Readings::authorize_errors_after_sign_in`).
    pub refused: Option<(String, String)>,
    /// The device code this sign-in authorizes (`device.rs`): no redirect at its end.
    pub device: Option<String>,
}

#[derive(Debug, Clone)]
pub struct IssuedCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub challenge: Option<String>,
    pub method: pkce::Method,
    pub user_id: String,
    pub scopes: Vec<String>,
    pub issued_at: i64,
    pub used: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantStatus {
    Active,
    /// The same user authorized the same app again: only the newest grant is valid (4741).
    Superseded,
    /// Revoked through `/oauth/revoke`.
    Revoked,
    /// Uninstalled in the Marketplace (control API).
    Uninstalled,
    /// The user was deactivated (control API or SCIM).
    OwnerDeactivated,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Grant {
    pub id: u64,
    pub user_id: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub status: GrantStatus,
    pub created_at: i64,
    pub refreshes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    Access,
    Refresh,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenRecord {
    pub grant_id: u64,
    pub kind: TokenKind,
    pub issued_at: i64,
    pub expires_at: Option<i64>,
    /// A refresh token stops working the moment a newer one is issued (rotation).
    pub rotated: bool,
    /// An access token past the app's token tolerance: newer ones of the same user and app
    /// took its place (401 code 124).
    #[serde(default)]
    pub replaced: bool,
    /// Issue order, for the tolerance (several tokens can be issued in one second).
    #[serde(default)]
    pub seq: u64,
    pub api_calls: u64,
    pub refresh_attempts: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    /// None for Server-to-Server tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub expires_in: i64,
    pub scope: String,
    pub api_url: String,
}

pub struct Inner {
    pub seed: Seed,
    pub access_token_lifetime: i64,
    pub auth_requests: HashMap<String, AuthRequest>,
    pub codes: HashMap<String, IssuedCode>,
    pub grants: Vec<Grant>,
    /// Tokens by `token_key` (a SHA-256 of the token), never by the token itself, so that the
    /// state can be saved without writing a usable token anywhere.
    pub tokens: HashMap<String, TokenRecord>,
    /// Every token issued since start, in clear, for the control API's leak-scan list only.
    /// Memory only: never saved.
    pub issued: Vec<String>,
    pub faults: Vec<Fault>,
    /// Per account and category: (real second, requests in it) for the QPS limit.
    pub rate_windows: HashMap<(String, crate::rate_limits::Category), (u64, u32)>,
    /// Per account: (UTC day, requests in it) for the daily limit.
    pub daily_windows: HashMap<String, (i64, u32)>,
    pub next_grant_id: u64,
    pub next_token_seq: u64,
    /// What the clock's offset was at the last save (time travel survives a restart).
    pub clock_offset: i64,
    /// Where Zoom's pages disagree or say nothing, which reading the sandbox plays (control
    /// API `settings`; docs/zoom.md says which pages say what). Not saved: tests set them.
    pub readings: Readings,
    /// How many times each change was made to each user (`"deactivate usr_1"` → 1), for tests
    /// that prove a client never sends one twice (control API `changes`). Not saved.
    pub changes: HashMap<String, u32>,
    /// Device sign-ins in progress (`device.rs`). Not saved: minutes long.
    pub devices: crate::device::Devices,
    /// Per rotated-out refresh token (`token_key`): when, and the answer that rotated it, for
    /// the `refresh_reuse_grace` reading. Not saved: seconds long.
    pub rotated_answers: HashMap<String, (i64, TokenResponse)>,
}

impl Inner {
    pub fn new(seed: Seed, access_token_lifetime: i64) -> Self {
        Self {
            seed,
            access_token_lifetime,
            auth_requests: HashMap::new(),
            codes: HashMap::new(),
            grants: Vec::new(),
            tokens: HashMap::new(),
            issued: Vec::new(),
            faults: Vec::new(),
            rate_windows: HashMap::new(),
            daily_windows: HashMap::new(),
            next_grant_id: 1,
            next_token_seq: 1,
            clock_offset: 0,
            readings: Readings::default(),
            changes: HashMap::new(),
            devices: Default::default(),
            rotated_answers: HashMap::new(),
        }
    }

    pub fn user(&self, id: &str) -> Option<&User> {
        self.seed.users.iter().find(|u| u.id == id)
    }

    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        self.seed.users.iter().find(|u| u.email.eq_ignore_ascii_case(email.trim()))
    }

    /// Counts a change made to a user through the API.
    pub fn count_change(&mut self, what: &str, user_id: &str) {
        *self.changes.entry(format!("{what} {user_id}")).or_default() += 1;
    }

    /// Marketplace uninstall by a user: every grant of that user for the app ends.
    pub fn uninstall(&mut self, user_id: &str, client_id: &str) -> usize {
        let mut n = 0;
        for g in self.grants.iter_mut() {
            if g.user_id == user_id && g.client_id == client_id && g.status == GrantStatus::Active {
                g.status = GrantStatus::Uninstalled;
                n += 1;
            }
        }
        n
    }

    /// A deactivated user can no longer sign in, and their grants stop working.
    pub fn deactivate(&mut self, user_id: &str) -> bool {
        let Some(user) = self.seed.users.iter_mut().find(|u| u.id == user_id) else { return false };
        user.status = "inactive".into();
        for g in self.grants.iter_mut() {
            if g.user_id == user_id && g.status == GrantStatus::Active {
                g.status = GrantStatus::OwnerDeactivated;
            }
        }
        true
    }
}
