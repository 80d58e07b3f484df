//! Server-to-Server connections (docs/zoom.md, Server-to-Server): an account's own OAuth app,
//! whose client secret mints tokens with no sign-in and no refresh token. Created from the
//! account id, client id and secret — checked by minting a token and reading the account before
//! anything is stored — then lent like any connection: one cached token, minted on demand under
//! the connection's locks (tokens.rs), shared by every consumer so that parallel scripts never
//! mint over each other. The secret goes to the keychain only and is never shown again.

use serde::Deserialize;

use crate::engine::{lock, Engine, EngineEvent};
use crate::error::{EngineError, ErrorCode, Result};
use crate::model::{s2s_secret_key, Connection, ConnectionKind, S2sApp, Status, ZoomIdentity};
use crate::secret::Secret;
use crate::zoom::{AppCredentials, ZoomFailure};
use crate::zoom_answers::ZoomReason;

/// What the window's form sends.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Deserialize)]
pub struct NewS2s {
    pub org_id: String,
    pub nickname: String,
    pub account_id: String,
    pub client_id: String,
}

/// Where to find each identifier in the Marketplace, for the messages below.
const WHERE: &str = "App Marketplace → Develop → Build App → your Server-to-Server app → App Credentials";

/// A refused mint, said in words with its fix. Nothing was stored.
fn mint_refused(f: ZoomFailure) -> EngineError {
    let text = match f.reason {
        Some(ZoomReason::AccountUnknown) => format!("Zoom does not know this account ID for this app. Copy the Account ID from {WHERE}."),
        Some(ZoomReason::AppDisabled) => {
            "This Server-to-Server app is deactivated. Activate it in the Zoom App Marketplace (the app's Activation page), then try again.".to_string()
        }
        Some(ZoomReason::ClientRefused | ZoomReason::ClientMissing) => {
            format!("Zoom refused the client ID or secret. Copy both again from {WHERE} (a regenerated secret replaces the old one).")
        }
        Some(ZoomReason::GrantTypeUnsupported) => {
            "This is not a Server-to-Server app: create one of type Server-to-Server OAuth in the Zoom App Marketplace, or add a user-authorized connection instead.".to_string()
        }
        _ => return EngineError::new(f.error.code, format!("{} Nothing was stored.", f.error.message)).with_reason(f.reason),
    };
    EngineError::new(f.error.code, format!("{text} Nothing was stored.")).with_reason(f.reason)
}

fn check_field(value: &str, what: &str) -> Result<String> {
    let v = value.trim();
    let ok = (1..=128).contains(&v.len()) && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
    if ok {
        Ok(v.to_string())
    } else {
        Err(EngineError::new(ErrorCode::InvalidSettings, format!("Enter the app's {what} as the Marketplace shows it ({WHERE}).")))
    }
}

impl Engine {
    /// The app's credentials: the org's token host, the connection's client id, and its secret
    /// from the keychain (or `secret`, a new one being checked).
    pub(crate) async fn s2s_credentials(&self, conn: &Connection, secret: Option<Secret>) -> Result<AppCredentials> {
        let org = self.org(&conn.org_id)?;
        let app = conn.s2s.clone().ok_or_else(|| EngineError::new(ErrorCode::InvalidSettings, "This is not a Server-to-Server connection."))?;
        let secret = match secret {
            Some(s) => s,
            None => self.secret_get(s2s_secret_key(&conn.id)).await?.ok_or_else(|| {
                EngineError::new(ErrorCode::InvalidSettings, "The app's client secret is missing from the keychain: use Rotate secret to enter it again.")
            })?,
        };
        let auth_base = if org.sandbox { self.sandbox_url()? } else { org.auth_base.clone() };
        Ok(AppCredentials { client_id: app.client_id, client_secret: Some(secret), auth_base })
    }

    /// Creates a Server-to-Server connection: mints a token and reads the account with it
    /// (the org's rules checked) before anything is stored.
    pub async fn create_s2s(&self, new: NewS2s, client_secret: Secret) -> Result<Connection> {
        let org = self.org(&new.org_id)?;
        let nickname = self.check_nickname(&org.id, &new.nickname, None)?;
        let account_id = check_field(&new.account_id, "Account ID")?;
        let client_id = check_field(&new.client_id, "Client ID")?;
        if client_secret.expose().trim().is_empty() {
            return Err(EngineError::new(ErrorCode::InvalidSettings, format!("Enter the app's Client secret ({WHERE}).")));
        }
        let client_secret = Secret::new(client_secret.expose().trim());
        {
            let meta = lock(&self.inner.meta);
            if let Some(same) = meta.connections.iter().find(|c| c.s2s.as_ref().is_some_and(|s| s.client_id == client_id)) {
                return Err(EngineError::new(ErrorCode::InvalidSettings, format!("This Server-to-Server app is already connected as “{}”.", same.nickname)));
            }
            // Rule 2: one Zoom account per org.
            if let Some(other) = meta.connections.iter().find(|c| c.org_id != org.id && c.identity.account_id == account_id) {
                let name = meta.orgs.iter().find(|o| o.id == other.org_id).map(|o| o.name.clone()).unwrap_or_default();
                return Err(EngineError::new(
                    ErrorCode::AccountInOtherOrg,
                    format!("This Zoom account is already connected in the org “{name}”; one Zoom account can belong to one org only. Nothing was stored."),
                ));
            }
            if meta.connections.iter().any(|c| c.org_id == org.id && !c.identity.account_id.is_empty() && c.identity.account_id != account_id) {
                return Err(EngineError::new(
                    ErrorCode::AccountInOtherOrg,
                    format!(
                        "The org “{}” is connected to another Zoom account; one org holds one account. Add another org for this one. Nothing was stored.",
                        org.name
                    ),
                ));
            }
        }
        let auth_base = if org.sandbox { self.sandbox_url()? } else { org.auth_base.clone() };
        let app = AppCredentials { client_id: client_id.clone(), client_secret: Some(client_secret.clone()), auth_base };
        let now = self.now_for_org(&org.id);
        let tokens = self.inner.zoom.account_credentials(&app, &account_id, now).await.tokens.map_err(mint_refused)?;
        let granted = tokens.scopes.clone().unwrap_or_default();
        if tokens.scopes.is_some() {
            let missing = crate::scopes::missing(&org.required, &org.extra_scopes, &granted);
            if !missing.is_empty() {
                return Err(EngineError::new(
                    ErrorCode::MissingScope,
                    format!(
                        "The app lacks what this org requires: {}. Add these scopes on the app's Scopes page in the Marketplace (granular or classic), then try again. Nothing was stored.",
                        missing.describe()
                    ),
                ));
            }
        }
        let api_url = self.first_api_url(&org, tokens.api_url.as_deref());
        // The account, read with the new token: the users list, the call a Server-to-Server
        // token is for, and the SCIM test when the org requires SCIM (or SCIM is all it has).
        use crate::scopes::Capability;
        let scim = org.required.contains(&Capability::Scim) || (Capability::Scim.granted_by(&granted) && !Capability::ManageUsers.granted_by(&granted));
        if !scim || Capability::ManageUsers.granted_by(&granted) {
            self.inner.zoom.users_probe(&api_url, &tokens.access).await.map_err(|f| {
                EngineError::new(f.error.code, format!("The app's token could not read the account's users: {}. Nothing was stored.", f.error.message))
            })?;
        }
        if scim {
            self.inner
                .zoom
                .scim_probe(&api_url, &tokens.access)
                .await
                .map_err(|f| EngineError::new(f.error.code, format!("The app's token could not use SCIM: {}. Nothing was stored.", f.error.message)))?;
        }

        let id = format!("c{}", rand::random::<u64>() % 1_000_000_000_000);
        let held = self.lock_connection(&id).await?;
        let secret_key = s2s_secret_key(&id);
        self.keychain(move |s| s.set(&secret_key, &client_secret)).await??;
        let connection = Connection {
            id: id.clone(),
            org_id: org.id.clone(),
            nickname,
            kind: ConnectionKind::ServerToServer,
            s2s: Some(S2sApp { client_id, account_id: account_id.clone() }),
            identity: ZoomIdentity {
                user_id: String::new(),
                email: String::new(),
                display_name: String::new(),
                account_id,
                account_number: None,
                role_name: "Server-to-Server".into(),
                user_type: None,
            },
            granted_scopes: granted,
            api_url,
            status: Status::Active,
            status_reason: None,
            reason: None,
            created_at: now,
            granted_at: None,
            access_expires_at: tokens.expires_at,
            last_success_at: Some(now),
            last_failure_at: None,
            next_attempt_at: None,
            consecutive_failures: 0,
            failing_since: None,
            generation: 0,
            handed_out_until: None,
            minted_at: Some(now),
            served: 0,
            unanswered_refresh_at: None,
        };
        let stored = connection.clone();
        let engine = self.clone();
        let saved = tokio::task::spawn_blocking(move || {
            engine.update_meta(|m| {
                // Checked again on the list as it is now: two creations of one app at once
                // (a double click, two windows) must not both be stored.
                let app = |c: &Connection| c.s2s.as_ref().map(|s| s.client_id.clone());
                if let Some(same) = m.connections.iter().find(|c| c.s2s.is_some() && app(c) == app(&stored)) {
                    return Err(EngineError::new(
                        ErrorCode::InvalidSettings,
                        format!("This Server-to-Server app is already connected as “{}”.", same.nickname),
                    ));
                }
                if m.connections.iter().any(|c| c.org_id == stored.org_id && c.nickname.eq_ignore_ascii_case(&stored.nickname)) {
                    return Err(EngineError::new(ErrorCode::InvalidNickname, "Another connection in this org already has this nickname."));
                }
                m.connections.push(stored.clone());
                Ok(())
            })?;
            engine.inner.store.write_state(&stored.id, &stored.state())
        })
        .await
        .map_err(|_| EngineError::new(ErrorCode::Storage, "the list write was interrupted"))
        .and_then(|r| r);
        let persisted = match saved {
            Ok(()) => held.keep_minted(&connection, tokens).await,
            Err(e) => Err(e),
        };
        if let Err(e) = persisted {
            let _ = held.remove().await;
            return Err(e);
        }
        drop(held);
        self.inner.history.record(
            &id,
            &crate::history::HistoryEvent { at: now, kind: crate::history::EventKind::Authorized, detail: Some("Server-to-Server".into()), why: None },
        );
        tracing::info!(connection = %id, "Server-to-Server connection created");
        self.emit(EngineEvent::ConnectionsChanged);
        self.connection(&id)
    }

    /// Replaces the app's client secret, after checking that the new one mints a token; the old
    /// one stays until then. The token minted with it is the connection's new token.
    pub async fn rotate_s2s_secret(&self, id: &str, client_secret: Secret) -> Result<Connection> {
        let held = self.hold(id).await?;
        let conn = held.connection()?;
        if !conn.is_s2s() {
            return Err(EngineError::new(ErrorCode::InvalidSettings, "Only a Server-to-Server connection has a client secret."));
        }
        let client_secret = Secret::new(client_secret.expose().trim());
        if client_secret.expose().is_empty() {
            return Err(EngineError::new(ErrorCode::InvalidSettings, format!("Enter the app's new Client secret ({WHERE}).")));
        }
        let app = self.s2s_credentials(&conn, Some(client_secret.clone())).await?;
        let account_id = conn.s2s.as_ref().map(|s| s.account_id.clone()).unwrap_or_default();
        let tokens = self.inner.zoom.account_credentials(&app, &account_id, self.now_for(&conn)).await.tokens.map_err(|f| {
            let e = mint_refused(f);
            EngineError::new(e.code, e.message.replace("Nothing was stored.", "The old secret is still in use.")).with_reason(e.reason)
        })?;
        let key = s2s_secret_key(id);
        self.keychain(move |s| s.set(&key, &client_secret)).await??;
        let conn = held.keep_minted(&conn, tokens).await?;
        tracing::info!(connection = %id, "Server-to-Server client secret replaced");
        Ok(conn)
    }
}
