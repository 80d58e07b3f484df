//! Everything the sandbox remembers: the directory (mutable through SCIM and the control API),
//! authorization requests in progress, codes, grants and their tokens, faults to inject.
//! One mutex guards it all; no handler holds it across an await.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use rand::distr::{Alphanumeric, SampleString};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::clock::Clock;
use crate::errors::{ApiError, OAuthError};
use crate::faults::Fault;
use crate::pkce;
use crate::seed::{Seed, User};

/// Zoom's access-token lifetime (ZOOM.md: 1 hour; `expires_in` 3599).
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
}

impl Shared {
    pub fn new(seed: Seed, access_token_lifetime: i64, base_url: String) -> Self {
        Self {
            clock: Clock::default(),
            base_url,
            inner: Mutex::new(Inner::new(seed.clone(), access_token_lifetime)),
            initial: (seed, access_token_lifetime),
        }
    }

    /// Back to the seed as started: no grants, no faults, the real time.
    pub fn reset(&self) {
        *self.lock() = Inner::new(self.initial.0.clone(), self.initial.1);
        self.clock.reset();
    }

    /// The state. A panic while it was held (a bug) must not take the whole sandbox down with
    /// it, so a poisoned lock is taken over as it is.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub fn random_token(prefix: &str, len: usize) -> String {
    format!("{prefix}{}", Alphanumeric.sample_string(&mut rand::rng(), len))
}

/// What the control API shows instead of a token: enough to tell tokens apart, nothing usable.
pub fn fingerprint(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().take(6).map(|b| format!("{b:02x}")).collect()
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

#[derive(Debug, Clone, Serialize)]
pub struct Grant {
    pub id: u64,
    pub user_id: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub status: GrantStatus,
    pub created_at: i64,
    pub refreshes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    Access,
    Refresh,
}

#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub grant_id: u64,
    pub kind: TokenKind,
    pub issued_at: i64,
    pub expires_at: Option<i64>,
    /// A refresh token stops working the moment a newer one is issued (rotation).
    pub rotated: bool,
    pub api_calls: u64,
    pub refresh_attempts: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub refresh_token: String,
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
    pub tokens: HashMap<String, TokenRecord>,
    pub faults: Vec<Fault>,
    /// Per account: (real second, requests in it) for the QPS limit.
    pub rate_windows: HashMap<String, (u64, u32)>,
    next_grant_id: u64,
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
            faults: Vec::new(),
            rate_windows: HashMap::new(),
            next_grant_id: 1,
        }
    }

    pub fn user(&self, id: &str) -> Option<&User> {
        self.seed.users.iter().find(|u| u.id == id)
    }

    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        self.seed.users.iter().find(|u| u.email.eq_ignore_ascii_case(email.trim()))
    }

    pub fn grant(&self, id: u64) -> Option<&Grant> {
        self.grants.iter().find(|g| g.id == id)
    }

    fn grant_mut(&mut self, id: u64) -> Option<&mut Grant> {
        self.grants.iter_mut().find(|g| g.id == id)
    }

    /// A new grant for (user, app). Newest grant wins: every earlier active grant of the same
    /// user for the same app is superseded, and with it all of its tokens.
    pub fn create_grant(&mut self, user_id: &str, client_id: &str, scopes: Vec<String>, now: i64) -> u64 {
        for g in self.grants.iter_mut() {
            if g.user_id == user_id && g.client_id == client_id && g.status == GrantStatus::Active {
                g.status = GrantStatus::Superseded;
            }
        }
        let id = self.next_grant_id;
        self.next_grant_id += 1;
        self.grants.push(Grant {
            id,
            user_id: user_id.into(),
            client_id: client_id.into(),
            scopes,
            status: GrantStatus::Active,
            created_at: now,
            refreshes: 0,
        });
        id
    }

    /// A fresh access and refresh token for a grant; every earlier refresh token of the grant
    /// dies at once (Zoom has no grace period).
    pub fn issue_tokens(&mut self, grant_id: u64, now: i64, api_url: &str) -> Option<TokenResponse> {
        let scopes = self.grant(grant_id)?.scopes.join(" ");
        for t in self.tokens.values_mut() {
            if t.grant_id == grant_id && t.kind == TokenKind::Refresh {
                t.rotated = true;
            }
        }
        let access = random_token("zsa_", 48);
        let refresh = random_token("zsr_", 48);
        let record = |kind, expires_at| TokenRecord {
            grant_id,
            kind,
            issued_at: now,
            expires_at,
            rotated: false,
            api_calls: 0,
            refresh_attempts: 0,
        };
        self.tokens.insert(access.clone(), record(TokenKind::Access, Some(now + self.access_token_lifetime)));
        self.tokens.insert(refresh.clone(), record(TokenKind::Refresh, None));
        Some(TokenResponse {
            access_token: access,
            token_type: "bearer",
            refresh_token: refresh,
            expires_in: self.access_token_lifetime,
            scope: scopes,
            api_url: api_url.into(),
        })
    }

    fn grant_error(status: GrantStatus) -> Option<OAuthError> {
        match status {
            GrantStatus::Active => None,
            GrantStatus::Superseded => Some(OAuthError::invalid_grant(
                "Token has been revoked: the last token issued is considered valid (4741)",
            )),
            GrantStatus::Revoked | GrantStatus::Uninstalled => Some(OAuthError::invalid_grant("Invalid Token!")),
            GrantStatus::OwnerDeactivated => {
                Some(OAuthError::invalid_grant("The token's owner is deactivated or no longer exists (4735)"))
            }
        }
    }

    /// `grant_type=refresh_token`: rotation, with the old token dead the moment this returns.
    pub fn refresh(&mut self, refresh_token: &str, client_id: &str, now: i64, api_url: &str) -> Result<TokenResponse, OAuthError> {
        let Some(record) = self.tokens.get_mut(refresh_token) else {
            return Err(OAuthError::invalid_grant("Invalid Token!"));
        };
        if record.kind != TokenKind::Refresh {
            return Err(OAuthError::invalid_grant("Invalid Token!"));
        }
        record.refresh_attempts += 1;
        let (grant_id, rotated) = (record.grant_id, record.rotated);
        let grant = self.grant(grant_id).ok_or_else(|| OAuthError::invalid_grant("Invalid Token!"))?;
        if grant.client_id != client_id {
            return Err(OAuthError::invalid_grant("Invalid Token!"));
        }
        if let Some(e) = Self::grant_error(grant.status) {
            return Err(e);
        }
        if rotated {
            return Err(OAuthError::invalid_grant("Invalid Token!"));
        }
        if let Some(g) = self.grant_mut(grant_id) {
            g.refreshes += 1;
        }
        self.issue_tokens(grant_id, now, api_url).ok_or_else(|| OAuthError::invalid_grant("Invalid Token!"))
    }

    /// `/oauth/revoke`: the whole grant goes, not only this token.
    pub fn revoke(&mut self, token: &str, client_id: &str) -> Result<(), OAuthError> {
        let grant_id = self
            .tokens
            .get(token)
            .map(|t| t.grant_id)
            .ok_or_else(|| OAuthError::invalid_request("Invalid Token!"))?;
        let grant = self.grant_mut(grant_id).ok_or_else(|| OAuthError::invalid_request("Invalid Token!"))?;
        if grant.client_id != client_id {
            return Err(OAuthError::invalid_request("Invalid Token!"));
        }
        grant.status = GrantStatus::Revoked;
        Ok(())
    }

    /// The grant and user behind a bearer token, counting the call.
    pub fn authenticate(&mut self, token: &str, now: i64) -> Result<(Grant, User), ApiError> {
        let record = self.tokens.get_mut(token).ok_or_else(ApiError::invalid_token)?;
        if record.kind != TokenKind::Access {
            return Err(ApiError::invalid_token());
        }
        record.api_calls += 1;
        if record.expires_at.is_some_and(|exp| now >= exp) {
            return Err(ApiError::expired_token());
        }
        let grant_id = record.grant_id;
        let grant = self.grant(grant_id).cloned().ok_or_else(ApiError::invalid_token)?;
        if grant.status != GrantStatus::Active {
            return Err(ApiError::invalid_token());
        }
        let user = self.user(&grant.user_id).cloned().ok_or_else(ApiError::invalid_token)?;
        Ok((grant, user))
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
