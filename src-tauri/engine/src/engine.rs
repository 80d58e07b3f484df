//! The engine: orgs, connections and flows, with the vault, the metadata store and the Zoom
//! client behind it. The shell, the CLI and the tests all drive this one type.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;
use tokio::sync::broadcast;

use crate::clock::{Clock, SystemClock};
use crate::error::{EngineError, ErrorCode, Result};
use crate::flows::Flows;
use crate::model::{client_secret_key, Connection, ConnectionId, Org};
use crate::secret::Secret;
use crate::store::{Metadata, MetadataStore};
use crate::vault::SharedStore;
use crate::zoom::{AppCredentials, ZoomClient};

pub struct EngineConfig {
    /// The app's data directory (metadata file, lock files).
    pub data_dir: PathBuf,
    pub secrets: SharedStore,
    /// The embedded sandbox's base URL, when it runs.
    pub sandbox_url: Option<String>,
    pub clock: Arc<dyn Clock>,
    /// How long a call to Zoom may take before it counts as a (transient) timeout.
    pub http_timeout: std::time::Duration,
}

impl EngineConfig {
    pub fn new(data_dir: PathBuf, secrets: SharedStore) -> Self {
        Self {
            data_dir,
            secrets,
            sandbox_url: None,
            clock: Arc::new(SystemClock),
            http_timeout: std::time::Duration::from_secs(20),
        }
    }
}

/// What the engine tells its listeners (the shell forwards these to the UI and the tray).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EngineEvent {
    /// The list of connections (or one's status) changed.
    ConnectionsChanged,
    /// A connection's status changed (for notifications and the tray).
    StatusChanged {
        connection_id: ConnectionId,
        nickname: String,
        from: crate::model::Status,
        to: crate::model::Status,
        reason: Option<String>,
    },
    /// A flow ended: `connection_id` on success, `error` otherwise.
    FlowEnded {
        flow_id: String,
        connection_id: Option<ConnectionId>,
        superseded: Option<ConnectionId>,
        error: Option<EngineError>,
    },
}

#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub config: EngineConfig,
    pub zoom: ZoomClient,
    pub store: MetadataStore,
    pub meta: Mutex<Metadata>,
    pub flows: Mutex<Flows>,
    pub events: broadcast::Sender<EngineEvent>,
    /// One refresher per connection in this process (single flight).
    pub refresh_locks: Mutex<HashMap<ConnectionId, Arc<tokio::sync::Mutex<()>>>>,
    /// Rotated tokens the keychain refused to take yet: the only valid ones, kept until saved.
    pub pending_tokens: Mutex<HashMap<ConnectionId, crate::zoom::TokenSet>>,
    pub history: crate::history::History,
    pub metrics: crate::keepalive::Metrics,
    /// A problem found at start that the user must hear about (a corrupt metadata file).
    pub startup_warning: Option<EngineError>,
}

/// A std mutex poisoned by a panic elsewhere still guards consistent data here (every update
/// is a whole-value replacement), so it is taken over rather than propagated.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Engine {
    /// Opens the engine on a data directory. A corrupt metadata file is moved aside and reported
    /// through `startup_warning`; the sandbox org is created on first start.
    pub fn open(config: EngineConfig) -> Result<Self> {
        let store = MetadataStore::new(&config.data_dir);
        let loaded = store.load()?;
        let mut meta = loaded.metadata;
        let mut changed = false;
        if !meta.orgs.iter().any(|o| o.sandbox) {
            meta.orgs.insert(0, Org::sandbox());
            changed = true;
        }
        if changed {
            store.save(&meta)?;
        }
        let startup_warning = loaded.corrupt_moved_to.map(|p| {
            EngineError::new(
                ErrorCode::Storage,
                format!(
                    "The list of connections was unreadable and was kept aside as {}. Connections have to be \
                     added again; their tokens are still in the keychain.",
                    p.display()
                ),
            )
        });
        let (events, _) = broadcast::channel(256);
        Ok(Self {
            inner: Arc::new(Inner {
                zoom: ZoomClient::with_timeout(config.http_timeout)?,
                store,
                meta: Mutex::new(meta),
                flows: Mutex::new(Flows::default()),
                events,
                refresh_locks: Mutex::new(HashMap::new()),
                pending_tokens: Mutex::new(HashMap::new()),
                history: crate::history::History::new(&config.data_dir),
                metrics: Default::default(),
                startup_warning,
                config,
            }),
        })
    }

    pub fn startup_warning(&self) -> Option<EngineError> {
        self.inner.startup_warning.clone()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.inner.events.subscribe()
    }

    pub(crate) fn emit(&self, event: EngineEvent) {
        let _ = self.inner.events.send(event);
    }

    /// The engine's time in Unix seconds: the wall clock, or the embedded sandbox's when the app
    /// runs on its time (time travel). The window measures "in 5 minutes" against it.
    pub fn now(&self) -> i64 {
        self.inner.config.clock.now()
    }

    pub fn orgs(&self) -> Vec<Org> {
        lock(&self.inner.meta).orgs.clone()
    }

    pub fn connections(&self) -> Vec<Connection> {
        lock(&self.inner.meta).connections.clone()
    }

    pub fn connection(&self, id: &str) -> Result<Connection> {
        lock(&self.inner.meta)
            .connections
            .iter()
            .find(|c| c.id == id)
            .cloned()
            .ok_or_else(|| EngineError::new(ErrorCode::NotFound, "There is no such connection."))
    }

    pub fn org(&self, id: &str) -> Result<Org> {
        lock(&self.inner.meta)
            .orgs
            .iter()
            .find(|o| o.id == id)
            .cloned()
            .ok_or_else(|| EngineError::new(ErrorCode::NotFound, "There is no such org."))
    }

    /// Changes the metadata and saves it. Under the metadata lock file and on the file as it is
    /// now (the command line may have written it since), so no process loses another's change;
    /// on a failed save nothing changes in memory either.
    pub(crate) fn update_meta<T>(&self, change: impl FnOnce(&mut Metadata) -> Result<T>) -> Result<T> {
        let mut meta = lock(&self.inner.meta);
        let _file_lock = crate::lockfile::lock_blocking(&self.inner.store.lock_path())?;
        let mut next = self.inner.store.read_current().unwrap_or_else(|| meta.clone());
        let out = change(&mut next)?;
        self.inner.store.save(&next)?;
        *meta = next;
        Ok(out)
    }

    /// Takes in what another process wrote (a refresh by the command line).
    pub(crate) fn reload(&self) {
        if let Some(current) = self.inner.store.read_current() {
            *lock(&self.inner.meta) = current;
        }
    }

    /// Takes in one connection's state as another process may have left it.
    pub(crate) fn reload_state(&self, id: &str) {
        if let Some(state) = self.inner.store.read_state(id) {
            if let Some(c) = lock(&self.inner.meta).connections.iter_mut().find(|c| c.id == id) {
                c.apply_state(state);
            }
        }
    }

    pub fn settings(&self) -> crate::model::AppSettings {
        lock(&self.inner.meta).settings.clone()
    }

    pub fn save_settings(&self, settings: crate::model::AppSettings) -> Result<crate::model::AppSettings> {
        if !(60..=50 * 60).contains(&settings.refresh_margin_secs) {
            return Err(EngineError::new(
                ErrorCode::InvalidSettings,
                "The keepalive margin must be between 1 and 50 minutes (Zoom's access tokens live 60).",
            ));
        }
        if settings.language.as_deref().is_some_and(|l| l != "en" && l != "ja") {
            return Err(EngineError::new(ErrorCode::InvalidSettings, "The language must be English or Japanese."));
        }
        let saved = settings.clone();
        self.update_meta(|m| {
            m.settings = settings;
            Ok(())
        })?;
        self.emit(EngineEvent::ConnectionsChanged);
        Ok(saved)
    }

    pub fn data_dir(&self) -> &std::path::Path {
        &self.inner.config.data_dir
    }

    /// Adds or replaces an org; a client secret, when given, goes to the keychain only.
    pub fn save_org(&self, org: Org, client_secret: Option<Secret>) -> Result<Org> {
        if org.client_id.trim().is_empty() {
            return Err(EngineError::new(ErrorCode::InvalidSettings, "The Zoom app's client id is required."));
        }
        if !org.sandbox {
            for base in [&org.auth_base, &org.api_base] {
                let ok = url::Url::parse(base).is_ok_and(|u| u.scheme() == "https" && u.host_str().is_some());
                if !ok {
                    return Err(EngineError::new(ErrorCode::InvalidSettings, format!("Not an https URL: {base}")));
                }
            }
        }
        if let crate::model::RedirectMode::Relay { url } = &org.redirect {
            if !url::Url::parse(url).is_ok_and(|u| u.scheme() == "https") {
                return Err(EngineError::new(ErrorCode::InvalidSettings, "The relay page must be an https URL."));
            }
        }
        if let Some(secret) = client_secret.filter(|s| !s.expose().is_empty()) {
            self.inner.config.secrets.set(&client_secret_key(&org.id), &secret)?;
        }
        let saved = org.clone();
        self.update_meta(|m| {
            match m.orgs.iter_mut().find(|o| o.id == org.id) {
                Some(existing) => *existing = org,
                None => m.orgs.push(org),
            }
            Ok(())
        })?;
        self.emit(EngineEvent::ConnectionsChanged);
        Ok(saved)
    }

    /// The Zoom app of an org, with its secret from the keychain and the sandbox's address.
    /// The embedded sandbox's address: the auth and API base of sandbox orgs.
    pub(crate) fn sandbox_url(&self) -> Result<String> {
        self.inner.config.sandbox_url.clone().ok_or_else(|| {
            EngineError::new(ErrorCode::InvalidSettings, "The embedded Zoom sandbox is not running.")
        })
    }

    pub(crate) fn credentials(&self, org: &Org) -> Result<AppCredentials> {
        let auth_base = if org.sandbox {
            self.sandbox_url()?
        } else {
            org.auth_base.clone()
        };
        let client_secret = if org.confidential {
            let secret = self.inner.config.secrets.get(&client_secret_key(&org.id))?;
            Some(secret.ok_or_else(|| {
                EngineError::new(ErrorCode::InvalidSettings, "This org's Zoom app is confidential but has no client secret yet: enter it in Settings.")
            })?)
        } else {
            None
        };
        Ok(AppCredentials { client_id: org.client_id.clone(), client_secret, auth_base })
    }

    /// Where to call the API for an org before a token names its `api_url`.
    pub(crate) fn api_base(&self, org: &Org) -> String {
        if org.sandbox {
            self.inner.config.sandbox_url.clone().unwrap_or_default()
        } else {
            org.api_base.clone()
        }
    }

    /// Where a connection's API calls go. Zoom names it in every token answer (`api_url`); a
    /// sandbox connection's is the running sandbox's address instead, because the embedded
    /// sandbox listens on a new port each time the app starts, while its grants carry over.
    pub(crate) fn api_url_of(&self, conn: &Connection) -> String {
        match self.org(&conn.org_id) {
            Ok(org) if org.sandbox => self.api_base(&org),
            _ => conn.api_url.clone(),
        }
    }

    pub(crate) fn refresh_lock(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        lock(&self.inner.refresh_locks).entry(id.to_string()).or_default().clone()
    }
}
