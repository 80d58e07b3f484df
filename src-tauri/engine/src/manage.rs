//! Using and removing connections: the connection test, delete (= revoke at Zoom) and delete
//! locally. Refreshing lives in `refresh.rs`.

use serde::Serialize;

use crate::engine::{Engine, EngineEvent};
use crate::error::{EngineError, ErrorCode, Result};
use crate::model::{access_key, refresh_key};

/// Which call a connection test made.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Probe {
    /// SCIM `GET /scim2/Users?count=1` (the `scim2` scope is granted).
    Scim,
    /// `GET /v2/users/me`.
    UsersMe,
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct TestResult {
    pub probe: Probe,
    pub summary: String,
}

impl Engine {
    /// SCIM `GET /scim2/Users?count=1` when the `scim2` scope is granted, else `GET /v2/users/me`.
    pub async fn test_connection(&self, id: &str) -> Result<TestResult> {
        let access = self.access_token(id).await?;
        let conn = self.connection(id)?;
        let scim = conn.granted_scopes.iter().any(|s| s == "scim2" || s == "scim2:admin");
        let api_url = self.api_url_of(&conn);
        let result = if scim {
            self.inner.zoom.scim_probe(&api_url, &access).await.map(|n| TestResult {
                probe: Probe::Scim,
                summary: format!("SCIM works: {n} users in the Zoom account."),
            })
        } else {
            self.inner.zoom.users_me(&api_url, &access).await.map(|me| TestResult {
                probe: Probe::UsersMe,
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
        crate::engine::lock(&self.inner.pending_tokens).remove(id);
        self.inner.history.remove(id);
        self.inner.store.remove_state(id);
        tracing::info!(connection = %id, "connection deleted");
        self.emit(EngineEvent::ConnectionsChanged);
        Ok(())
    }
}
