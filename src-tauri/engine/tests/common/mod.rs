//! Engine integration tests: a real sandbox on loopback, a real data directory, and the real OS
//! keychain when `ZC_REAL_KEYCHAIN=1` (set by `make test`, which runs them in a D-Bus session
//! with an unlocked gnome-keyring); an in-memory store otherwise.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use zoom_connections_engine::clock::{Clock, SystemClock};
use zoom_connections_engine::model::{access_key, refresh_key, Org, RedirectMode};
use zoom_connections_engine::scopes::Capability;
use zoom_connections_engine::vault::{KeychainStore, MemoryStore, SharedStore};
use zoom_connections_engine::{CallbackOutcome, Engine, EngineConfig, FlowStarted};
use zoom_connections_engine::{Moment, Want};
use zoom_sandbox::user_agent::{SignIn, UserAgent};
use zoom_sandbox::{RunningSandbox, SandboxConfig};

pub struct World {
    pub sandbox: Option<RunningSandbox>,
    pub sandbox_url: String,
    pub data_dir: PathBuf,
    /// Holds the data directory for as long as the world lives.
    pub scratch: tempfile::TempDir,
    pub secrets: SharedStore,
    pub engine: Engine,
    pub browser: UserAgent,
    pub http: reqwest::Client,
}

pub fn secret_store() -> SharedStore {
    if std::env::var("ZC_REAL_KEYCHAIN").as_deref() == Ok("1") {
        // A service name of its own per test: the real keychain, without touching real entries.
        Arc::new(KeychainStore::with_service(format!("zoom-connections-test-{}", rand::random::<u64>())))
    } else {
        Arc::new(MemoryStore::default())
    }
}

/// A scratch directory, removed when dropped.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("zc-engine-").tempdir().unwrap()
}

impl World {
    pub async fn new() -> Self {
        Self::with_clock(Arc::new(SystemClock)).await
    }

    pub async fn with_clock(clock: Arc<dyn Clock>) -> Self {
        Self::build(clock, secret_store(), None).await
    }

    pub async fn build(clock: Arc<dyn Clock>, secrets: SharedStore, http_timeout: Option<std::time::Duration>) -> Self {
        Self::build_with(SandboxConfig::for_tests(), clock, secrets, http_timeout).await
    }

    /// With the sandbox keeping its state in `state_file`, as the app's embedded sandbox does.
    pub async fn with_sandbox_state(state_file: PathBuf) -> Self {
        let config = SandboxConfig { state_file: Some(state_file), ..SandboxConfig::for_tests() };
        Self::build_with(config, Arc::new(SystemClock), secret_store(), None).await
    }

    /// Stops the sandbox and starts it again from `state_file` on a new port (an app restart),
    /// and returns an engine opened on the same data directory that knows the new address.
    pub async fn restart_sandbox(&mut self, state_file: PathBuf) -> Engine {
        drop(self.sandbox.take());
        let config = SandboxConfig { state_file: Some(state_file), ..SandboxConfig::for_tests() };
        let sandbox = zoom_sandbox::start(config).await.unwrap();
        self.sandbox_url = sandbox.base_url();
        self.http = control_client(&sandbox);
        self.sandbox = Some(sandbox);
        self.reopen()
    }

    pub async fn build_with(sandbox_config: SandboxConfig, clock: Arc<dyn Clock>, secrets: SharedStore, http_timeout: Option<std::time::Duration>) -> Self {
        Self::build_full(sandbox_config, clock, secrets, http_timeout, None).await
    }

    /// With `gate` holding paths at named moments (tokens::Moment).
    pub async fn with_gate(clock: Arc<dyn Clock>, secrets: SharedStore, gate: Arc<Gate>) -> Self {
        Self::build_full(SandboxConfig::for_tests(), clock, secrets, None, Some(gate)).await
    }

    pub async fn build_full(
        sandbox_config: SandboxConfig,
        clock: Arc<dyn Clock>,
        secrets: SharedStore,
        http_timeout: Option<std::time::Duration>,
        gate: Option<Arc<Gate>>,
    ) -> Self {
        let sandbox = zoom_sandbox::start(sandbox_config).await.unwrap();
        let sandbox_url = sandbox.base_url();
        let scratch = temp_dir();
        let data_dir = scratch.path().to_path_buf();
        let mut config = EngineConfig::new(data_dir.clone(), secrets.clone());
        config.sandbox_url = Some(sandbox_url.clone());
        config.sandbox_clock = Some(clock.clone());
        config.clock = clock;
        config.pauses = gate.map(|g| g as Arc<dyn zoom_connections_engine::Pauses>);
        if let Some(t) = http_timeout {
            config.http_timeout = t;
        }
        let engine = Engine::open(config).unwrap();
        let http = control_client(&sandbox);
        Self { sandbox: Some(sandbox), sandbox_url, data_dir, scratch, secrets, engine, browser: UserAgent::new(), http }
    }

    /// A second engine on the same data directory and keychain (an app restart).
    pub fn reopen(&self) -> Engine {
        self.reopen_with(Arc::new(SystemClock))
    }

    /// A second engine on the same data, or why it cannot open.
    pub fn reopen_result(&self) -> Result<Engine, zoom_connections_engine::EngineError> {
        let mut config = EngineConfig::new(self.data_dir.clone(), self.secrets.clone());
        config.sandbox_url = Some(self.sandbox_url.clone());
        Engine::open(config)
    }

    pub fn reopen_with(&self, clock: Arc<dyn Clock>) -> Engine {
        let mut config = EngineConfig::new(self.data_dir.clone(), self.secrets.clone());
        config.sandbox_url = Some(self.sandbox_url.clone());
        config.sandbox_clock = Some(clock.clone());
        config.clock = clock;
        Engine::open(config).unwrap()
    }

    /// The fingerprints (sandbox's `fingerprint`) of the refresh tokens that still work: those
    /// of active grants that have not been rotated.
    pub async fn live_refresh_tokens(&self) -> Vec<String> {
        self.grants()
            .await
            .iter()
            .filter(|g| g["status"] == "active")
            .flat_map(|g| g["tokens"].as_array().unwrap().clone())
            .filter(|t| t["kind"] == "refresh" && t["rotated"] == false)
            .map(|t| t["fingerprint"].as_str().unwrap().to_string())
            .collect()
    }

    /// Whether the refresh token in the keychain (not in memory) still works at the sandbox,
    /// checked without using it (which would rotate it).
    pub async fn stored_refresh_is_live(&self, id: &str) -> bool {
        let stored = self.secrets.get(&refresh_key(id)).unwrap().expect("a stored refresh token");
        self.live_refresh_tokens().await.contains(&fingerprint(stored.expose()))
    }

    pub async fn control(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        let res = self.http.post(format!("{}/_sandbox{path}", self.sandbox_url)).json(&body).send().await.unwrap();
        assert!(res.status().is_success(), "control {path}: {}", res.status());
        res.json().await.unwrap()
    }

    /// Moves the sandbox's clock and the engine's together (a laptop that slept, or time passing).
    pub async fn advance(&self, clock: &zoom_connections_engine::clock::FakeClock, secs: i64) {
        clock.advance(secs);
        self.control("/clock/advance", serde_json::json!({"seconds": secs})).await;
    }

    pub async fn me_status(&self, access: &str) -> u16 {
        self.http.get(format!("{}/v2/users/me", self.sandbox_url)).bearer_auth(access).send().await.unwrap().status().as_u16()
    }

    /// An org on the sandbox with another app or redirect mode.
    pub fn add_org(&self, id: &str, client_id: &str, confidential: bool, redirect: RedirectMode, secret: Option<&str>) -> Org {
        let org = Org {
            id: id.into(),
            name: format!("Org {id}"),
            client_id: client_id.into(),
            confidential,
            auth_base: String::new(),
            api_base: String::new(),
            redirect,
            required: vec![Capability::ManageUsers],
            extra_scopes: vec![],
            sandbox: true,
        };
        self.engine.save_org(org, secret.map(zoom_connections_engine::Secret::new)).unwrap()
    }

    /// The person signs in and approves; returns where the browser is sent.
    pub async fn sign_in(&self, flow: &FlowStarted, how: SignIn) -> url::Url {
        self.browser.authorize(&flow.authorize_url, &how, true).await.expect("the sandbox pages lead to a redirect")
    }

    /// A whole create through the deep-link path, as the OS would deliver it.
    pub async fn connect(&self, org: &str, nickname: &str, email: &str) -> CallbackOutcome {
        let flow = self.engine.begin_create(org, nickname).await.unwrap();
        let redirect = self.sign_in(&flow, SignIn::password(email)).await;
        self.engine.handle_callback(redirect.as_str()).await.expect("the callback succeeds")
    }

    pub fn tokens(&self, id: &str) -> (String, String) {
        let get = |k: String| self.secrets.get(&k).unwrap().expect("a stored token").expose().to_string();
        (get(access_key(id)), get(refresh_key(id)))
    }

    pub async fn grants(&self) -> Vec<serde_json::Value> {
        let v: serde_json::Value = self.http.get(format!("{}/_sandbox/grants", self.sandbox_url)).send().await.unwrap().json().await.unwrap();
        v["grants"].as_array().unwrap().clone()
    }

    /// A raw refresh at the sandbox with a given refresh token: its HTTP status.
    pub async fn refresh_status(&self, client_id: &str, refresh: &str) -> u16 {
        self.http
            .post(format!("{}/oauth/token", self.sandbox_url))
            .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh), ("client_id", client_id)])
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// Every file under the data directory, as text: must never hold a token.
    pub fn data_dir_text(&self) -> String {
        let mut out = String::new();
        for entry in std::fs::read_dir(&self.data_dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                out.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
            }
        }
        out
    }
}

/// The sandbox's fingerprint of a token: the first 6 bytes of its SHA-256, in hex.
pub fn fingerprint(token: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes()).iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// Holds a path at one named moment of one connection until released (tokens::Moment): the
/// way the tests make two paths interleave in one exact order.
#[derive(Default)]
pub struct Gate {
    armed: std::sync::Mutex<Option<(Moment, String)>>,
    reached: tokio::sync::Notify,
    release: Arc<tokio::sync::Notify>,
    /// The connections a path found held and waited for (in order), told without holding anyone.
    contended: std::sync::Mutex<Vec<String>>,
    contended_told: tokio::sync::Notify,
}

impl Gate {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The next path to reach `moment` on connection `id` waits there until `release`.
    pub fn arm(&self, moment: Moment, id: &str) {
        *self.armed.lock().unwrap() = Some((moment, id.to_string()));
    }

    /// Resolves once a path is waiting at the armed moment.
    pub async fn reached(&self) {
        tokio::time::timeout(std::time::Duration::from_secs(10), self.reached.notified()).await.expect("the path reached the gate");
    }

    pub fn release(&self) {
        self.release.notify_one();
    }

    /// Resolves once a path has found a connection held and is waiting for it: what a test
    /// checks instead of sleeping and seeing that the path has not finished.
    pub async fn contended(&self, id: &str) {
        let waited = async {
            loop {
                let told = self.contended_told.notified();
                {
                    let mut seen = self.contended.lock().unwrap();
                    if let Some(at) = seen.iter().position(|i| i == id) {
                        seen.remove(at);
                        return;
                    }
                }
                told.await;
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(10), waited).await.expect("a path waited for the connection");
    }
}

impl zoom_connections_engine::Pauses for Gate {
    fn at(&self, moment: Moment, id: &str) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        if moment == Moment::Contended {
            self.contended.lock().unwrap().push(id.to_string());
            self.contended_told.notify_waiters();
            return Box::pin(async {});
        }
        let mut armed = self.armed.lock().unwrap();
        if armed.as_ref().is_some_and(|(m, i)| *m == moment && i == id) {
            *armed = None;
            self.reached.notify_one();
            let release = self.release.clone();
            return Box::pin(async move { release.notified().await });
        }
        Box::pin(async {})
    }
}

/// Whether a spawned task is waiting for the connection another path holds: it said so at the
/// gate (`Moment::Contended`), and has not finished.
pub async fn still_waiting<T>(gate: &Gate, id: &str, task: &tokio::task::JoinHandle<T>) -> bool {
    gate.contended(id).await;
    !task.is_finished()
}

/// A client that shows the sandbox's control secret on every request.
pub fn control_client(sandbox: &RunningSandbox) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-sandbox-control", sandbox.control_secret().expect("the control API is on").parse().unwrap());
    reqwest::Client::builder().default_headers(headers).build().unwrap()
}

/// Rotates now (unless something else rotated meanwhile): proves the stored refresh token live.
pub async fn rotate(engine: &Engine, id: &str) -> Result<zoom_connections_engine::model::Connection, zoom_connections_engine::EngineError> {
    // The generation other processes left (tests/common/mod.rs at the root says why).
    engine.reload();
    let generation = engine.connection(id)?.generation;
    engine.refresh(id, Want::Replace { generation }).await.map(|(c, _)| c).map_err(Into::into)
}

/// Refreshes if fewer than `margin` seconds are left (keepalive's rule).
pub async fn refresh_due(engine: &Engine, id: &str, margin: i64) -> Result<zoom_connections_engine::model::Connection, zoom_connections_engine::EngineError> {
    engine.refresh(id, Want::Due { margin }).await.map(|(c, _)| c).map_err(Into::into)
}

/// The process that owns the Secret Service's bus name, if one does right now.
/// Replaces the session's gnome-keyring with a new daemon, unlocked with `make test`'s throwaway
/// password over the layer's keyring directory, and waits until the new one owns the name.
#[allow(dead_code)]
pub fn restart_secret_service() {
    use std::io::Write;
    let password = std::env::var("ZC_KEYRING_PASSWORD").expect("make test names the test keyring's password");
    let keyring_home = std::env::var("ZC_KEYRING_DATA_HOME").expect("make test names the test keyring's directory");
    let before = secret_service_pid();
    let mut daemon = std::process::Command::new("gnome-keyring-daemon")
        .args(["--replace", "--unlock", "--components=secrets"])
        .env("XDG_DATA_HOME", keyring_home)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("gnome-keyring-daemon is installed by make test");
    daemon.stdin.take().unwrap().write_all(password.as_bytes()).unwrap();
    daemon.wait().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while secret_service_pid().is_none_or(|pid| Some(&pid) == before.as_ref()) {
        assert!(std::time::Instant::now() < deadline, "the keyring daemon was not replaced");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Refresh attempts the sandbox has seen, over every token it issued.
#[allow(dead_code)]
pub async fn refresh_attempts(w: &World) -> u64 {
    w.grants().await.iter().flat_map(|g| g["tokens"].as_array().cloned().unwrap_or_default()).map(|t| t["refresh_attempts"].as_u64().unwrap_or(0)).sum()
}

pub fn secret_service_pid() -> Option<String> {
    let out = std::process::Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/",
            "org.freedesktop.DBus.GetConnectionUnixProcessID",
            "string:org.freedesktop.secrets",
        ])
        .output()
        .expect("dbus-send (package dbus) is installed by make test");
    let text = String::from_utf8_lossy(&out.stdout);
    text.contains("uint32").then(|| text.split_whitespace().last().unwrap_or_default().to_string())
}
