//! The host of tests/headless.rs: a home folder, a sandbox, the command line run as a process
//! of a machine without a desktop, and what systemd would do with the units.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;
use zoom_connections_engine::broker;
use zoom_sandbox::{RunningSandbox, SandboxConfig};

pub const BIN: &str = env!("CARGO_BIN_EXE_zoom-connections");
pub const PASSPHRASE: &str = "a long vault passphrase for this host";
pub const CLIENT_SECRET: &str = "sandbox-confidential-secret";
pub const USER_UNIT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src-tauri/linux/systemd/zoom-connections.service");
pub const SYSTEM_UNIT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src-tauri/linux/systemd/zoom-connections@.service");

/// Which unit starts `serve`, and how systemd runs it.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Unit {
    /// The user unit: the user manager's `XDG_RUNTIME_DIR`, the passphrase file.
    User,
    /// The system template for a dedicated account: no runtime directory, the passphrase as the
    /// credential systemd decrypts into `$CREDENTIALS_DIRECTORY`.
    System,
}

pub struct Host {
    pub _sandbox: RunningSandbox,
    pub url: String,
    pub http: reqwest::Client,
    pub home: tempfile::TempDir,
    /// systemd's `/run/credentials/<unit>/`: outside the home folder.
    pub credentials: tempfile::TempDir,
}

impl Host {
    pub async fn new() -> Self {
        let sandbox = zoom_sandbox::start(SandboxConfig::for_tests()).await.unwrap();
        let url = sandbox.base_url();
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-sandbox-control", sandbox.control_secret().unwrap().parse().unwrap());
        let http = reqwest::Client::builder().default_headers(headers).build().unwrap();
        let home = tempfile::Builder::new().prefix("zc-headless-").tempdir().unwrap();
        let credentials = tempfile::Builder::new().prefix("zc-credentials-").tempdir().unwrap();
        let host = Self { _sandbox: sandbox, url, http, home, credentials };
        for dir in [host.runtime(), host.data_dir(), host.config_dir()] {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
        }
        // Sandbox orgs run against the sandbox whose address is in the data directory (what the
        // app, or `zoom-sandbox`, writes).
        std::fs::write(host.data_dir().join("sandbox-url"), &host.url).unwrap();
        host.set_passphrase(PASSPHRASE);
        host
    }

    pub fn runtime(&self) -> PathBuf {
        self.home.path().join("run")
    }
    pub fn data_dir(&self) -> PathBuf {
        self.home.path().join(".local/share/app.zoomconnections.desktop")
    }
    pub fn config_dir(&self) -> PathBuf {
        self.home.path().join(".config/zoom-connections")
    }
    pub fn passphrase_file(&self) -> PathBuf {
        self.config_dir().join("vault-passphrase")
    }

    pub fn set_passphrase(&self, passphrase: &str) {
        let path = self.passphrase_file();
        let mut f = std::fs::OpenOptions::new().create(true).write(true).truncate(true).mode(0o600).open(&path).unwrap();
        writeln!(f, "{passphrase}").unwrap();
    }

    /// A process of this host: a cleared environment (no D-Bus session, no display), this
    /// host's home and runtime directory.
    pub fn command(&self, args: &[&str]) -> Command {
        self.command_of(BIN, args)
    }

    pub fn command_of(&self, program: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", self.home.path())
            .env("XDG_RUNTIME_DIR", self.runtime())
            .env("LANG", "C.UTF-8")
            .stdin(Stdio::null());
        cmd
    }

    /// With the vault's passphrase in its file, as the user unit gives it.
    pub fn cli(&self, args: &[&str]) -> Command {
        let mut cmd = self.command(args);
        cmd.env("ZOOM_CONNECTIONS_VAULT_PASSPHRASE_FILE", self.passphrase_file());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cli(args).output().unwrap()
    }

    /// Run with `line` on standard input (a client secret, never an argument).
    pub fn run_with_stdin(&self, args: &[&str], line: &str) -> Output {
        let mut child = self.cli(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        writeln!(child.stdin.take().unwrap(), "{line}").unwrap();
        child.wait_with_output().unwrap()
    }

    pub async fn control(&self, path: &str, body: Value) {
        let res = self.http.post(format!("{}/_sandbox{path}", self.url)).json(&body).send().await.unwrap();
        assert!(res.status().is_success(), "{path}: {}", res.status());
    }

    pub async fn grants(&self) -> Vec<Value> {
        let v: Value = self.http.get(format!("{}/_sandbox/grants", self.url)).send().await.unwrap().json().await.unwrap();
        v["grants"].as_array().unwrap().clone()
    }

    /// Rotations of the grant of `email` so far.
    pub async fn refreshes(&self, email: &str) -> u64 {
        self.grants()
            .await
            .iter()
            .filter(|g| g["email"] == email && g["client_id"] == "sandbox-confidential" && g["status"] == "active")
            .map(|g| g["refreshes"].as_u64().unwrap())
            .sum()
    }

    /// Where `serve` started by `unit` listens.
    pub fn socket(&self, unit: Unit) -> PathBuf {
        match unit {
            Unit::User => self.runtime().join("zoom-connections").join(broker::SOCKET_FILE),
            Unit::System => self.home.path().join(".cache/zoom-connections/run").join(broker::SOCKET_FILE),
        }
    }

    /// `serve` as `unit` starts it: its `Environment=` lines, then its `ExecStart=` (`%h` is
    /// the home folder, `%i` the account; the installed path is this build's binary), and
    /// what systemd gives it (`LoadCredentialEncrypted=` as `$CREDENTIALS_DIRECTORY`, the user
    /// manager's `XDG_RUNTIME_DIR`). `--tick-secs 1` is added so that keepalive ticks within
    /// this test's patience.
    pub fn serve_from_unit(&self, unit: Unit, notify: &Path) -> Child {
        let text = std::fs::read_to_string(if unit == Unit::User { USER_UNIT } else { SYSTEM_UNIT }).unwrap();
        let unit_text = text.replace("%i", "zoomsvc");
        let home = self.home.path().to_str().unwrap();
        let value = |line: &str, key: &str| line.strip_prefix(key).map(|v| v.replace("%h", home));
        let exec = unit_text.lines().find_map(|l| value(l, "ExecStart=")).expect("the unit has an ExecStart");
        let mut words = exec.split_whitespace();
        assert_eq!(words.next(), Some("/usr/bin/zoom-connections"), "the unit starts the installed command line");
        let args: Vec<String> = words.map(String::from).chain(["--tick-secs".to_string(), "1".to_string()]).collect();
        // systemd names the service's pid in WATCHDOG_PID: a shell that sets it to its own pid
        // and then becomes serve (exec keeps the pid).
        let mut line = vec!["-c", "WATCHDOG_PID=$$ exec \"$0\" \"$@\"", BIN];
        line.extend(args.iter().map(String::as_str));
        let mut cmd = self.command_of("/bin/sh", &line);
        for env in unit_text.lines().filter_map(|l| value(l, "Environment=")) {
            let (k, v) = env.split_once('=').unwrap();
            cmd.env(k, v);
        }
        if unit == Unit::System {
            cmd.env_remove("XDG_RUNTIME_DIR");
            let credential = unit_text.lines().find_map(|l| value(l, "LoadCredentialEncrypted=")).expect("the system unit loads the passphrase");
            let name = credential.split_once(':').unwrap().0;
            let dir = self.credentials.path();
            std::fs::copy(self.passphrase_file(), dir.join(name)).unwrap();
            cmd.env("CREDENTIALS_DIRECTORY", dir);
        }
        cmd.env("NOTIFY_SOCKET", notify).env("WATCHDOG_USEC", "1000000").stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap()
    }
}

/// A process's CPU time so far (user and system), in clock ticks (/proc/PID/stat).
pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // After the command's name in parentheses: state is field 3, utime 14, stime 15.
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

pub fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A child's standard error, line by line, as it comes.
pub fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// The first line `pick` takes, within 60 s; everything seen is in the panic.
pub fn wait_line(lines: &mpsc::Receiver<String>, what: &str, mut pick: impl FnMut(&str) -> Option<String>) -> String {
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        match lines.recv_timeout(left) {
            Ok(line) => {
                if let Some(found) = pick(&line) {
                    return found;
                }
                seen.push(line);
            }
            Err(_) => break,
        }
    }
    panic!("no line with {what}; saw:\n{}", seen.join("\n"));
}

/// The link and the code `connect` shows for the device sign-in ("…open URI and enter the
/// code CODE (until …)"), as the admin reads them off the terminal.
pub fn device_code(lines: &mpsc::Receiver<String>) -> (String, String) {
    let prompt = wait_line(lines, "the device code", |l| l.contains("enter the code").then(|| l.to_string()));
    let words: Vec<&str> = prompt.split_whitespace().collect();
    let after = |word: &str| words[words.iter().position(|w| *w == word).unwrap() + 1].to_string();
    (after("open"), after("code"))
}

/// The messages systemd would read on `NOTIFY_SOCKET`, until one contains `want`.
pub fn wait_notify(socket: &UnixDatagram, want: &str) -> Vec<String> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match socket.recv(&mut buf) {
            Ok(n) => {
                let msg = text(&buf[..n]);
                let done = msg.lines().any(|l| l == want);
                got.push(msg);
                if done {
                    return got;
                }
            }
            Err(e) => panic!("no {want} on NOTIFY_SOCKET ({e}); got {got:?}"),
        }
    }
}

pub fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(std::time::Instant::now() < deadline, "the process did not end");
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        if meta.is_dir() {
            files_under(&path, out);
        } else if meta.is_file() {
            out.push(path);
        }
    }
}
