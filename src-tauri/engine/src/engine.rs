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
pub(crate) use crate::listed::Listed;
use crate::model::{check_id, client_secret_key, Connection, ConnectionId, Org};
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
    /// The wall clock: real orgs' expiries and every time the window shows for them.
    pub clock: Arc<dyn Clock>,
    /// The embedded sandbox's clock, when the app follows its time travel: for sandbox orgs'
    /// connections only, never for real ones.
    pub sandbox_clock: Option<Arc<dyn Clock>>,
    /// How long a call to Zoom may take before it counts as a (transient) timeout.
    pub http_timeout: std::time::Duration,
    /// The app owns the data directory: it sets an unreadable list aside and reports it. The
    /// command line refuses to go on instead, and never writes a list of its own over it.
    pub owns_data: bool,
    /// Where tests hold a path at a named moment (`tokens::Moment`); not in the app's build.
    #[cfg(any(test, feature = "test-util"))]
    pub pauses: Option<Arc<dyn crate::tokens::Pauses>>,
}

impl EngineConfig {
    pub fn new(data_dir: PathBuf, secrets: SharedStore) -> Self {
        Self {
            data_dir,
            secrets,
            sandbox_url: None,
            clock: Arc::new(SystemClock),
            sandbox_clock: None,
            http_timeout: std::time::Duration::from_secs(20),
            owns_data: true,
            #[cfg(any(test, feature = "test-util"))]
            pauses: None,
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
        /// The reason, typed: what the tray, notifications and alerts word in the user's language.
        why: Option<crate::reasons::StatusReason>,
    },
    /// Something the user should hear about that is not a status change (Zoom asked to wait
    /// longer than the app will).
    Attention { connection_id: ConnectionId, nickname: String, message: String, why: Option<crate::reasons::StatusReason> },
    /// A flow ended: `connection_id` on success, `error` otherwise.
    FlowEnded { flow_id: String, connection_id: Option<ConnectionId>, superseded: Option<ConnectionId>, error: Option<EngineError> },
}

#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub config: EngineConfig,
    pub zoom: ZoomClient,
    pub store: MetadataStore,
    pub meta: Mutex<Listed>,
    pub flows: Mutex<Flows>,
    pub events: broadcast::Sender<EngineEvent>,
    /// Each connection's in-process lock (tokens.rs, invariant 1).
    pub connection_locks: Mutex<HashMap<ConnectionId, Arc<tokio::sync::Mutex<()>>>>,
    /// Rotated pairs the keychain refused to take yet: the only valid ones, kept until written
    /// (tokens.rs, invariant 3). Written only by the connection's holder.
    pub pending: Mutex<HashMap<ConnectionId, crate::tokens::TokenPair>>,
    /// Pairs recently read from the keychain, with the generation they were read at (tokens.rs,
    /// invariant 8).
    pub read_pairs: Mutex<HashMap<ConnectionId, crate::tokens::ReadPair>>,
    /// Connections held right now, and a signal when that falls to zero (the drain at quit).
    pub holders: std::sync::atomic::AtomicUsize,
    pub released: tokio::sync::Notify,
    /// Set when the app quits: no rotation starts any more.
    pub closing: std::sync::atomic::AtomicBool,
    pub history: crate::history::History,
    pub metrics: crate::keepalive::Metrics,
    /// Problems the user must hear about (a corrupt list set aside at start or found later).
    pub warnings: Mutex<Vec<EngineError>>,
    /// The tokens calls to Zoom's API use, and the accounts' paces (actions/).
    pub call_tokens: crate::actions::call::CallTokens,
    pub rate_limits: crate::actions::RateLimits,
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
        crate::fsutil::secure_data_dir(&config.data_dir, config.owns_data)?;
        let store = MetadataStore::new(&config.data_dir);
        let loaded = store.load(config.owns_data)?;
        let mut meta = loaded.metadata;
        if !meta.orgs.iter().any(|o| o.sandbox) {
            meta.orgs.insert(0, Org::sandbox());
            // Only the app writes a list of its own making; the command line keeps this in memory.
            if config.owns_data {
                let _file_lock = crate::lockfile::lock_blocking(&store.lock_path(), crate::lockfile::SHORT_WAIT)?;
                store.save(&meta)?;
            }
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
                meta: Mutex::new(Listed::new(meta)),
                flows: Mutex::new(Flows::default()),
                events,
                connection_locks: Mutex::new(HashMap::new()),
                pending: Mutex::new(HashMap::new()),
                read_pairs: Mutex::new(HashMap::new()),
                holders: Default::default(),
                released: tokio::sync::Notify::new(),
                closing: Default::default(),
                history: crate::history::History::new(&config.data_dir),
                metrics: Default::default(),
                warnings: Mutex::new(startup_warning.into_iter().collect()),
                call_tokens: Default::default(),
                rate_limits: Default::default(),
                config,
            }),
        })
    }

    /// The latest problem the user must hear about, if any.
    pub fn startup_warning(&self) -> Option<EngineError> {
        lock(&self.inner.warnings).last().cloned()
    }

    fn warn(&self, warning: EngineError) {
        tracing::error!(error_code = warning.code.as_str(), "{warning}");
        let mut warnings = lock(&self.inner.warnings);
        if warnings.contains(&warning) {
            return;
        }
        warnings.push(warning);
        drop(warnings);
        self.emit(EngineEvent::ConnectionsChanged);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.inner.events.subscribe()
    }

    pub(crate) fn emit(&self, event: EngineEvent) {
        let _ = self.inner.events.send(event);
    }

    /// The wall clock in Unix seconds.
    pub fn now(&self) -> i64 {
        self.inner.config.clock.now()
    }

    /// The embedded sandbox's time when the app follows it (time travel), else the wall clock:
    /// the window measures a sandbox connection's "in 5 minutes" against it.
    pub fn sandbox_now(&self) -> i64 {
        self.inner.config.sandbox_clock.as_ref().map_or_else(|| self.now(), |c| c.now())
    }

    /// The time a connection's expiries are in: its org's clock (only sandbox orgs follow the
    /// sandbox's time travel).
    pub fn now_for(&self, conn: &Connection) -> i64 {
        self.now_for_org(&conn.org_id)
    }

    pub fn now_for_org(&self, org_id: &str) -> i64 {
        match self.org(org_id) {
            Ok(org) if org.sandbox => self.sandbox_now(),
            _ => self.now(),
        }
    }

    pub fn orgs(&self) -> Vec<Org> {
        lock(&self.inner.meta).orgs.clone()
    }

    pub fn connections(&self) -> Vec<Connection> {
        lock(&self.inner.meta).connections.clone()
    }

    pub fn connection(&self, id: &str) -> Result<Connection> {
        check_id(id)?;
        lock(&self.inner.meta).connection(id).cloned().ok_or_else(|| EngineError::new(ErrorCode::NotFound, "There is no such connection."))
    }

    pub fn org(&self, id: &str) -> Result<Org> {
        check_id(id)?;
        lock(&self.inner.meta).orgs.iter().find(|o| o.id == id).cloned().ok_or_else(|| EngineError::new(ErrorCode::NotFound, "There is no such org."))
    }

    /// Changes the metadata and saves it. Under the metadata lock file and on the file as it is
    /// now (the command line may have written it since), so no process loses another's change;
    /// on a failed save nothing changes in memory either.
    pub(crate) fn update_meta<T>(&self, change: impl FnOnce(&mut Metadata) -> Result<T>) -> Result<T> {
        // The file lock first, bounded, and only then the list's mutex: a lock file held by a
        // hung process costs this change a `LockTimeout`, never the window its list.
        let _file_lock = crate::lockfile::lock_blocking(&self.inner.store.lock_path(), crate::lockfile::SHORT_WAIT)?;
        let mut meta = lock(&self.inner.meta);
        let mut next = match self.inner.store.read()? {
            crate::store::OnDisk::Readable(current) => current,
            crate::store::OnDisk::Missing => (*meta).clone(),
            crate::store::OnDisk::Newer(version) => return Err(self.inner.store.newer_error(version)),
            crate::store::OnDisk::Corrupt if self.inner.config.owns_data => {
                // The app's list in memory is the good one: the unreadable file is kept aside.
                let aside = self.inner.store.set_aside()?;
                self.warn(self.corrupt_list_warning(&aside, true));
                (*meta).clone()
            }
            crate::store::OnDisk::Corrupt => {
                return Err(EngineError::new(
                    ErrorCode::Storage,
                    format!("{} is unreadable; nothing was changed. Open the Zoom Connections app to repair it.", self.inner.store.path().display()),
                ))
            }
        };
        let out = change(&mut next)?;
        self.inner.store.save(&next)?;
        meta.replace(next);
        Ok(out)
    }

    fn corrupt_list_warning(&self, aside: &std::path::Path, kept: bool) -> EngineError {
        let what = if kept {
            "The list of connections on disk became unreadable; it was kept aside as {} and the app wrote back the list it had."
        } else {
            "The list of connections on disk is unreadable; the app keeps the list it has and writes it back at the next change."
        };
        EngineError::new(ErrorCode::Storage, what.replace("{}", &aside.display().to_string()))
    }

    /// Takes in what another process wrote (a refresh by the command line). A list this
    /// version cannot read is not taken in: the app keeps its own and says so.
    pub fn reload(&self) {
        match self.inner.store.read() {
            Ok(crate::store::OnDisk::Readable(current)) => lock(&self.inner.meta).replace(current),
            Ok(crate::store::OnDisk::Corrupt) if self.inner.config.owns_data => {
                self.warn(self.corrupt_list_warning(self.inner.store.path(), false));
            }
            Ok(crate::store::OnDisk::Newer(version)) => self.warn(self.inner.store.newer_error(version)),
            _ => {}
        }
    }

    /// Takes in one connection's state as another process may have left it; false when it has
    /// no state file.
    pub(crate) fn reload_state(&self, id: &str) -> bool {
        let Some(state) = self.inner.store.read_state(id) else { return false };
        if let Some(c) = lock(&self.inner.meta).connection_mut(id) {
            c.apply_state(state);
        }
        true
    }

    /// Changes a connection's keepalive state: its own small file, not the whole list. Only a
    /// holder of the connection calls this (tokens.rs, invariant 2).
    pub(crate) fn write_connection_state(&self, id: &str, f: impl FnOnce(&mut Connection)) -> Result<Connection> {
        let mut current = self.connection(id)?;
        let before = current.status;
        f(&mut current);
        self.inner.store.write_state(id, &current.state())?;
        let after = {
            let mut meta = lock(&self.inner.meta);
            let c = meta.connection_mut(id).ok_or_else(|| EngineError::new(ErrorCode::NotFound, "There is no such connection."))?;
            c.apply_state(current.state());
            c.clone()
        };
        if before != after.status {
            self.emit(EngineEvent::StatusChanged {
                connection_id: after.id.clone(),
                nickname: after.nickname.clone(),
                from: before,
                to: after.status,
                reason: after.status_reason.clone(),
                why: after.reason.clone(),
            });
        }
        self.emit(EngineEvent::ConnectionsChanged);
        Ok(after)
    }

    pub fn settings(&self) -> crate::model::AppSettings {
        lock(&self.inner.meta).settings.clone()
    }

    pub fn save_settings(&self, settings: crate::model::AppSettings) -> Result<crate::model::AppSettings> {
        if !(60..=50 * 60).contains(&settings.refresh_margin_secs) {
            return Err(EngineError::new(ErrorCode::InvalidSettings, "The keepalive margin must be between 1 and 50 minutes (Zoom's access tokens live 60)."));
        }
        if settings.language.as_deref().is_some_and(|l| l != "en" && l != "ja") {
            return Err(EngineError::new(ErrorCode::InvalidSettings, "The language must be English or Japanese."));
        }
        // The webhook changes only with its URL (`set_alert_webhook`), never from a form.
        let settings = crate::model::AppSettings { webhook: self.settings().webhook, ..settings };
        self.store_settings(settings)
    }

    pub(crate) fn store_settings(&self, settings: crate::model::AppSettings) -> Result<crate::model::AppSettings> {
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
        // The id names a keychain entry: checked here, at the engine's edge, like a connection's.
        if check_id(&org.id).is_err() {
            return Err(EngineError::new(ErrorCode::InvalidSettings, "An org id is 1 to 64 letters, digits, '-' or '_'."));
        }
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
        let secrets = &self.inner.config.secrets;
        let key = client_secret_key(&org.id);
        // The secret goes first (an org saved without it would fail its next sign-in); if the
        // list then cannot be saved, the keychain is put back as it was.
        let previous = match client_secret.filter(|s| !s.expose().is_empty()) {
            Some(secret) => {
                let previous = secrets.get(&key)?;
                secrets.set(&key, &secret)?;
                Some(previous)
            }
            None => None,
        };
        let saved = org.clone();
        let listed = self.update_meta(|m| {
            match m.orgs.iter_mut().find(|o| o.id == org.id) {
                Some(existing) => *existing = org,
                None => m.orgs.push(org),
            }
            Ok(())
        });
        if let Err(e) = listed {
            let _ = match previous {
                Some(Some(old)) => secrets.set(&key, &old),
                Some(None) => secrets.delete(&key),
                None => Ok(()),
            };
            return Err(e);
        }
        self.emit(EngineEvent::ConnectionsChanged);
        Ok(saved)
    }

    /// The Zoom app of an org, with its secret from the keychain and the sandbox's address.
    /// The embedded sandbox's address: the auth and API base of sandbox orgs.
    pub(crate) fn sandbox_url(&self) -> Result<String> {
        self.inner.config.sandbox_url.clone().ok_or_else(|| EngineError::new(ErrorCode::InvalidSettings, "The embedded Zoom sandbox is not running."))
    }

    /// The keychain read runs on a blocking thread: a locked keychain can hold it for seconds,
    /// and the command line's runtime has one thread.
    pub(crate) async fn credentials(&self, org: &Org) -> Result<AppCredentials> {
        let auth_base = if org.sandbox { self.sandbox_url()? } else { org.auth_base.clone() };
        let client_secret = if org.confidential {
            let secret = self.secret_get(client_secret_key(&org.id)).await?;
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
        self.api_url_for(conn, &conn.api_url)
    }

    pub(crate) fn api_url_for(&self, conn: &Connection, api_url: &str) -> String {
        match self.org(&conn.org_id) {
            Ok(org) if org.sandbox => self.api_base(&org),
            _ => api_url.to_string(),
        }
    }

    /// The `api_url` of a token answer, if it may be trusted with the connection's tokens: its
    /// host must be exactly a Zoom API host of the org's region, the org's own API host, or the
    /// sandbox's (docs/zoom.md, OAuth endpoints). Otherwise the connection's current one stays.
    /// Where a new grant's API calls go: the host Zoom named, if it may receive the org's
    /// tokens, else the org's API base.
    pub(crate) fn first_api_url(&self, org: &Org, named: Option<&str>) -> String {
        match named {
            Some(named) if crate::orgs::api_url_allowed(org, named, self.inner.config.sandbox_url.as_deref()) => named.trim_end_matches('/').to_string(),
            _ => self.api_base(org),
        }
    }

    pub(crate) fn accepted_api_url(&self, conn: &Connection, named: Option<&str>) -> String {
        let current = conn.api_url.clone();
        let Some(named) = named else { return current };
        let Ok(org) = self.org(&conn.org_id) else { return current };
        if crate::orgs::api_url_allowed(&org, named, self.inner.config.sandbox_url.as_deref()) {
            named.trim_end_matches('/').to_string()
        } else {
            tracing::warn!(connection = %conn.id, "Zoom's answer named an API host outside the org's region; it was not used");
            current
        }
    }

    pub(crate) fn connection_mutex(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        lock(&self.inner.connection_locks).entry(id.to_string()).or_default().clone()
    }
}
