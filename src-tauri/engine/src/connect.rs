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
use crate::model::{Connection, ConnectionId, Org, RedirectMode, Status, ZoomIdentity};
use crate::scopes::Capability;
use crate::secret::Secret;
use crate::zoom::{FailureClass, TokenSet};

/// Where a sign-in's tokens come from: a redirect's code to exchange, or tokens Zoom already
/// gave (the device grant, sign_in/device.rs).
pub(crate) enum GrantSource<'a> {
    Callback(&'a CallbackUrl),
    Tokens(Box<TokenSet>),
}

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

impl Engine {
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
        let app = self.credentials(&org).await?;
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
                            Ok(Ok(outcome)) => Ok(outcome.connection.nickname),
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
                    reconnect_of: reconnect_of.clone(),
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
        Ok(FlowStarted { flow_id, authorize_url: request.url, redirect_uri, expires_at: now + FLOW_LIFETIME, org_id: org.id.clone(), reconnect_of })
    }

    /// Cancels a pending flow (its state stops working; a loopback listener closes).
    pub fn cancel_flow(&self, flow_id: &str) -> bool {
        lock(&self.inner.flows).cancel(flow_id)
    }

    /// Whether a sign-in still waits for Zoom's redirect (the window, opened again, shows it).
    pub fn is_flow_pending(&self, flow_id: &str) -> bool {
        let now = self.now();
        lock(&self.inner.flows).is_pending(flow_id, now)
    }

    /// The callback of every redirect mode. Refuses anything that does not match a pending flow
    /// and changes nothing then; on success stores tokens (keychain) and metadata.
    pub async fn handle_callback(&self, raw_url: &str) -> Result<CallbackOutcome> {
        let callback = CallbackUrl::parse(raw_url)?;
        let state = callback
            .param("state")
            .ok_or_else(|| EngineError::new(ErrorCode::InvalidCallback, "The sign-in response has no (or more than one) state. Nothing was changed."))?;
        let flow = lock(&self.inner.flows).take(&state, self.now())?;
        self.finish_flow(flow, GrantSource::Callback(&callback)).await
    }

    /// The end of every sign-in, whichever way its grant came: the rules, the store, the events.
    pub(crate) async fn finish_flow(&self, flow: PendingFlow, source: GrantSource<'_>) -> Result<CallbackOutcome> {
        let flow_id = flow.id.clone();
        // How long the callback took, and how much of it was Zoom's (`make bench` separates
        // the app's own time from the sandbox's).
        let started = std::time::Instant::now();
        let zoom_time = std::sync::Mutex::new(std::time::Duration::ZERO);
        let result = self.complete(flow, source, &zoom_time).await;
        let zoom_ms = lock(&zoom_time).as_secs_f64() * 1000.0;
        let total_ms = started.elapsed().as_secs_f64() * 1000.0;
        let event = match &result {
            Ok(o) => {
                EngineEvent::FlowEnded { flow_id: flow_id.clone(), connection_id: Some(o.connection.id.clone()), superseded: o.superseded.clone(), error: None }
            }
            Err(e) => EngineEvent::FlowEnded { flow_id: flow_id.clone(), connection_id: None, superseded: None, error: Some(e.clone()) },
        };
        match &result {
            Ok(o) => {
                tracing::info!(flow = %flow_id, connection = %o.connection.id, total_ms = format!("{total_ms:.2}"), zoom_ms = format!("{zoom_ms:.2}"), "connection authorized")
            }
            Err(e) => tracing::warn!(flow = %flow_id, error_code = e.code.as_str(), "sign-in failed: {e}"),
        }
        self.emit(event);
        if result.is_ok() {
            self.emit(EngineEvent::ConnectionsChanged);
        }
        result
    }

    async fn complete(&self, flow: PendingFlow, source: GrantSource<'_>, zoom_time: &std::sync::Mutex<std::time::Duration>) -> Result<CallbackOutcome> {
        // A reconnect that brings back a connection which needed the user is a recovery. Its
        // status as last written: another process (`serve`, cron's keepalive) may have found
        // the grant gone.
        let before = flow.reconnect_of.as_deref().and_then(|id| {
            self.reload_state(id);
            self.connection(id).ok()
        });
        let outcome = self.authorize_and_store(flow, source, zoom_time).await?;
        if let Some(before) = before.filter(|b| b.status != Status::Active) {
            self.emit(EngineEvent::StatusChanged {
                connection_id: before.id.clone(),
                nickname: before.nickname.clone(),
                from: before.status,
                to: Status::Active,
                reason: None,
                why: None,
            });
        }
        self.inner.history.record(
            &outcome.connection.id,
            &crate::history::HistoryEvent { at: self.now_for(&outcome.connection), kind: crate::history::EventKind::Authorized, detail: None, why: None },
        );
        Ok(outcome)
    }

    /// The authorization code of a redirect, exchanged for tokens (PKCE, the flow's redirect URL).
    async fn exchange(
        &self,
        mut flow: PendingFlow,
        callback: &CallbackUrl,
        zoom_time: &std::sync::Mutex<std::time::Duration>,
    ) -> Result<(PendingFlow, TokenSet)> {
        let timed = |started: std::time::Instant| *lock(zoom_time) += started.elapsed();
        if let Some(error) = callback.param("error") {
            return Err(if error == "access_denied" {
                EngineError::new(ErrorCode::AccessDenied, "Authorization was declined in Zoom. Nothing was changed.")
            } else {
                EngineError::new(ErrorCode::ZoomError, "Zoom did not authorize the app. Nothing was changed.")
            });
        }
        let code =
            callback.param("code").ok_or_else(|| EngineError::new(ErrorCode::InvalidCallback, "The sign-in response has no code. Nothing was changed."))?;
        if !callback.answers(&flow.redirect_uri) {
            return Err(EngineError::new(
                ErrorCode::InvalidCallback,
                "The sign-in response came back to another address than the one this sign-in sent Zoom. Nothing was changed.",
            ));
        }
        let org = self.org(&flow.org_id)?;
        let app = self.credentials(&org).await?;
        // The verifier is used once; what remains of the flow is only needed to store the result.
        let verifier = std::mem::replace(&mut flow.verifier, oauth2::PkceCodeVerifier::new(String::new()));
        // From here until "grant persisted", a crash loses a Reconnect's connection: Zoom ends
        // the old grant when it issues the new one (the SIGKILL test attributes its kills by
        // these lines).
        tracing::debug!(connection = %flow.reconnect_of.as_deref().unwrap_or("new"), "grant requested");
        let zoom_started = std::time::Instant::now();
        let tokens = self.inner.zoom.exchange_code(&app, &flow.redirect_uri, &code, verifier, self.now_for_org(&org.id)).await;
        timed(zoom_started);
        Ok((flow, tokens?))
    }

    async fn authorize_and_store(
        &self,
        flow: PendingFlow,
        source: GrantSource<'_>,
        zoom_time: &std::sync::Mutex<std::time::Duration>,
    ) -> Result<CallbackOutcome> {
        let timed = |started: std::time::Instant| *lock(zoom_time) += started.elapsed();
        let org = self.org(&flow.org_id)?;
        let (flow, tokens) = match source {
            GrantSource::Callback(callback) => self.exchange(flow, callback, zoom_time).await?,
            GrantSource::Tokens(tokens) => (flow, *tokens),
        };
        tracing::debug!(connection = %flow.reconnect_of.as_deref().unwrap_or("new"), "grant answered");
        let api_url = self.first_api_url(&org, tokens.api_url.as_deref());
        let zoom_started = std::time::Instant::now();
        let identity = self.inner.zoom.users_me(&api_url, &tokens.access).await;
        timed(zoom_started);
        let identity = identity.map_err(|f| match f.error.code {
            ErrorCode::MissingScope => EngineError::new(
                ErrorCode::MissingScope,
                format!("Zoom did not let the app read who signed in: add the scope {} (granular) or user:read:admin (classic) to the Zoom app. Nothing was stored.", crate::scopes::IDENTITY_SCOPES[1]),
            ),
            _ => f.error,
        })?;
        let granted = tokens.scopes.clone().unwrap_or_default();
        // The rules of docs/zoom.md, checked before anything is stored. Refused tokens are
        // discarded, not revoked: revoking would also end a grant another org relies on.
        let zoom_started = std::time::Instant::now();
        let role = self.check_role(&org, &identity, &api_url, &tokens.access).await;
        timed(zoom_started);
        role?;
        if tokens.scopes.is_some() {
            let missing = crate::scopes::missing(&org.required, &org.extra_scopes, &granted);
            if !missing.is_empty() {
                return Err(EngineError::new(
                    ErrorCode::MissingScope,
                    format!(
                        "Zoom did not grant what this org requires: {}. Add these scopes to the Zoom app (either form) and sign in again. Nothing was stored.",
                        missing.describe()
                    ),
                ));
            }
        } else {
            tracing::warn!(org = %org.id, "Zoom's token answer named no scopes; the granted scopes could not be checked");
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
        let grant = NewGrant { identity, granted, tokens, api_url };
        if let Some(reconnecting) = flow.reconnect_of.clone() {
            let current = self.connection(&reconnecting)?;
            if current.identity.user_id != grant.identity.user_id || current.identity.account_id != grant.identity.account_id {
                return Err(self.wrong_user(&flow, &current, grant).await);
            }
        }
        self.store_grant(&flow, &org.id, flow.reconnect_of.clone(), grant).await
    }

    /// Rule 3: an Owner or an Admin may connect; a Member may not; a custom role may when the
    /// account lets it do what the org requires (the call itself is the test: docs/zoom.md,
    /// Roles).
    async fn check_role(&self, org: &Org, me: &ZoomIdentity, api_url: &str, access: &Secret) -> Result<()> {
        if ALLOWED_ROLES.iter().any(|r| r.eq_ignore_ascii_case(&me.role_name)) {
            return Ok(());
        }
        let refused = |why: &str| {
            let role = if me.role_name.is_empty() { "no role".to_string() } else { format!("the role “{}”", me.role_name) };
            EngineError::new(ErrorCode::RoleNotAllowed, format!("{} has {role} in Zoom, {why}. Sign in as an Owner or Admin, or give the role user management in Zoom (User Management → Roles). Nothing was stored.", me.email))
        };
        if me.role_name.is_empty() || me.role_name.eq_ignore_ascii_case("Member") {
            return Err(refused("which cannot manage users"));
        }
        let probe = if org.required.contains(&Capability::Scim) && !org.required.contains(&Capability::ManageUsers) {
            self.inner.zoom.scim_probe(api_url, access).await
        } else {
            self.inner.zoom.users_probe(api_url, access).await
        };
        match probe {
            Ok(_) => Ok(()),
            Err(f) if f.class == FailureClass::Refused || f.class == FailureClass::TokenRefused => Err(refused("and Zoom refused it the account's users")),
            Err(f) => Err(f.error),
        }
    }

    /// A Reconnect that signed in as someone else: refused, and the connection keeps its grant
    /// and identity. The new grant is that other user's newest one, which has just ended their
    /// older grant at Zoom (one grant per user and app): if that user has a connection in this
    /// org, it takes the new grant, so that the sign-in does not cost it its life.
    async fn wrong_user(&self, flow: &PendingFlow, current: &Connection, grant: NewGrant) -> EngineError {
        let signed_in = grant.identity.email.clone();
        let theirs = lock(&self.inner.meta)
            .connections
            .iter()
            .find(|c| c.org_id == current.org_id && c.id != current.id && c.identity.user_id == grant.identity.user_id)
            .map(|c| (c.id.clone(), c.nickname.clone()));
        let mut message = format!(
            "You signed in to Zoom as {signed_in}, but “{}” belongs to {}. Nothing was changed for “{}”: reconnect it signed in as {} (sign out of Zoom in the browser first).",
            current.nickname, current.identity.email, current.nickname, current.identity.email
        );
        if let Some((id, nickname)) = theirs {
            match self.store_grant(flow, &current.org_id, Some(id), grant).await {
                Ok(_) => {
                    message.push_str(&format!(" The new authorization renewed “{nickname}”, {signed_in}'s connection, which it would otherwise have ended."))
                }
                Err(e) => tracing::warn!("the new grant could not renew the signed-in user's own connection: {e}"),
            }
        }
        EngineError::new(ErrorCode::WrongZoomUser, message)
    }

    /// Stores a new grant under the connection's locks: tokens first (keychain), then the list;
    /// a failed list write takes the new tokens of a new connection back out. An older
    /// connection of the same Zoom user in the org is then marked Superseded, under its own
    /// locks (rule 1).
    async fn store_grant(&self, flow: &PendingFlow, org_id: &str, into: Option<ConnectionId>, grant: NewGrant) -> Result<CallbackOutcome> {
        let now = self.now_for_org(org_id);
        let id = into.clone().unwrap_or_else(|| format!("c{}", rand::random::<u64>() % 1_000_000_000_000));
        let held = self.lock_connection(&id).await?;
        if into.is_some() {
            held.reread()?;
        }
        held.replace_grant(&grant.tokens).await?;
        tracing::debug!(connection = %id, "grant persisted");
        let NewGrant { identity, granted, tokens, api_url } = grant;
        let (org_id, flow_id, nickname) = (org_id.to_string(), flow.id.clone(), flow.nickname.clone());
        let engine = self.clone();
        let stored_id = id.clone();
        let result = tokio::task::spawn_blocking(move || {
            engine.update_meta(|m| {
                // Another process (`orgs remove`) may have removed the org during the sign-in:
                // no connection of an org that is gone (the new tokens go again, below).
                // (The built-in sandbox org may be in memory only: it is never removed.)
                if org_id != crate::model::SANDBOX_ORG_ID && !m.orgs.iter().any(|o| o.id == org_id) {
                    return Err(EngineError::new(ErrorCode::NotFound, "The org was removed during the sign-in. Nothing was stored."));
                }
                let previous = m.connections.iter().find(|c| c.id == stored_id).cloned();
                // A Rename during the sign-in may have taken the nickname: the new connection
                // is kept (its grant is live at Zoom now) under the next free one.
                let nickname = match &previous {
                    Some(p) => p.nickname.clone(),
                    None => crate::nickname::free_nickname(&nickname, |n| crate::nickname::taken(&m.connections, &org_id, n, None)),
                };
                let fresh = Connection {
                    id: stored_id.clone(),
                    org_id: org_id.clone(),
                    nickname,
                    kind: crate::model::ConnectionKind::User,
                    s2s: None,
                    identity: identity.clone(),
                    granted_scopes: granted,
                    api_url,
                    status: Status::Active,
                    status_reason: None,
                    reason: None,
                    created_at: previous.as_ref().map_or(now, |p| p.created_at),
                    granted_at: Some(now),
                    access_expires_at: tokens.expires_at,
                    last_success_at: Some(now),
                    last_failure_at: None,
                    next_attempt_at: None,
                    consecutive_failures: 0,
                    failing_since: None,
                    generation: previous.as_ref().map_or(0, |p| p.generation + 1),
                    handed_out_until: None,
                    minted_at: None,
                    served: 0,
                    unanswered_refresh_at: None,
                };
                match m.connections.iter_mut().find(|c| c.id == stored_id) {
                    Some(existing) => *existing = fresh.clone(),
                    None => m.connections.push(fresh.clone()),
                }
                Ok(fresh)
            })
        })
        .await
        .map_err(|_| EngineError::new(ErrorCode::Storage, "the list write was interrupted"))?;
        let connection = match result {
            Ok(c) => {
                self.inner.store.write_state(&c.id, &c.state())?;
                c
            }
            Err(e) => {
                if into.is_none() {
                    let _ = held.remove_tokens().await;
                }
                return Err(e);
            }
        };
        drop(held);
        let older: Vec<ConnectionId> = self
            .connections()
            .into_iter()
            .filter(|c| c.org_id == connection.org_id && c.id != connection.id && c.identity.user_id == connection.identity.user_id)
            .filter(|c| c.status != Status::Superseded)
            .map(|c| c.id)
            .collect();
        for old in &older {
            if let Ok(old_held) = self.hold(old).await {
                let _ = old_held
                    .set_state(|c| {
                        c.status = Status::Superseded;
                        c.status_reason = Some("a newer connection for this Zoom user replaced it".into());
                        c.reason = Some(crate::reasons::StatusReason::Superseded);
                        c.next_attempt_at = None;
                    })
                    .await;
            }
        }
        Ok(CallbackOutcome { flow_id, connection, superseded: older.last().cloned() })
    }
}

/// What a sign-in brought, checked and ready to store.
struct NewGrant {
    identity: ZoomIdentity,
    granted: Vec<String>,
    tokens: TokenSet,
    api_url: String,
}
