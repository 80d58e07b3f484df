//! Creating and reconnecting connections: start a flow (PKCE + state, one of three redirect
//! modes), then the one callback handler every redirect ends in, which applies Zoom's rules
//! before anything is stored.

use std::sync::Arc;

use serde::Serialize;

use crate::callback_url::{CallbackUrl, DEEP_LINK_REDIRECT};
use crate::engine::{lock, Engine, EngineEvent};
use crate::error::{EngineError, ErrorCode, Result};
use crate::flows::{FlowStarted, PendingFlow, FLOW_LIFETIME};
use crate::loopback;
use crate::model::{access_key, refresh_key, Connection, ConnectionId, RedirectMode, Status};
use crate::zoom::TokenSet;

pub const NICKNAME_MAX: usize = 64;
/// Rule 3: only these roles may connect.
const ALLOWED_ROLES: [&str; 2] = ["Owner", "Admin"];

/// What a successful callback did.
#[derive(Debug, Clone, Serialize)]
pub struct CallbackOutcome {
    pub flow_id: String,
    pub connection: Connection,
    /// Rule 1: an older connection of the same Zoom user that Zoom has now invalidated.
    pub superseded: Option<ConnectionId>,
}

fn nickname_error(msg: &str) -> EngineError {
    EngineError::new(ErrorCode::InvalidNickname, msg)
}

impl Engine {
    /// The nickname as it will be stored: trimmed, 1–64 characters, unique in the org.
    pub fn check_nickname(&self, org_id: &str, nickname: &str, except: Option<&str>) -> Result<String> {
        let name = nickname.trim();
        if name.is_empty() {
            return Err(nickname_error("Enter a connection nickname."));
        }
        if name.chars().count() > NICKNAME_MAX {
            return Err(nickname_error("A nickname can have at most 64 characters."));
        }
        if name.chars().any(char::is_control) {
            return Err(nickname_error("A nickname cannot contain control characters."));
        }
        let taken = lock(&self.inner.meta)
            .connections
            .iter()
            .any(|c| c.org_id == org_id && Some(c.id.as_str()) != except && c.nickname.eq_ignore_ascii_case(name));
        if taken {
            return Err(nickname_error("Another connection in this org already has this nickname."));
        }
        Ok(name.to_string())
    }

    /// New Connection: returns the authorize URL for the system browser.
    pub async fn begin_create(&self, org_id: &str, nickname: &str) -> Result<FlowStarted> {
        let org = self.org(org_id)?;
        let nickname = self.check_nickname(&org.id, nickname, None)?;
        self.begin(org, nickname, None).await
    }

    /// Reconnect in place: a new flow bound to an existing connection.
    pub async fn begin_reconnect(&self, connection_id: &str) -> Result<FlowStarted> {
        let conn = self.connection(connection_id)?;
        let org = self.org(&conn.org_id)?;
        self.begin(org, conn.nickname, Some(conn.id)).await
    }

    async fn begin(&self, org: crate::model::Org, nickname: String, reconnect_of: Option<String>) -> Result<FlowStarted> {
        let app = self.credentials(&org)?;
        let now = self.now();
        let flow_id = format!("flow-{}", rand::random::<u64>());
        let (redirect_uri, listener) = match &org.redirect {
            RedirectMode::DeepLink => (DEEP_LINK_REDIRECT.to_string(), None),
            RedirectMode::Relay { url } => (url.clone(), None),
            RedirectMode::Loopback => {
                let engine = self.clone();
                let handler: loopback::Handler = Arc::new(move |url: String| {
                    let engine = engine.clone();
                    Box::pin(async move {
                        // On its own task, so that the sign-in completes even if the browser disconnects.
                        let done = tokio::spawn(async move { engine.handle_callback(&url).await });
                        match done.await {
                            Ok(Ok(outcome)) => Ok(format!("“{}” is connected.", outcome.connection.nickname)),
                            Ok(Err(e)) => Err(e.message),
                            Err(_) => Err("The sign-in could not be completed.".to_string()),
                        }
                    })
                });
                let listener = loopback::listen(handler).await?;
                (listener.redirect_uri.clone(), Some(listener))
            }
        };
        let request = self.inner.zoom.authorize_url(&app, &redirect_uri)?;
        {
            let mut flows = lock(&self.inner.flows);
            for expired in flows.prune(now) {
                tracing::info!(flow = %expired, "sign-in flow expired");
            }
            flows.insert(
                request.state,
                PendingFlow {
                    id: flow_id.clone(),
                    org_id: org.id.clone(),
                    nickname,
                    reconnect_of,
                    redirect_uri: redirect_uri.clone(),
                    verifier: request.verifier,
                    created_at: now,
                    listener,
                },
            );
        }
        if matches!(org.redirect, RedirectMode::Loopback) {
            // The listener must not outlive its flow even if nothing else happens.
            let engine = self.clone();
            let id = flow_id.clone();
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_secs(FLOW_LIFETIME as u64)).await;
                if lock(&engine.inner.flows).cancel(&id) {
                    engine.emit(EngineEvent::FlowEnded {
                        flow_id: id,
                        connection_id: None,
                        superseded: None,
                        error: Some(EngineError::new(ErrorCode::FlowExpired, "The sign-in expired after 10 minutes.")),
                    });
                }
            });
        }
        tracing::info!(flow = %flow_id, org = %org.id, "sign-in flow started");
        Ok(FlowStarted { flow_id, authorize_url: request.url, redirect_uri, expires_at: now + FLOW_LIFETIME })
    }

    /// Cancels a pending flow (its state stops working; a loopback listener closes).
    pub fn cancel_flow(&self, flow_id: &str) -> bool {
        lock(&self.inner.flows).cancel(flow_id)
    }

    /// The callback of every redirect mode. Refuses anything that does not match a pending flow
    /// and changes nothing then; on success stores tokens (keychain) and metadata.
    pub async fn handle_callback(&self, raw_url: &str) -> Result<CallbackOutcome> {
        let callback = CallbackUrl::parse(raw_url)?;
        let state = callback
            .param("state")
            .ok_or_else(|| EngineError::new(ErrorCode::InvalidCallback, "The sign-in response has no (or more than one) state. Nothing was changed."))?;
        let flow = lock(&self.inner.flows).take(&state, self.now())?;
        let flow_id = flow.id.clone();
        let result = self.complete(flow, &callback).await;
        let event = match &result {
            Ok(o) => EngineEvent::FlowEnded {
                flow_id: flow_id.clone(),
                connection_id: Some(o.connection.id.clone()),
                superseded: o.superseded.clone(),
                error: None,
            },
            Err(e) => EngineEvent::FlowEnded { flow_id: flow_id.clone(), connection_id: None, superseded: None, error: Some(e.clone()) },
        };
        match &result {
            Ok(o) => tracing::info!(flow = %flow_id, connection = %o.connection.id, "connection authorized"),
            Err(e) => tracing::warn!(flow = %flow_id, error_code = e.code.as_str(), "sign-in failed: {e}"),
        }
        self.emit(event);
        if result.is_ok() {
            self.emit(EngineEvent::ConnectionsChanged);
        }
        result
    }

    async fn complete(&self, flow: PendingFlow, callback: &CallbackUrl) -> Result<CallbackOutcome> {
        // A reconnect that brings back a connection which needed the user is a recovery.
        let before = flow.reconnect_of.as_deref().and_then(|id| self.connection(id).ok());
        let outcome = self.authorize_and_store(flow, callback).await?;
        if let Some(before) = before.filter(|b| b.status != Status::Active) {
            self.emit(EngineEvent::StatusChanged {
                connection_id: before.id.clone(),
                nickname: before.nickname.clone(),
                from: before.status,
                to: Status::Active,
                reason: None,
            });
        }
        self.inner.history.record(
            &outcome.connection.id,
            &crate::history::HistoryEvent { at: self.now(), kind: crate::history::EventKind::Authorized, detail: None },
        );
        Ok(outcome)
    }

    async fn authorize_and_store(&self, mut flow: PendingFlow, callback: &CallbackUrl) -> Result<CallbackOutcome> {
        if let Some(error) = callback.param("error") {
            return Err(if error == "access_denied" {
                EngineError::new(ErrorCode::AccessDenied, "Authorization was declined in Zoom. Nothing was changed.")
            } else {
                EngineError::new(ErrorCode::ZoomError, "Zoom did not authorize the app. Nothing was changed.")
            });
        }
        let code = callback
            .param("code")
            .ok_or_else(|| EngineError::new(ErrorCode::InvalidCallback, "The sign-in response has no code. Nothing was changed."))?;
        let org = self.org(&flow.org_id)?;
        let app = self.credentials(&org)?;
        // The verifier is used once; what remains of the flow is only needed to store the result.
        let verifier = std::mem::replace(&mut flow.verifier, oauth2::PkceCodeVerifier::new(String::new()));
        let tokens = self.inner.zoom.exchange_code(&app, &flow.redirect_uri, &code, verifier, self.now()).await?;
        let api_url = tokens.api_url.clone().unwrap_or_else(|| self.api_base(&org));
        let identity = self.inner.zoom.users_me(&api_url, &tokens.access).await?;

        // Rules 3 and 4, and rule 2: refused tokens are discarded, not revoked (revoking would
        // end the grant the other org relies on too).
        if !ALLOWED_ROLES.iter().any(|r| r.eq_ignore_ascii_case(&identity.role_name)) {
            let role = if identity.role_name.is_empty() { "no role" } else { identity.role_name.as_str() };
            return Err(EngineError::new(
                ErrorCode::RoleNotAllowed,
                format!("{} is a Zoom {role}; only an Owner or Admin can connect an account. Nothing was stored.", identity.email),
            ));
        }
        let missing: Vec<&String> = org.scopes.iter().filter(|s| !tokens.scopes.contains(s)).collect();
        if !missing.is_empty() {
            let missing: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
            return Err(EngineError::new(
                ErrorCode::MissingScope,
                format!("Zoom did not grant the scope {}; add it to the Zoom app and try again. Nothing was stored.", missing.join(", ")),
            ));
        }
        let other_org = lock(&self.inner.meta)
            .connections
            .iter()
            .find(|c| c.org_id != org.id && !identity.account_id.is_empty() && c.identity.account_id == identity.account_id)
            .map(|c| c.org_id.clone());
        if let Some(other) = other_org {
            let other_name = self.org(&other).map(|o| o.name).unwrap_or(other);
            return Err(EngineError::new(
                ErrorCode::AccountInOtherOrg,
                format!("This Zoom account is already connected in the org “{other_name}”; one Zoom account can belong to one org only. The new authorization was discarded."),
            ));
        }
        self.store_connection(flow, org.id, identity, tokens, api_url)
    }

    /// Secrets first, then metadata; a failed metadata write takes the new secrets back out.
    fn store_connection(
        &self,
        flow: PendingFlow,
        org_id: String,
        identity: crate::model::ZoomIdentity,
        tokens: TokenSet,
        api_url: String,
    ) -> Result<CallbackOutcome> {
        let now = self.now();
        let id = flow.reconnect_of.clone().unwrap_or_else(|| format!("c{}", rand::random::<u64>() % 1_000_000_000_000));
        let secrets = &self.inner.config.secrets;
        secrets.set(&refresh_key(&id), &tokens.refresh)?;
        secrets.set(&access_key(&id), &tokens.access)?;
        let superseded_reason = "a newer connection for this Zoom user replaced it".to_string();
        let result = self.update_meta(|m| {
            let superseded = m
                .connections
                .iter_mut()
                .filter(|c| c.org_id == org_id && c.id != id && c.identity.user_id == identity.user_id)
                .filter(|c| c.status != Status::Superseded)
                .map(|c| {
                    c.status = Status::Superseded;
                    c.status_reason = Some(superseded_reason.clone());
                    c.id.clone()
                })
                .last();
            let fresh = Connection {
                id: id.clone(),
                org_id: org_id.clone(),
                nickname: flow.nickname.clone(),
                identity: identity.clone(),
                granted_scopes: tokens.scopes.clone(),
                api_url: api_url.clone(),
                status: Status::Active,
                status_reason: None,
                created_at: now,
                access_expires_at: tokens.expires_at,
                last_success_at: Some(now),
                last_failure_at: None,
                next_attempt_at: None,
                consecutive_failures: 0,
            };
            let connection = match m.connections.iter_mut().find(|c| c.id == id) {
                Some(existing) => {
                    // Reconnect in place: id, nickname and history stay.
                    let created_at = existing.created_at;
                    *existing = Connection { created_at, nickname: existing.nickname.clone(), ..fresh };
                    existing.clone()
                }
                None => {
                    m.connections.push(fresh.clone());
                    fresh
                }
            };
            Ok(CallbackOutcome { flow_id: flow.id.clone(), connection, superseded })
        });
        if let Ok(outcome) = &result {
            // The state files must say what the list now says: the new (or reconnected)
            // connection is Active, an older one of the same user Superseded.
            self.inner.store.write_state(&outcome.connection.id, &outcome.connection.state())?;
            if let Some(old) = &outcome.superseded {
                self.inner.store.write_state(old, &self.connection(old)?.state())?;
            }
        }
        if result.is_err() && flow.reconnect_of.is_none() {
            let _ = secrets.delete(&refresh_key(&id));
            let _ = secrets.delete(&access_key(&id));
        }
        result
    }
}
