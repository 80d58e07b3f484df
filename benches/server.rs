//! `make bench`: a server without a desktop (docs/benchmarks.md, On a server). Prints figures;
//! asserts nothing about time. Runs against the sandbox with the release `zoom-connections`.
//! 1. From an empty host (no D-Bus session, no display: a cleared environment) to a first
//!    connection serving a script: the commands an admin types, counted, and the time they
//!    take, the admin's own time on the phone apart;
//! 2. a rotation's write (the new refresh token, then the access token) to the vault file and
//!    to the real keychain, p50 and p99 of 200 (the keychain part needs the D-Bus session with
//!    gnome-keyring that `make bench` starts).

mod common;

use common::{ms, percentile};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use zoom_connections_engine::vault::{KeychainStore, SecretStore};
use zoom_connections_engine::vault_file::FileVault;
use zoom_connections_engine::Secret;
use zoom_sandbox::user_agent::{SignIn, UserAgent};
use zoom_sandbox::SandboxConfig;

const BIN: &str = env!("CARGO_BIN_EXE_zoom-connections");
const WRITES: usize = 200;

#[tokio::main]
async fn main() {
    let sandbox = zoom_sandbox::start(SandboxConfig::for_tests()).await.unwrap();
    let url = sandbox.base_url();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-sandbox-control", sandbox.control_secret().unwrap().parse().unwrap());
    let control = reqwest::Client::builder().default_headers(headers).build().unwrap();
    // Polls a second apart (Zoom's example says 5: up to 4 s more on a real host).
    control.post(format!("{url}/_sandbox/settings")).json(&json!({"device_poll_interval": 1})).send().await.unwrap();

    let home = tempfile::Builder::new().prefix("zc-bench-server-").tempdir().unwrap();
    let data = home.path().join(".local/share/app.zoomconnections.desktop");
    let runtime = home.path().join("run");
    for dir in [&data, &runtime, &home.path().join(".config/zoom-connections")] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    }
    std::fs::write(data.join("sandbox-url"), &url).unwrap();
    let passphrase_file = home.path().join(".config/zoom-connections/vault-passphrase");
    let cli = |args: &[&str]| {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", home.path())
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("LANG", "C.UTF-8")
            .env("ZOOM_CONNECTIONS_VAULT_PASSPHRASE_FILE", &passphrase_file);
        cmd
    };

    // 1. The admin's commands, as docs/cli.md (On a server) gives them.
    let mut typed: Vec<&str> = Vec::new();
    let mut phone = Duration::ZERO;
    let started = Instant::now();
    typed.push("install -m 600 /dev/stdin ~/.config/zoom-connections/vault-passphrase");
    let mut f = std::fs::OpenOptions::new().create(true).write(true).truncate(true).mode(0o600).open(&passphrase_file).unwrap();
    writeln!(f, "a long vault passphrase for the bench").unwrap();
    typed.push("zoom-connections --vault file orgs add Contoso --client-id … --client-secret-stdin");
    let mut add = cli(&["--vault", "file", "orgs", "add", "Contoso", "--client-id", "sandbox-confidential", "--client-secret-stdin", "--sandbox"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(add.stdin.take().unwrap(), "sandbox-confidential-secret").unwrap();
    assert!(add.wait().unwrap().success());
    typed.push("zoom-connections connect Nightly   (then the code, typed on a phone)");
    let mut connect = cli(&["connect", "Nightly"]).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(connect.stderr.take().unwrap()));
    let prompt = lines.find_map(|l| l.ok().filter(|l| l.contains("enter the code"))).expect("the device code");
    let words: Vec<&str> = prompt.split_whitespace().collect();
    let (uri, code) = (words[words.iter().position(|w| *w == "open").unwrap() + 1], words[words.iter().position(|w| *w == "code").unwrap() + 1]);
    let on_phone = Instant::now();
    UserAgent::new().authorize_device(uri, code, &SignIn::password("admin@contoso.example"), true).await.unwrap();
    phone += on_phone.elapsed();
    assert!(connect.wait().unwrap().success());
    typed.push("systemctl --user enable --now zoom-connections   (here: its ExecStart, serve)");
    let mut serve = cli(&["serve"]).env("ZOOM_CONNECTIONS_VAULT", "file").stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let socket = runtime.join("zoom-connections/broker.sock");
    while !socket.exists() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    typed.push("zoom-connections api -c Nightly GET /v2/users/me   (the script: cron runs it)");
    let script = cli(&["api", "-c", "Nightly", "GET", "/v2/users/me"]).output().unwrap();
    assert!(script.status.success(), "{}", String::from_utf8_lossy(&script.stderr));
    let total = started.elapsed();
    unsafe { libc::kill(serve.id() as i32, libc::SIGTERM) };
    let _ = serve.wait();
    println!(
        "From an empty headless host to a script served: {} commands typed, {} (the admin on the phone: {} more, not counted)",
        typed.len(),
        ms(total - phone),
        ms(phone)
    );
    for (i, command) in typed.iter().enumerate() {
        println!("  {}. {command}", i + 1);
    }

    // 2. A rotation's write: the refresh token first, then the access token.
    let vault = FileVault::open(&data, &Secret::new("a long vault passphrase for the bench"), false).unwrap();
    let keychain = KeychainStore::with_service(format!("zoom-connections-bench-{}", std::process::id()));
    let stores: [(&str, &dyn SecretStore); 2] = [("vault file", &vault), ("keychain (gnome-keyring)", &keychain)];
    for (name, store) in stores {
        let mut samples = Vec::with_capacity(WRITES);
        for i in 0..WRITES {
            let started = Instant::now();
            let written = store
                .set("conn/bench/refresh", &Secret::new(format!("zrt_bench_{i:040}")))
                .and_then(|_| store.set("conn/bench/access", &Secret::new(format!("zat_bench_{i:040}"))));
            if let Err(e) = written {
                println!("A rotation's write, {name}: not measured ({e})");
                break;
            }
            samples.push(started.elapsed());
        }
        if samples.len() == WRITES {
            let (p50, p99) = (percentile(&mut samples, 0.5), percentile(&mut samples, 0.99));
            println!("A rotation's write, {name}: p50 {}, p99 {} ({WRITES} writes)", ms(p50), ms(p99));
        }
        let _ = store.delete("conn/bench/refresh");
        let _ = store.delete("conn/bench/access");
    }
}
