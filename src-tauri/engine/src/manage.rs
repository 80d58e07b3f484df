//! Using and removing connections: refresh (single flight, new refresh token stored before use),
//! a fresh access token, the connection test, delete (= revoke at Zoom) and delete locally.

use serde::Serialize;

use crate::engine::{Engine, EngineEvent};
use crate::error::{EngineError, ErrorCode, Result};
use crate::model::{access_key, refresh_key, Connection, Status};
use crate::secret::Secret;

/// Refresh when less than this is left (DESIGN.md: default 10 minutes).
pub const DEFAULT_REFRESH_MARGIN: i64 = 10 * 60;

#[derive(Debug, Clone, Serialize)]
pub struct TestResult {
    /// `scim` or `users_me`: which call was made.
    pub probe: &'static str,
    pub summary: String,
}

impl Engine {
    fn stored(&self, key: &str) -> Result<Secret> {
        self.inner.config.secrets.get(key)?.ok_or_else(|| {
            EngineError::new(ErrorCode::ZoomInvalidGrant, "This connection's tokens are missing from the keychain; reconnect it.")
        })
    }

    fn set_status(&self, id: &str, f: impl FnOnce(&mut Connection)) -> Result<()> {
        self.update_meta(|m| {
            if let Some(c) = m.connections.iter_mut().find(|c| c.id == id) {
                f(c);
            }
            Ok(())
        })?;
        self.emit(EngineEvent::ConnectionsChanged);
        Ok(())
    }

    /// Refreshes a connection's tokens if fewer than `margin` seconds are left (0: only when
    /// expired; `force`: always). One refresh at a time per connection: the lock is taken first,
    /// then the stored state is read again, so a caller that waited sees the other's result.
    pub async fn refresh_if_needed(&self, id: &str, margin: i64, force: bool) -> Result<Connection> {
        let lock = self.refresh_lock(id);
        let _guard = lock.lock().await;
        let conn = self.connection(id)?;
        if matches!(conn.status, Status::NeedsReconnect | Status::Superseded) {
            return Err(EngineError::new(
                ErrorCode::ZoomInvalidGrant,
                format!("“{}” needs to be reconnected: {}", conn.nickname, conn.status_reason.as_deref().unwrap_or("its grant ended")),
            ));
        }
        if !force && conn.access_expires_at - self.now() > margin {
            return Ok(conn);
        }
        let org = self.org(&conn.org_id)?;
        let app = self.credentials(&org)?;
        let refresh = self.stored(&refresh_key(id))?;
        match self.inner.zoom.refresh(&app, &refresh, self.now()).await {
            Ok(tokens) => {
                // The new refresh token is durable before anything uses the new access token:
                // the old one is already dead at Zoom.
                self.inner.config.secrets.set(&refresh_key(id), &tokens.refresh)?;
                self.inner.config.secrets.set(&access_key(id), &tokens.access)?;
                let now = self.now();
                self.set_status(id, |c| {
                    c.status = Status::Active;
                    c.status_reason = None;
                    c.access_expires_at = tokens.expires_at;
                    c.last_success_at = Some(now);
                    if let Some(api) = &tokens.api_url {
                        c.api_url = api.clone();
                    }
                })?;
                self.connection(id)
            }
            Err(failure) => {
                let e = failure.error;
                let now = self.now();
                if e.code == ErrorCode::ZoomInvalidGrant || e.code == ErrorCode::ZoomInvalidClient {
                    let superseded = e.message.contains("4741");
                    self.set_status(id, |c| {
                        c.status = if superseded { Status::Superseded } else { Status::NeedsReconnect };
                        c.status_reason = Some(e.message.clone());
                        c.last_failure_at = Some(now);
                    })?;
                } else {
                    self.set_status(id, |c| {
                        c.status = Status::Retrying;
                        c.status_reason = Some(e.message.clone());
                        c.last_failure_at = Some(now);
                    })?;
                }
                Err(e)
            }
        }
    }

    /// A valid access token, refreshed first when it has expired or is about to.
    pub async fn access_token(&self, id: &str) -> Result<Secret> {
        self.refresh_if_needed(id, 60, false).await?;
        self.stored(&access_key(id))
    }

    /// SCIM `GET /scim2/Users?count=1` when the `scim2` scope is granted, else `GET /v2/users/me`.
    pub async fn test_connection(&self, id: &str) -> Result<TestResult> {
        let access = self.access_token(id).await?;
        let conn = self.connection(id)?;
        let scim = conn.granted_scopes.iter().any(|s| s == "scim2" || s == "scim2:admin");
        let result = if scim {
            self.inner.zoom.scim_probe(&conn.api_url, &access).await.map(|n| TestResult {
                probe: "scim",
                summary: format!("SCIM works: {n} users in the Zoom account."),
            })
        } else {
            self.inner.zoom.users_me(&conn.api_url, &access).await.map(|me| TestResult {
                probe: "users_me",
                summary: format!("Signed in to Zoom as {} ({}).", me.email, me.role_name),
            })
        };
        result.map_err(EngineError::from)
    }

    /// Delete = deauthorize: revoke the grant at Zoom, then remove secrets and metadata. If Zoom
    /// cannot be reached nothing is removed and the error says so; `delete_locally` is the way on.
    pub async fn delete(&self, id: &str) -> Result<()> {
        let conn = self.connection(id)?;
        let org = self.org(&conn.org_id)?;
        let token = match self.inner.config.secrets.get(&refresh_key(id))? {
            Some(t) => Some(t),
            None => self.inner.config.secrets.get(&access_key(id))?,
        };
        if let Some(token) = token {
            let app = self.credentials(&org)?;
            match self.inner.zoom.revoke(&app, &token).await {
                Ok(()) => {}
                // Already gone at Zoom (uninstalled, superseded, revoked): nothing to revoke.
                Err(e) if matches!(e.code, ErrorCode::ZoomInvalidGrant | ErrorCode::ZoomError) => {
                    tracing::info!(connection = %id, "the grant was already gone at Zoom");
                }
                Err(e) if e.code.is_transient() || e.code == ErrorCode::ZoomBadResponse => {
                    return Err(EngineError::new(
                        ErrorCode::Network,
                        format!("Zoom could not be reached to deauthorize “{}” ({}). Nothing was deleted. You can delete it from this computer only; its grant then remains in Zoom until it is uninstalled there.", conn.nickname, e.message),
                    ));
                }
                Err(e) => return Err(e),
            }
        }
        self.remove(id)
    }

    /// Removes a connection from this computer only; returns the warning to show.
    pub fn delete_locally(&self, id: &str) -> Result<String> {
        let conn = self.connection(id)?;
        self.remove(id)?;
        Ok(format!(
            "“{}” was removed from this computer. Its grant still exists in Zoom: uninstall the app in the Zoom App Marketplace (Manage → Added Apps) to end it.",
            conn.nickname
        ))
    }

    fn remove(&self, id: &str) -> Result<()> {
        self.inner.config.secrets.delete(&refresh_key(id))?;
        self.inner.config.secrets.delete(&access_key(id))?;
        self.update_meta(|m| {
            m.connections.retain(|c| c.id != id);
            Ok(())
        })?;
        tracing::info!(connection = %id, "connection deleted");
        self.emit(EngineEvent::ConnectionsChanged);
        Ok(())
    }
}
