//! What the command line's tests share (tests/cli.rs, tests/scripts.rs): a sandbox, a scratch
//! data and runtime directory, an engine in this process playing the running app on the real
//! keychain, and the `zoom-connections` binary run as a real process on the same directories.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use serde_json::Value;
use zoom_connections_engine::model::{Connection, SANDBOX_ORG_ID};
use zoom_connections_engine::vault::KeychainStore;
use zoom_connections_engine::{Engine, EngineConfig, EngineError, Want};
use zoom_sandbox::user_agent::{SignIn, UserAgent};
use zoom_sandbox::{RunningSandbox, SandboxConfig};

pub const BIN: &str = env!("CARGO_BIN_EXE_zoom-connections");

pub struct Setup {
    pub sandbox: Option<RunningSandbox>,
    pub sandbox_url: String,
    pub home: tempfile::TempDir,
    pub xdg_data: PathBuf,
    /// `XDG_RUNTIME_DIR` of the command line's processes (the broker's socket is under it).
    pub runtime: PathBuf,
    pub data_dir: PathBuf,
    pub engine: Engine,
    pub http: reqwest::Client,
}

impl Setup {
    pub async fn new() -> Self {
        let sandbox = zoom_sandbox::start(SandboxConfig::for_tests()).await.unwrap();
        let sandbox_url = sandbox.base_url();
        let home = tempfile::Builder::new().prefix("zc-cli-").tempdir().unwrap();
        let xdg_data = home.path().join("data");
        let runtime = home.path().join("runtime");
        let data_dir = xdg_data.join("app.zoomconnections.desktop");
        std::fs::create_dir_all(&data_dir).unwrap();
        std::fs::create_dir_all(&runtime).unwrap();
        // What the running app writes for the command line.
        std::fs::write(data_dir.join("sandbox-url"), &sandbox_url).unwrap();
        let mut config = EngineConfig::new(data_dir.clone(), Arc::new(KeychainStore::new()));
        config.sandbox_url = Some(sandbox_url.clone());
        let engine = Engine::open(config).unwrap();
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-sandbox-control", sandbox.control_secret().unwrap().parse().unwrap());
        let http = reqwest::Client::builder().default_headers(headers).build().unwrap();
        Self { sandbox: Some(sandbox), sandbox_url, home, xdg_data, runtime, data_dir, engine, http }
    }

    /// Another engine on the same directories: what a second process sees (the first one's
    /// memory knows only what it did itself).
    pub fn reopened(&self) -> Engine {
        let mut config = EngineConfig::new(self.data_dir.clone(), Arc::new(KeychainStore::new()));
        config.sandbox_url = Some(self.sandbox_url.clone());
        Engine::open(config).unwrap()
    }

    /// Where the broker of this setup's runtime directory lives.
    pub fn broker_dir(&self) -> PathBuf {
        self.runtime.join("zoom-connections")
    }

    pub async fn control(&self, path: &str, body: Value) -> Value {
        self.http.post(format!("{}/_sandbox{path}", self.sandbox_url)).json(&body).send().await.unwrap().json().await.unwrap()
    }

    /// How many armed sandbox faults are still to be taken (their counts summed).
    pub async fn faults_armed(&self) -> u64 {
        let v: Value = self.http.get(format!("{}/_sandbox/faults", self.sandbox_url)).send().await.unwrap().json().await.unwrap();
        v["armed"].as_array().map(|a| a.iter().map(|f| f["count"].as_u64().unwrap_or(0)).sum()).unwrap_or(0)
    }

    /// Disarms every sandbox fault not yet taken.
    pub async fn clear_faults(&self) {
        self.http.delete(format!("{}/_sandbox/faults", self.sandbox_url)).send().await.unwrap().error_for_status().unwrap();
    }

    pub async fn connect(&self, nickname: &str, email: &str) -> String {
        let flow = self.engine.begin_create(SANDBOX_ORG_ID, nickname).await.unwrap();
        let redirect = UserAgent::new().authorize(&flow.authorize_url, &SignIn::password(email), true).await.unwrap();
        self.engine.handle_callback(redirect.as_str()).await.unwrap().connection.id
    }

    pub fn cli(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env("XDG_DATA_HOME", &self.xdg_data)
            .env("XDG_RUNTIME_DIR", &self.runtime)
            .env_remove("ZOOM_CONNECTION")
            .env_remove("ZOOM_CONNECTIONS_LOG")
            .env("LANG", "C.UTF-8")
            // LANG decides (tests that want Japanese set it): the machine's own locale must not.
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .stdin(Stdio::null());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cli(args).output().unwrap()
    }

    pub async fn grants(&self) -> Value {
        self.http.get(format!("{}/_sandbox/grants", self.sandbox_url)).send().await.unwrap().json().await.unwrap()
    }

    pub async fn refreshes(&self) -> u64 {
        self.grants().await["grants"].as_array().unwrap().iter().map(|g| g["refreshes"].as_u64().unwrap()).sum()
    }

    pub async fn me(&self, token: &str) -> u16 {
        self.http.get(format!("{}/v2/users/me", self.sandbox_url)).bearer_auth(token).send().await.unwrap().status().as_u16()
    }
}

/// Rotates now, unless something else did meanwhile: proves the stored refresh token live.
pub async fn rotate(engine: &Engine, id: &str) -> Result<Connection, EngineError> {
    // The generation as the processes on this data directory left it, not as this engine last
    // saw it: with a stale one, `Replace` finds the generation moved and rotates nothing, and a
    // grant another process lost (killed between Zoom's answer and the keychain write) passed
    // for alive until the next real rotation blamed a later kill (the SIGKILL test's flake).
    engine.reload();
    let generation = engine.connection(id)?.generation;
    engine.refresh(id, Want::Replace { generation }).await.map(|(c, _)| c).map_err(Into::into)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}
