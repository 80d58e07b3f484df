//! Using and removing connections: the connection test, Delete (= revoke at Zoom) and Delete
//! locally. Every token they touch goes through the connection's holder (tokens.rs).

use serde::Serialize;

use crate::engine::Engine;
use crate::error::{EngineError, ErrorCode, Result};
use crate::model::Connection;
use crate::tokens::Want;
use crate::zoom::{FailureClass, ZoomFailure};

/// Which call a connection test made.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Probe {
    /// SCIM `GET /scim2/Users?count=1` (a SCIM scope is granted).
    Scim,
    /// `GET /v2/users/me`.
    UsersMe,
    /// `GET /v2/users?page_size=1` (Server-to-Server).
    UsersList,
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct TestResult {
    pub probe: Probe,
    /// In English, for logs and the command line's JSON.
    pub summary: String,
    /// What the window words in the user's language: the users counted (SCIM, the user list),
    /// or who signed in and their role (users/me).
    pub users: Option<u64>,
    pub email: Option<String>,
    pub role: Option<String>,
}

impl Engine {
    async fn run_test(&self, conn: &Connection, access: &crate::Secret) -> std::result::Result<TestResult, ZoomFailure> {
        let scim = crate::scopes::Capability::Scim.granted_by(&conn.granted_scopes);
        let api_url = self.api_url_of(conn);
        if scim {
            self.inner.zoom.scim_probe(&api_url, access).await.map(|n| TestResult {
                probe: Probe::Scim,
                summary: format!("SCIM works: {n} users in the Zoom account."),
                users: Some(n),
                email: None,
                role: None,
            })
        } else if conn.is_s2s() {
            // A Server-to-Server token is the account's, not a user's (docs/zoom.md).
            self.inner.zoom.users_probe(&api_url, access).await.map(|n| TestResult {
                probe: Probe::UsersList,
                summary: format!("Server-to-Server works: {n} active users in the Zoom account."),
                users: Some(n),
                email: None,
                role: None,
            })
        } else {
            self.inner.zoom.users_me(&api_url, access).await.map(|me| TestResult {
                probe: Probe::UsersMe,
                summary: format!("Signed in to Zoom as {} ({}).", me.email, me.role_name),
                users: None,
                email: Some(me.email),
                role: Some(me.role_name),
            })
        }
    }

    /// The lightest call that proves a connection's token works: `users/me` for a user's,
    /// the account's user list for a Server-to-Server app's.
    pub(crate) async fn probe(&self, conn: &Connection, access: &crate::Secret) -> std::result::Result<(), ZoomFailure> {
        let api_url = self.api_url_of(conn);
        if conn.is_s2s() {
            self.inner.zoom.users_probe(&api_url, access).await.map(|_| ())
        } else {
            self.inner.zoom.users_me(&api_url, access).await.map(|_| ())
        }
    }

    /// SCIM `GET /scim2/Users?count=1` when a SCIM scope is granted, else `GET /v2/users/me`. A
    /// token Zoom refuses is confirmed by a refresh: a grant that is gone then shows in the
    /// connection's status, a token that was merely replaced is tested again with the new one.
    pub async fn test_connection(&self, id: &str) -> Result<TestResult> {
        // A Server-to-Server app that was refused may have been fixed in the Marketplace since:
        // a Test mints again (a mint loses nothing).
        if self.connection(id)?.is_s2s() {
            let held = self.hold(id).await?;
            if held.connection()?.needs_user() {
                held.rotate().await?;
            }
        }
        let token = self.use_token(id, 60).await?;
        let conn = self.connection(id)?;
        match self.run_test(&conn, &token.access).await {
            Err(f) if f.class == FailureClass::TokenRefused => {
                let (conn, _) = self.refresh(id, Want::Replace { generation: token.generation }).await?;
                let token = self.use_token(id, 60).await?;
                Ok(self.run_test(&conn, &token.access).await?)
            }
            other => Ok(other?),
        }
    }

    /// Delete = deauthorize: revoke the grant at Zoom, then remove tokens and metadata, all under
    /// the connection's locks. Only a revocation Zoom confirmed, or a grant a refresh proved gone,
    /// lets it delete; otherwise nothing is removed and the error says what happened
    /// (`delete_locally` is the way on).
    pub async fn delete(&self, id: &str) -> Result<()> {
        let held = self.hold(id).await?;
        let conn = held.connection()?;
        // A Server-to-Server app has no grant to revoke: its secret and token go, and the app
        // stays in the Marketplace (the window says how to deactivate it there).
        if conn.is_s2s() {
            return held.remove().await;
        }
        if let Err(f) = held.revoke().await {
            let what = match f.class {
                FailureClass::Transient | FailureClass::Local => "Zoom could not be reached to deauthorize",
                _ => "Zoom did not confirm that it deauthorized",
            };
            let code = match f.error.code {
                // Local problems keep their code: Delete locally is not the way out of them.
                ErrorCode::LockTimeout
                | ErrorCode::KeychainUnavailable
                | ErrorCode::InvalidSettings
                | ErrorCode::ShuttingDown
                | ErrorCode::Storage
                | ErrorCode::ZoomError
                | ErrorCode::ZoomBadResponse => f.error.code,
                _ if f.class == FailureClass::Transient => ErrorCode::Network,
                _ => ErrorCode::ZoomError,
            };
            return Err(EngineError::new(
                code,
                format!("{what} “{}” ({}). Nothing was deleted. You can delete it from this computer only; its grant then remains in Zoom until it is uninstalled there.", conn.nickname, f.error.message),
            ));
        }
        held.remove().await
    }

    /// Removes a connection from this computer only; returns the warning to show.
    pub async fn delete_locally(&self, id: &str) -> Result<String> {
        let held = self.hold(id).await?;
        let conn = held.connection()?;
        held.remove().await?;
        Ok(format!(
            "“{}” was removed from this computer. Its grant still exists in Zoom: uninstall the app in the Zoom App Marketplace (Manage → Added Apps) to end it.",
            conn.nickname
        ))
    }
}
