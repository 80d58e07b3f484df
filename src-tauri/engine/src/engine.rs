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
}

impl EngineConfig {
    pub fn new(data_dir: PathBuf, secrets: SharedStore) -> Self {
        Self { data_dir, secrets, sandbox_url: None, clock: Arc::new(SystemClock) }
    }
}

/// What the engine tells its listeners (the shell forwards these to the UI and the tray).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EngineEvent {
    /// The list of connections (or one's status) changed.
    ConnectionsChanged,
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
                zoom: ZoomClient::new()?,
                store,
                meta: Mutex::new(meta),
                flows: Mutex::new(Flows::default()),
                events,
                refresh_locks: Mutex::new(HashMap::new()),
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

    pub(crate) fn now(&self) -> i64 {
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

    /// Changes the metadata and saves it; on a failed save the change is undone in memory too.
    pub(crate) fn update_meta<T>(&self, change: impl FnOnce(&mut Metadata) -> Result<T>) -> Result<T> {
        let mut meta = lock(&self.inner.meta);
        let mut next = meta.clone();
        let out = change(&mut next)?;
        self.inner.store.save(&next)?;
        *meta = next;
        Ok(out)
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
    pub(crate) fn credentials(&self, org: &Org) -> Result<AppCredentials> {
        let auth_base = if org.sandbox {
            self.inner.config.sandbox_url.clone().ok_or_else(|| {
                EngineError::new(ErrorCode::InvalidSettings, "The embedded Zoom sandbox is not running.")
            })?
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

    pub(crate) fn refresh_lock(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        lock(&self.inner.refresh_locks).entry(id.to_string()).or_default().clone()
    }
}
