//! The local token broker and API proxy (docs/cli.md, The broker). The running app, or
//! `zoom-connections serve` on a machine without a desktop session, lends its connections to
//! scripts on this machine, so that the one process that rotates a connection's tokens is also
//! the one that hands them out:
//!
//! - `GET /v1/connections`: the connections as `list --json` shows them;
//! - `GET /v1/connections/{nickname or id}/token`: an access token with its guaranteed lifetime
//!   (`Engine::hand_out`);
//! - `/zoom/{nickname or id}/v2/...` and `/zoom/{…}/scim2/...`: Zoom's API with the
//!   Authorization header added, a token refused with 401 code 124 replaced once (single-flight
//!   through `Want::Replace`) and the call retried, so scripts never hold a token at all.
//!
//! Who may ask (docs/security.md, The broker): on the Unix socket, only processes of this user
//! (a 0700 directory, a 0600 socket and the peer's uid checked on every request); on the
//! optional 127.0.0.1 port, only requests with this run's secret (in the 0600 discovery file)
//! and a loopback Host (no DNS rebinding). Requests that carry an `Origin` come from a web page
//! and are refused on both. Every request is written to the audit log (`audit.rs`).

mod audit;
pub mod client;
mod peer;
pub mod proof;
mod proxy;
mod server;
mod usage;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::engine::Engine;
use crate::error::{EngineError, ErrorCode, Result};

pub use audit::AUDIT_LOG;
pub use client::{BrokerClient, TokenLoan};
pub(crate) use peer::current_uid;
pub use proxy::MAX_REQUEST_BODY;
pub use usage::{last_borrowed, Borrowed};

/// The broker's files in its directory.
pub const SOCKET_FILE: &str = "broker.sock";
pub const DISCOVERY_FILE: &str = "broker.json";

/// What a client needs to find the broker (the discovery file, mode 0600).
#[derive(Clone, Serialize, Deserialize)]
pub struct Discovery {
    pub pid: u32,
    /// The data directory whose connections the broker serves: a client on another one
    /// (another `XDG_DATA_HOME`) must not be served these.
    pub data_dir: PathBuf,
    pub socket: Option<PathBuf>,
    pub tcp: Option<TcpEndpoint>,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct TcpEndpoint {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// This run's bearer secret.
    pub secret: String,
}

impl std::fmt::Debug for TcpEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpEndpoint").field("url", &self.url).field("secret", &"<redacted>").finish()
    }
}

#[derive(Debug, Clone)]
pub struct BrokerConfig {
    /// The broker's private directory (`default_dir()`).
    pub dir: PathBuf,
    /// Also listen on 127.0.0.1 at this port (0: any free one).
    pub tcp_port: Option<u16>,
}

impl BrokerConfig {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir, tcp_port: None }
    }
}

/// `$XDG_RUNTIME_DIR/zoom-connections` (private to the user, emptied at logout); without a
/// runtime directory (macOS, a bare `su`, a cron job), a folder under the user's own cache
/// directory, which no other user can create first (a predictable name in the shared temporary
/// directory could be taken by another user and stop `serve`: docs/security.md, The broker).
pub fn default_dir() -> PathBuf {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    dir_from(var("XDG_RUNTIME_DIR"), var("XDG_CACHE_HOME"), var("HOME"))
}

/// Where a client looks for a running broker, in order: its own `default_dir()`, the user's
/// systemd runtime directory, the folder under the cache directory. A broker and its callers do
/// not always agree on `XDG_RUNTIME_DIR` on a server (docs/cli.md, On a server): the user unit
/// runs with it and cron jobs without; the system unit without it and an SSH session with it.
pub fn candidate_dirs() -> Vec<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let mut dirs = vec![default_dir()];
    if let Some(runtime) = systemd_runtime_dir() {
        dirs.push(runtime.join("zoom-connections"));
    }
    dirs.push(dir_from(None, var("XDG_CACHE_HOME"), var("HOME")));
    dirs.dedup();
    let mut seen = Vec::new();
    dirs.retain(|d| {
        let new = !seen.contains(d);
        seen.push(d.clone());
        new
    });
    dirs
}

/// `/run/user/<uid>` made by systemd for this user: a folder this user owns, closed to others.
#[cfg(target_os = "linux")]
fn systemd_runtime_dir() -> Option<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let dir = PathBuf::from(format!("/run/user/{}", peer::current_uid()));
    let meta = std::fs::symlink_metadata(&dir).ok()?;
    (meta.is_dir() && meta.uid() == peer::current_uid() && meta.mode() & 0o077 == 0).then_some(dir)
}

#[cfg(not(target_os = "linux"))]
fn systemd_runtime_dir() -> Option<PathBuf> {
    None
}

fn dir_from(runtime: Option<PathBuf>, cache_home: Option<PathBuf>, home: Option<PathBuf>) -> PathBuf {
    if let Some(runtime) = runtime.filter(|d| d.is_absolute()) {
        return runtime.join("zoom-connections");
    }
    if cfg!(unix) {
        // XDG: a relative XDG_CACHE_HOME is to be ignored.
        if let Some(cache) = cache_home.filter(|d| d.is_absolute()).or_else(|| home.filter(|h| h.is_absolute()).map(|h| h.join(".cache"))) {
            return cache.join("zoom-connections").join("run");
        }
        // No home at all: the temporary directory, whose folder `prepare_dir` refuses if another
        // user made it.
        std::env::temp_dir().join(format!("zoom-connections-{}", peer::current_uid()))
    } else {
        // The temporary directory is the user's own on Windows.
        std::env::temp_dir().join("zoom-connections")
    }
}

/// A broker that serves until stopped (or dropped).
pub struct RunningBroker {
    pub socket: Option<PathBuf>,
    pub tcp: Option<SocketAddr>,
    dir: PathBuf,
    stop: watch::Sender<bool>,
    served: Vec<tokio::task::JoinHandle<()>>,
}

impl RunningBroker {
    /// Stops listening, lets requests in flight finish, and removes the broker's files.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        for task in std::mem::take(&mut self.served) {
            let _ = task.await;
        }
        self.remove_files();
    }

    fn remove_files(&self) {
        // Only files that are still ours: another broker may have started since.
        let discovery = self.dir.join(DISCOVERY_FILE);
        let ours = read_discovery(&self.dir).is_some_and(|d| d.pid == std::process::id());
        if ours {
            let _ = std::fs::remove_file(&discovery);
            if let Some(socket) = &self.socket {
                let _ = std::fs::remove_file(socket);
            }
        }
    }
}

impl Drop for RunningBroker {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if !self.served.is_empty() {
            self.remove_files();
        }
    }
}

pub(crate) fn read_discovery(dir: &Path) -> Option<Discovery> {
    let text = std::fs::read(dir.join(DISCOVERY_FILE)).ok()?;
    serde_json::from_slice(&text).ok()
}

fn broker_error(what: &str, e: impl std::fmt::Display) -> EngineError {
    EngineError::new(ErrorCode::Storage, format!("The broker could not start: {what}: {e}"))
}

/// Starts the broker for `engine`. Refuses when another broker already serves (the app and
/// `serve` at once): its pid is in the error.
pub async fn start(engine: Engine, config: BrokerConfig) -> Result<RunningBroker> {
    peer::prepare_dir(&config.dir)?;
    if let Some(running) = client::live_broker(&config.dir).await {
        return Err(EngineError::new(ErrorCode::InvalidSettings, format!("Another Zoom Connections process (pid {}) already serves the broker.", running.pid)));
    }
    let (stop, stopped) = watch::channel(false);
    let state = server::BrokerState::new(engine.clone(), engine.data_dir().join(AUDIT_LOG));
    let mut served = Vec::new();

    // The port first: a port that cannot be had fails the start before anything serves (a
    // socket server already running would stop with this function's error, its file left).
    let tcp_listener = match config.tcp_port {
        Some(port) => Some(tokio::net::TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| broker_error("the loopback port", e))?),
        None => None,
    };

    #[cfg(unix)]
    let socket = {
        let path = config.dir.join(SOCKET_FILE);
        let _ = std::fs::remove_file(&path);
        let listener = tokio::net::UnixListener::bind(&path).map_err(|e| broker_error("the socket", e))?;
        peer::make_private(&path).map_err(|e| broker_error("the socket's mode", e))?;
        served.push(server::serve_unix(listener, state.clone(), stopped.clone()));
        Some(path)
    };
    #[cfg(not(unix))]
    let socket = None;

    let mut tcp = None;
    let mut tcp_endpoint = None;
    if let Some(listener) = tcp_listener {
        let addr = listener.local_addr().map_err(|e| broker_error("the loopback port", e))?;
        let secret = peer::new_secret();
        served.push(server::serve_tcp(listener, state.clone().with_tcp(addr.port(), &secret), stopped.clone()));
        tcp = Some(addr);
        tcp_endpoint = Some(TcpEndpoint { url: format!("http://{addr}"), secret });
    }

    let discovery = Discovery { pid: std::process::id(), data_dir: engine.data_dir().to_path_buf(), socket: socket.clone(), tcp: tcp_endpoint };
    let json = serde_json::to_vec_pretty(&discovery).map_err(|e| broker_error("the discovery file", e))?;
    crate::fsutil::write_private(&config.dir.join(DISCOVERY_FILE), &json).map_err(|e| broker_error("the discovery file", e))?;
    tracing::info!(socket = ?socket, tcp = ?tcp, "broker serving");
    Ok(RunningBroker { socket, tcp, dir: config.dir, stop, served })
}

#[cfg(test)]
mod tests {
    use super::dir_from;
    use std::path::PathBuf;

    #[test]
    fn without_a_runtime_directory_the_broker_lives_under_the_user_s_own_folders() {
        let p = |s: &str| Some(PathBuf::from(s));
        assert_eq!(dir_from(p("/run/user/1000"), None, p("/home/a")), PathBuf::from("/run/user/1000/zoom-connections"));
        if cfg!(unix) {
            assert_eq!(dir_from(None, None, p("/home/a")), PathBuf::from("/home/a/.cache/zoom-connections/run"));
            assert_eq!(dir_from(None, p("/var/cache/a"), p("/home/a")), PathBuf::from("/var/cache/a/zoom-connections/run"));
            assert_eq!(dir_from(p("relative"), p("also-relative"), p("/home/a")), PathBuf::from("/home/a/.cache/zoom-connections/run"));
            assert!(!dir_from(None, None, p("/home/a")).starts_with(std::env::temp_dir()));
        }
    }
}
