//! Another local user against the data directory (docs/security.md, Another local user): run as
//! root, the attacker is a real second uid (`nobody`, 65534) started by the test, as the outside
//! review did it. Not as root, the attacks cannot be tried: said loudly, and a failure in CI.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use zoom_connections_engine::vault::MemoryStore;
use zoom_connections_engine::{Engine, EngineConfig, ErrorCode};

const NOBODY: u32 = 65534;

/// Whether this test may act as another user; panics in CI, where it must.
fn can_be_another_user() -> bool {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if !root {
        assert!(std::env::var_os("CI").is_none(), "CI runs as root: the other-user attacks must run there");
        eprintln!("NOT CHECKED: the other-user attacks need root to start a process as uid {NOBODY}");
    }
    root
}

/// `flock -n -x PATH true` as uid 65534: whether that user can take (and so could hold) the lock.
fn nobody_can_lock(path: &Path) -> bool {
    Command::new("flock")
        .args(["-n", "-x"])
        .arg(path)
        .arg("true")
        .uid(NOBODY)
        .gid(NOBODY)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("flock (util-linux) runs")
        .success()
}

fn open(dir: &Path) -> Engine {
    let config = EngineConfig::new(dir.to_path_buf(), Arc::new(MemoryStore::default()));
    Engine::open(config).unwrap()
}

fn loose_modes(dir: &Path) -> Vec<String> {
    let mut loose = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(at) = pending.pop() {
        let meta = std::fs::symlink_metadata(&at).unwrap();
        if meta.mode() & 0o077 != 0 {
            loose.push(format!("{} {:o}", at.display(), meta.mode() & 0o777));
        }
        if meta.is_dir() {
            pending.extend(std::fs::read_dir(&at).unwrap().map(|e| e.unwrap().path()));
        }
    }
    loose
}

/// An install made by an older version (the umask's 0755 and 0644), in a home-like folder that
/// other users may traverse: the attack works on it, and stops working once the app has started.
#[test]
fn another_user_cannot_take_the_lock_files_of_an_older_install() {
    let scratch = common::temp_dir();
    std::fs::set_permissions(scratch.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let dir = scratch.path().join("data");
    std::fs::create_dir_all(dir.join("locks")).unwrap();
    for d in [&dir, &dir.join("locks")] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let lock = dir.join("locks").join("c1.lock");
    std::fs::write(&lock, b"").unwrap();
    std::fs::set_permissions(&lock, std::fs::Permissions::from_mode(0o644)).unwrap();
    let attacker = can_be_another_user();
    if attacker {
        assert!(nobody_can_lock(&lock), "the older install is open to the attack (else this test proves nothing)");
    }

    let engine = open(&dir);
    assert_eq!(loose_modes(&dir), Vec::<String>::new(), "everything in the data directory is private after start");
    // What the engine writes from now on is private from its creation.
    let mut settings = engine.settings();
    settings.refresh_margin_secs = 600;
    engine.save_settings(settings).unwrap();
    assert_eq!(loose_modes(&dir), Vec::<String>::new());
    if attacker {
        assert!(!nobody_can_lock(&lock));
        assert!(!nobody_can_lock(&dir.join("connections.json.lock")));
    }
}

/// A fresh install: the data directory and every file are private from the start, even where
/// the umask would have made them readable.
#[test]
fn a_fresh_data_directory_is_private_from_the_start() {
    let scratch = common::temp_dir();
    let dir = scratch.path().join("nested").join("data");
    let engine = open(&dir);
    let mut settings = engine.settings();
    settings.refresh_margin_secs = 900;
    engine.save_settings(settings).unwrap();
    assert_eq!(std::fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
    assert_eq!(loose_modes(&dir), Vec::<String>::new());
}

/// A lock file held for ever (by a hung or hostile process) costs a change `LockTimeout`, and
/// never blocks the engine's list while it waits: the window goes on reading it.
#[test]
fn a_held_list_lock_is_waited_for_boundedly_and_never_under_the_list_mutex() {
    let scratch = common::temp_dir();
    let engine = open(scratch.path());
    let held = zoom_connections_engine::lockfile::lock_blocking(&scratch.path().join("connections.json.lock"), Duration::from_secs(1)).unwrap();
    let writer = {
        let engine = engine.clone();
        std::thread::spawn(move || {
            let mut settings = engine.settings();
            settings.refresh_margin_secs = 700;
            engine.save_settings(settings)
        })
    };
    // While the writer waits for the file lock (10 s), reading the list answers: it used to
    // wait with the writer, for as long as the lock was held.
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = {
        let (engine, done) = (engine.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let _ = engine.connections();
                let _ = tx.send(());
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    while !writer.is_finished() {
        rx.recv_timeout(Duration::from_secs(3)).expect("the list is readable while a change waits for the lock file");
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    reader.join().unwrap();
    let waited = writer.join().unwrap();
    assert_eq!(waited.err().map(|e| e.code), Some(ErrorCode::LockTimeout), "a lock held too long is an error, not a hang");
    drop(held);
    let mut settings = engine.settings();
    settings.refresh_margin_secs = 700;
    engine.save_settings(settings).unwrap();
}

/// Another user floods the broker's loopback port with 1,000 half-sent requests: the broker
/// holds at most its cap of them, closes each within the header timeout, and its socket goes on
/// serving its owner. Without the limits, the flood took every descriptor and `token` hung.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_the_loopback_port_leaves_the_socket_to_its_owner() {
    use zoom_connections_engine::broker::{self, BrokerConfig};
    let w = common::World::new().await;
    let scratch = common::temp_dir();
    let running = broker::start(w.engine.clone(), BrokerConfig { dir: scratch.path().join("broker"), tcp_port: Some(0) }).await.unwrap();
    let port = running.tcp.unwrap().port();
    let descriptors = || std::fs::read_dir("/proc/self/fd").unwrap().count();
    let before = descriptors();

    // The attacker: its own process (as uid 65534 where the test may), connections held open.
    let flood = format!(
        r#"
import socket, sys, time
held = []
for _ in range(1000):
    s = socket.create_connection(("127.0.0.1", {port}))
    try:
        s.send(b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Slow: ")
    except OSError:
        pass
    held.append(s)
print("held", flush=True)
sys.stdin.readline()
deadline = time.time() + 40
open_ = list(held)
while open_ and time.time() < deadline:
    still = []
    for s in open_:
        s.settimeout(0.01)
        try:
            if s.recv(1024):
                still.append(s)
        except socket.timeout:
            still.append(s)
        except OSError:
            pass
    open_ = still
print("open", len(open_), flush=True)
"#
    );
    let mut attacker = tokio::process::Command::new("python3");
    attacker.arg("-c").arg(flood).stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped());
    if can_be_another_user() {
        attacker.uid(NOBODY).gid(NOBODY);
    }
    let mut attacker = attacker.spawn().unwrap();
    let mut lines = tokio::io::BufReader::new(attacker.stdout.take().unwrap());
    let mut line = String::new();
    tokio::io::AsyncBufReadExt::read_line(&mut lines, &mut line).await.unwrap();
    assert_eq!(line.trim(), "held");

    // While flooded: the owner's socket answers, and the broker holds at most its cap.
    let uds = reqwest::Client::builder().unix_socket(running.socket.clone().unwrap()).timeout(Duration::from_secs(10)).build().unwrap();
    let health = uds.get("http://localhost/v1/health").send().await.expect("the socket serves its owner during the flood");
    assert_eq!(health.status(), 200);
    let during = descriptors();
    assert!(during < before + 128 + 32, "the broker holds {} more descriptors during the flood", during - before);

    // And every held connection is closed within the header timeout (10 s).
    let mut stdin = attacker.stdin.take().unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut stdin, b"go\n").await.unwrap();
    line.clear();
    tokio::io::AsyncBufReadExt::read_line(&mut lines, &mut line).await.unwrap();
    assert_eq!(line.trim(), "open 0", "connections the broker still held after 40 s");
    let _ = attacker.wait().await;
    running.stop().await;
}

/// The sign-in's loopback redirect listener is bounded too: a half-sent request is closed.
#[tokio::test]
async fn the_loopback_redirect_listener_closes_a_half_sent_request() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let handler: zoom_connections_engine::loopback::Handler = Arc::new(|_| Box::pin(async { Err("not used".to_string()) }));
    let listening = zoom_connections_engine::loopback::listen(handler).await.unwrap();
    let addr = listening.redirect_uri.trim_start_matches("http://").split('/').next().unwrap().to_string();
    let mut half = tokio::net::TcpStream::connect(&addr).await.unwrap();
    half.write_all(b"GET /oauth/callback?code=").await.unwrap();
    let mut buf = [0u8; 64];
    let closed = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(n) = half.read(&mut buf).await {
            if n == 0 {
                return;
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the loopback listener still holds a half-sent request after 30 s");
}

/// What answers on the port `broker.json` names may not be the broker (the file is stale after a
/// crash, the port another user's by now): the command line sends the secret only after the
/// process there proved it knows it, and uses a loan only for an API address its org allows.
#[tokio::test]
async fn the_secret_goes_only_to_a_proven_broker_and_a_loan_only_to_allowed_hosts() {
    use axum::extract::{Query, Request};
    use std::collections::HashMap;
    use std::sync::Mutex;
    use zoom_connections_engine::broker::client::Reached;
    use zoom_connections_engine::broker::{self, proof, BrokerClient, BrokerConfig, Discovery, TcpEndpoint, DISCOVERY_FILE};

    let w = common::World::new().await;
    let id = w.connect(zoom_connections_engine::model::SANDBOX_ORG_ID, "n", "owner@contoso.example").await.connection.id;
    let secret = "5".repeat(64);
    // `knows`: whether the impostor read the secret (it answers the proof) or not.
    let impostor = |knows: bool, secret: String, seen: Arc<Mutex<Vec<String>>>| {
        let loan = serde_json::json!({"access_token": "planted", "token_type": "bearer", "expires_at": 0, "valid_until": 0,
            "api_url": "https://evil.example", "account_id": "a", "connection_id": "c1", "nickname": "n", "org_id": "sandbox"});
        axum::Router::new()
            .route(
                proof::PATH,
                axum::routing::get(move |Query(q): Query<HashMap<String, String>>| async move {
                    let nonce = q.get("nonce").cloned().unwrap_or_default();
                    axum::Json(serde_json::json!({"proof": if knows { proof::answer(&secret, &nonce) } else { "0".repeat(64) }}))
                }),
            )
            .fallback(move |request: Request| async move {
                let auth = request.headers().get("authorization").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
                seen.lock().unwrap().push(auth);
                axum::Json(loan)
            })
    };
    let discovery_dir = |port: u16, secret: &str| {
        let dir = common::temp_dir();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        let discovery = Discovery {
            pid: std::process::id(),
            data_dir: w.data_dir.clone(),
            socket: None,
            tcp: Some(TcpEndpoint { url: format!("http://127.0.0.1:{port}"), secret: secret.to_string() }),
        };
        zoom_connections_engine::fsutil::write_private(&dir.path().join(DISCOVERY_FILE), &serde_json::to_vec(&discovery).unwrap()).unwrap();
        dir
    };
    let serve_on_free_port = |router: axum::Router| async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        port
    };

    // Something that does not know the secret: never sent it, and no loan taken from it.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let port = serve_on_free_port(impostor(false, secret.clone(), seen.clone())).await;
    let dir = discovery_dir(port, &secret);
    let client = BrokerClient::discover(dir.path(), &w.data_dir).unwrap().with_sandbox_url(Some(w.sandbox_url.clone()));
    assert!(matches!(client.token("n").await, Reached::Unreachable));
    assert!(seen.lock().unwrap().iter().all(|auth| !auth.contains(&secret)), "the secret went to an impostor: {:?}", seen.lock().unwrap());

    // Something that knows it but lends for a host the org does not allow: refused.
    let port = serve_on_free_port(impostor(true, secret.clone(), Arc::new(Mutex::new(Vec::new())))).await;
    let dir = discovery_dir(port, &secret);
    let client = BrokerClient::discover(dir.path(), &w.data_dir).unwrap().with_sandbox_url(Some(w.sandbox_url.clone()));
    match client.token("n").await {
        Reached::Answered(Err(e)) => assert!(e.message.contains("evil.example"), "{e}"),
        other => panic!("a loan for another host was used: {other:?}"),
    }

    // The real broker on its port proves itself and lends for the sandbox.
    let scratch = common::temp_dir();
    let running = broker::start(w.engine.clone(), BrokerConfig { dir: scratch.path().join("broker"), tcp_port: Some(0) }).await.unwrap();
    let real: Discovery = serde_json::from_slice(&std::fs::read(scratch.path().join("broker").join(DISCOVERY_FILE)).unwrap()).unwrap();
    let tcp_only = discovery_dir(running.tcp.unwrap().port(), &real.tcp.unwrap().secret);
    let client = BrokerClient::discover(tcp_only.path(), &w.data_dir).unwrap().with_sandbox_url(Some(w.sandbox_url.clone()));
    match client.token("n").await {
        Reached::Answered(Ok(loan)) => assert_eq!(loan.connection_id, id),
        other => panic!("the real broker's loan: {other:?}"),
    }
    running.stop().await;
}
