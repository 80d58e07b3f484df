//! Grants and their tokens, as Zoom's OAuth server keeps them: a grant per sign-in (the newest
//! of a user and app wins), tokens issued on it, a refresh that rotates, revocation, and the
//! bearer check of every API call (docs/zoom.md, Tokens; Revocation). Split from `state.rs`,
//! which holds the data.

use crate::errors::{ApiError, OAuthError};
use crate::seed::User;
use crate::state::{random_token, token_key, Grant, GrantStatus, Inner, LifetimeFrom, TokenKind, TokenRecord, TokenResponse};

impl Inner {
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
        let grant = self.grant(grant_id)?.clone();
        let server_to_server = self.seed.app(&grant.client_id).is_some_and(|a| a.kind == crate::seed::AppKind::ServerToServer);
        let scopes = grant.scopes.join(" ");
        if !server_to_server {
            for t in self.tokens.values_mut() {
                if t.grant_id == grant_id && t.kind == TokenKind::Refresh {
                    t.rotated = true;
                }
            }
        }
        let access = random_token("zsa_", 48);
        let seq = self.next_token_seq;
        self.next_token_seq += 2;
        let record = |kind, expires_at, seq| TokenRecord {
            grant_id,
            kind,
            issued_at: now,
            expires_at,
            rotated: false,
            replaced: false,
            seq,
            api_calls: 0,
            refresh_attempts: 0,
        };
        self.tokens.insert(token_key(&access), record(TokenKind::Access, Some(now + self.access_token_lifetime), seq));
        self.issued.push(access.clone());
        let refresh = (!server_to_server).then(|| {
            let refresh = random_token("zsr_", 48);
            self.tokens.insert(token_key(&refresh), record(TokenKind::Refresh, None, seq + 1));
            self.issued.push(refresh.clone());
            refresh
        });
        self.apply_tolerance(&grant, now);
        Some(TokenResponse {
            access_token: access,
            token_type: "bearer",
            refresh_token: refresh,
            expires_in: self.access_token_lifetime,
            scope: scopes,
            api_url: api_url.into(),
        })
    }

    /// Token tolerance (docs/zoom.md, One live access token): of the live access tokens of one
    /// user and app (a refresh, a new sign-in and a mint all issue one), only the newest
    /// `access_token_tolerance` keep working.
    fn apply_tolerance(&mut self, grant: &Grant, now: i64) {
        let Some(tolerance) = self.seed.app(&grant.client_id).and_then(|a| a.access_token_tolerance) else { return };
        let grants: Vec<u64> = self.grants.iter().filter(|g| g.user_id == grant.user_id && g.client_id == grant.client_id).map(|g| g.id).collect();
        let mut live: Vec<(u64, String)> = self
            .tokens
            .iter()
            .filter(|(_, t)| t.kind == TokenKind::Access && !t.replaced && grants.contains(&t.grant_id))
            .filter(|(_, t)| t.expires_at.is_none_or(|exp| exp > now))
            .map(|(k, t)| (t.seq, k.clone()))
            .collect();
        live.sort_unstable();
        let keep = (tolerance.max(1)) as usize;
        if live.len() > keep {
            for (_, key) in &live[..live.len() - keep] {
                if let Some(t) = self.tokens.get_mut(key) {
                    t.replaced = true;
                }
            }
        }
    }

    /// Zoom's answer to a refresh of an ended grant. Its token endpoint does not put the error
    /// number in the body: a superseded grant answers the same "Invalid Token!" as a revoked one
    /// (docs/zoom.md, Errors).
    fn grant_error(status: GrantStatus) -> Option<OAuthError> {
        match status {
            GrantStatus::Active => None,
            GrantStatus::Superseded | GrantStatus::Revoked | GrantStatus::Uninstalled => Some(OAuthError::invalid_grant("Invalid Token!")),
            GrantStatus::OwnerDeactivated => Some(OAuthError::invalid_grant("The owner of the token does not exist.")),
        }
    }

    /// `grant_type=refresh_token`: rotation, with the old token dead the moment this returns.
    pub fn refresh(&mut self, refresh_token: &str, client_id: &str, now: i64, api_url: &str) -> Result<TokenResponse, OAuthError> {
        let Some(record) = self.tokens.get_mut(&token_key(refresh_token)) else {
            return Err(OAuthError::invalid_grant("Invalid Token!"));
        };
        if record.kind != TokenKind::Refresh {
            return Err(OAuthError::invalid_grant("Invalid Token!"));
        }
        record.refresh_attempts += 1;
        let (grant_id, rotated, issued_at) = (record.grant_id, record.rotated, record.issued_at);
        let grant = self.grant(grant_id).ok_or_else(|| OAuthError::invalid_grant("Invalid Token!"))?;
        // A fixed lifetime, in the reading chosen (`Readings`): Zoom does not document what an
        // expired refresh token is answered with, so it is the answer of any dead one.
        if let Some((lifetime, from)) = self.readings.refresh_token_lifetime {
            let since = match from {
                LifetimeFrom::Grant => grant.created_at,
                LifetimeFrom::Rotation => issued_at,
            };
            if now - since >= lifetime {
                return Err(OAuthError::invalid_grant("Invalid Token!"));
            }
        }
        if grant.client_id != client_id {
            return Err(OAuthError::invalid_grant("Invalid Token!"));
        }
        if let Some(e) = Self::grant_error(grant.status) {
            return Err(e);
        }
        if rotated {
            let key = token_key(refresh_token);
            let again = self.readings.refresh_reuse_grace.and_then(|grace| self.rotated_answers.get(&key).filter(|(at, _)| now - at < grace));
            return again.map(|(_, answer)| answer.clone()).ok_or_else(|| OAuthError::invalid_grant("Invalid Token!"));
        }
        if let Some(g) = self.grant_mut(grant_id) {
            g.refreshes += 1;
        }
        let answer = self.issue_tokens(grant_id, now, api_url).ok_or_else(|| OAuthError::invalid_grant("Invalid Token!"))?;
        if let Some(grace) = self.readings.refresh_reuse_grace {
            self.rotated_answers.retain(|_, (at, _)| now - *at < grace);
            self.rotated_answers.insert(token_key(refresh_token), (now, answer.clone()));
        }
        Ok(answer)
    }

    /// `/oauth/revoke`: the whole grant goes, not only this token. Zoom documents it with the
    /// access token; a refresh token is refused here like an unknown token (docs/zoom.md,
    /// Revocation: a client must not rely on what is not documented). A token that no longer
    /// works (expired, replaced, of an ended grant) is refused the same way.
    pub fn revoke(&mut self, token: &str, client_id: &str, now: i64) -> Result<(), OAuthError> {
        let invalid = || OAuthError::invalid_request("Invalid Token!");
        let record = self.tokens.get(&token_key(token)).ok_or_else(invalid)?;
        if record.kind != TokenKind::Access || record.replaced || record.expires_at.is_some_and(|exp| now >= exp) {
            return Err(invalid());
        }
        let grant_id = record.grant_id;
        let grant = self.grant_mut(grant_id).ok_or_else(invalid)?;
        if grant.client_id != client_id || grant.status != GrantStatus::Active {
            return Err(invalid());
        }
        grant.status = GrantStatus::Revoked;
        Ok(())
    }

    /// The grant and user behind a bearer token, counting the call.
    pub fn authenticate(&mut self, token: &str, now: i64) -> Result<(Grant, User), ApiError> {
        let record = self.tokens.get_mut(&token_key(token)).ok_or_else(ApiError::invalid_token)?;
        if record.kind != TokenKind::Access {
            return Err(ApiError::invalid_token());
        }
        record.api_calls += 1;
        if record.expires_at.is_some_and(|exp| now >= exp) {
            return Err(ApiError::expired_token());
        }
        if record.replaced {
            return Err(ApiError::invalid_token());
        }
        let grant_id = record.grant_id;
        let grant = self.grant(grant_id).cloned().ok_or_else(ApiError::invalid_token)?;
        if grant.status != GrantStatus::Active || !self.seed.app(&grant.client_id).is_some_and(|a| a.active) {
            return Err(ApiError::invalid_token());
        }
        let user = self.user(&grant.user_id).cloned().ok_or_else(ApiError::invalid_token)?;
        Ok((grant, user))
    }
}
