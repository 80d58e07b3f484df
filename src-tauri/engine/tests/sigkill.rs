//! Test, Delete and Reconnect in a process of their own (examples/engine_op.rs), killed with
//! SIGKILL on the real keychain, beside an engine in this process playing the running app. Test
//! and Reconnect are killed where it matters: at a random moment of the rotation's window — after
//! the child logs "rotation requested" (or "grant requested"), while the sandbox holds Zoom's
//! answer back `HELD_MS` (having rotated first, or not yet) or in the leg from the answer to
//! "persisted" (as long as the unkilled first run took) — and each run must land at least
//! `MIN_IN_WINDOW` kills inside it. Delete is killed at random moments of its whole run. After
//! every kill the connection is judged, and every kill counted in exactly one outcome:
//! - Test and Reconnect: it still refreshes, unless the kill fell inside the loss window (a
//!   refresh or code exchange in flight, or Zoom's answer not yet in the keychain); such a loss is
//!   counted (a lost Test says so: `StatusReason::AnswerLost`, docs/zoom.md, Tokens) and the
//!   connection reconnected, so later kills keep testing it. A keychain stalled by the kill
//!   counts as "not judged", and only a few may.
//! - Delete: it is gone with its grant revoked, or still here (revoked or not: a second Delete
//!   finishes the job); never gone from this computer with its grant still alive at Zoom.
//!
//! Ignored in a plain `cargo test` (it needs a Secret Service); `make test` runs it in the
//! SIGKILL layer with a keyring of its own. The keepalive sweep's kills are in tests/cli.rs.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use zoom_connections_engine::model::{refresh_key, Status, SANDBOX_ORG_ID};
use zoom_connections_engine::reasons::StatusReason;
use zoom_connections_engine::vault::{KeychainStore, SharedStore};
use zoom_connections_engine::vault_file::FileVault;
use zoom_connections_engine::Secret;
use zoom_connections_engine::{Engine, EngineConfig, ErrorCode};
use zoom_sandbox::user_agent::{SignIn, UserAgent};

const KILLS_PER_OPERATION: usize = 30;
/// Test and Reconnect kills that must land inside the rotation's window, per run.
/// (The even kills are aimed for certain, after the sandbox has taken the held call.)
const MIN_IN_WINDOW: usize = (KILLS_PER_OPERATION - 1) / 2;
/// How long the sandbox holds an aimed-at call's answer (`answer_late`, `delay`).
const HELD_MS: u64 = 100;
/// Kills after which the keychain was too stalled to judge the connection, at most.
const MAX_UNJUDGED: usize = 3;

fn engine_op() -> std::path::PathBuf {
    // target/debug/deps/sigkill-… → target/debug/examples/engine_op
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().join("examples").join("engine_op")
}

struct Run {
    log: String,
}

impl Run {
    fn count(&self, what: &str, id: &str) -> usize {
        self.log.matches(&format!("{what} connection={id}\n")).count()
    }
    /// Whether the kill fell inside a loss window of `id`: a request sent (Zoom may have
    /// rotated) whose answer did not reach the keychain.
    fn in_window(&self, id: &str) -> bool {
        self.count("rotation requested", id) > self.count("rotation persisted", id) || self.count("grant requested", id) > self.count("grant persisted", id)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service: run through make test"]
async fn sigkill_during_test_delete_and_reconnect_loses_nothing_outside_the_window() {
    sigkill_during_test_delete_and_reconnect(Store::Keychain).await
}

/// The same kills with the secrets in the vault file of a host without a keychain: a rotation's
/// write replaces the whole file, and a kill at any moment must leave the old map or the new.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow: run through make test"]
async fn sigkill_during_test_delete_and_reconnect_loses_nothing_outside_the_window_on_the_vault_file() {
    sigkill_during_test_delete_and_reconnect(Store::VaultFile).await
}

enum Store {
    Keychain,
    VaultFile,
}

async fn sigkill_during_test_delete_and_reconnect(store: Store) {
    let sandbox = zoom_sandbox::start(zoom_sandbox::SandboxConfig::for_tests()).await.unwrap();
    let url = sandbox.base_url();
    let http = control_client(&sandbox);
    let control = |path: &str, body: serde_json::Value| {
        let (http, url) = (http.clone(), url.clone());
        let path = path.to_string();
        async move { http.post(format!("{url}/_sandbox{path}")).json(&body).send().await.unwrap() }
    };
    let control_get = |path: &str| {
        let (http, url) = (http.clone(), url.clone());
        let path = path.to_string();
        async move { http.get(format!("{url}/_sandbox{path}")).send().await.unwrap().json::<serde_json::Value>().await.unwrap() }
    };
    // 30-second tokens (taken as a minute by the app) and each child's clock ahead of the last
    // one's (engine_op, ENGINE_OP_AHEAD_SECS): every Test rotates first, the worst case for kills.
    control("/settings", json!({"access_token_lifetime": 30, "qps_limits": {"acct_contoso": 10_000, "acct_fabrikam": 10_000}})).await;
    let scratch = temp_dir();
    let data = scratch.path().to_path_buf();
    let (service, secrets): (String, SharedStore) = match store {
        Store::Keychain => {
            let service = format!("zoom-connections-sigkill-{}", rand::random::<u64>());
            (service.clone(), Arc::new(KeychainStore::with_service(service)))
        }
        Store::VaultFile => {
            let passphrase = "sigkill test passphrase";
            // Sealed with a cheap scrypt: each child opens it, and a second of scrypt per child
            // would measure nothing the kills are about.
            (format!("vault:{passphrase}"), Arc::new(FileVault::create_cheap(&data, &Secret::new(passphrase)).unwrap()))
        }
    };
    // The running app: opened afresh after each kill, so that it reads what the killed process
    // left on disk (as the app does at its next sweep).
    let open = || {
        let mut config = EngineConfig::new(data.clone(), secrets.clone());
        config.sandbox_url = Some(url.clone());
        Engine::open(config).unwrap()
    };
    let mut app = open();
    let browser = UserAgent::new();
    let users = ["owner@contoso.example", "admin@contoso.example", "owner@fabrikam.example"];
    let connect = |app: &Engine, nickname: String, email: &'static str| {
        let (app, browser) = (app.clone(), &browser);
        async move {
            let flow = app.begin_create(SANDBOX_ORG_ID, &nickname).await.unwrap();
            let redirect = browser.authorize(&flow.authorize_url, &SignIn::password(email), true).await.unwrap();
            app.handle_callback(redirect.as_str()).await.unwrap().connection.id
        }
    };
    let mut ids = Vec::new();
    for (i, email) in users.iter().enumerate() {
        ids.push(connect(&app, format!("k{i}"), email).await);
    }
    let grant_status = |email: &'static str| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let v: serde_json::Value = http.get(format!("{url}/_sandbox/grants")).send().await.unwrap().json().await.unwrap();
            v["grants"].as_array().unwrap().iter().rfind(|g| g["email"] == email).map(|g| g["status"].as_str().unwrap().to_string())
        }
    };

    let mut summary = Vec::new();
    for op in ["test", "reconnect", "delete"] {
        let op_started = Instant::now();
        let (mut survived, mut lost, mut unjudged, mut deleted, mut kept, mut half) = (0, 0, 0, 0, 0, 0);
        let mut in_window = 0;
        // How long an unkilled run takes (Delete's kills are spread over it), and how long its
        // rotation's window is (Test's and Reconnect's kills are aimed into it).
        let (mut life_ms, mut window_ms) = (50u64, 20u64);
        for kill in 0..KILLS_PER_OPERATION {
            let slot = kill % ids.len();
            let id = ids[slot].clone();
            let email = users[slot];
            if kill > 0 && op != "delete" {
                // The window held open at Zoom for HELD_MS, so that a kill can be aimed into it:
                // half the time Zoom rotates first and answers late (a kill then loses the
                // rotation), half the time it waits before reading the request.
                let endpoint = if op == "test" { "refresh" } else { "code_exchange" };
                let fault =
                    if rand::random::<bool>() { json!({"kind": "answer_late", "millis": HELD_MS}) } else { json!({"kind": "delay", "millis": HELD_MS}) };
                control("/faults", json!({"endpoint": endpoint, "fault": fault, "count": 1})).await;
            }
            let mut child = Command::new(engine_op())
                .args([data.to_str().unwrap(), &url, &service, op, &id])
                .env("ZOOM_CONNECTIONS_LOG", "zoom_connections_engine=debug")
                // Later than any token an earlier child got (at least a minute each): every
                // Test finds its token due and rotates.
                .env("ENGINE_OP_AHEAD_SECS", (120 * (kill as i64 + 1)).to_string())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            // Kills are aimed after the store is open: opening the vault file costs a second of
            // scrypt, and a kill there proves nothing about a rotation.
            let mut stdout = BufReader::new(child.stdout.take().unwrap());
            let mut opened = String::new();
            stdout.read_line(&mut opened).unwrap();
            assert_eq!(opened.trim(), "opened", "{op}: engine_op did not open its engine");
            let started = Instant::now();
            if op == "reconnect" {
                let mut line = String::new();
                stdout.read_line(&mut line).unwrap();
                let redirect = browser.authorize(line.trim(), &SignIn::password(email), true).await.unwrap();
                writeln!(child.stdin.as_mut().unwrap(), "{redirect}").unwrap();
            }
            // The child's log, line by line as it comes, with when each line came.
            let (lines_tx, lines) = std::sync::mpsc::channel::<(Instant, String)>();
            let mut stderr = BufReader::new(child.stderr.take().unwrap());
            let reader = std::thread::spawn(move || {
                let mut log = String::new();
                let mut raw = Vec::new();
                while stderr.read_until(b'\n', &mut raw).is_ok_and(|n| n > 0) {
                    let line = String::from_utf8_lossy(&raw).trim_end().to_string();
                    raw.clear();
                    let _ = lines_tx.send((Instant::now(), line.clone()));
                    log.push_str(&line);
                    log.push('\n');
                }
                log
            });
            let run = if kill == 0 {
                // The first run is not killed: it sets the range of the kills.
                let status = tokio::task::spawn_blocking(move || child.wait()).await.unwrap().unwrap();
                life_ms = (started.elapsed().as_millis() as u64).max(20);
                let log = reader.join().unwrap();
                let seen: Vec<(Instant, String)> = lines.try_iter().collect();
                let at = |what: &str| seen.iter().find(|(_, l)| l.contains(what)).map(|(t, _)| *t);
                if let (Some(from), Some(to)) = (at(" requested connection="), at(" persisted connection=")) {
                    window_ms = (to.duration_since(from).as_millis() as u64).max(5);
                }
                assert!(status.success(), "{op}: {log}");
                Run { log }
            } else {
                if op == "delete" {
                    tokio::time::sleep(Duration::from_millis(rand::random::<u64>() % life_ms)).await;
                } else {
                    // Aimed: once the request is on its way, at a random moment of the window.
                    let requested = tokio::task::spawn_blocking(move || {
                        let deadline = Instant::now() + Duration::from_secs(20);
                        while let Ok((_, line)) = lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                            if line.contains(" requested connection=") {
                                return true;
                            }
                        }
                        false
                    })
                    .await
                    .unwrap();
                    if !requested {
                        let _ = child.kill();
                        panic!("{op}: the child never sent its request:\n{}", reader.join().unwrap());
                    }
                    if kill % 2 == 0 {
                        // Half the kills land in the window for sure: once Zoom (the sandbox) has
                        // taken the call it holds, the child cannot have stored its answer.
                        let taken = tokio::time::timeout(Duration::from_secs(10), async {
                            while !control_get("/faults").await["armed"].as_array().is_some_and(|a| a.is_empty()) {
                                tokio::time::sleep(Duration::from_millis(2)).await;
                            }
                        })
                        .await;
                        assert!(taken.is_ok(), "{op}: the held call never reached the sandbox");
                    } else {
                        // The others at a random moment of the held answer or of the leg from
                        // the answer to the keychain.
                        tokio::time::sleep(Duration::from_millis(rand::random::<u64>() % (HELD_MS + window_ms + 1))).await;
                    }
                }
                let _ = child.kill(); // SIGKILL on Unix
                let _ = child.wait();
                // A held call the child died before sending would hold the next child's call.
                http.delete(format!("{url}/_sandbox/faults")).send().await.unwrap().error_for_status().unwrap();
                Run { log: reader.join().unwrap() }
            };
            if kill > 0 && op != "delete" && run.in_window(&id) {
                in_window += 1;
            }
            app = open();
            match op {
                "delete" => {
                    let listed = app.connection(&id).is_ok();
                    let grant = grant_status(email).await;
                    assert!(listed || grant.as_deref() != Some("active"), "{id} was forgotten with its grant alive at Zoom\n{}", run.log);
                    if listed {
                        if grant.as_deref() == Some("active") {
                            kept += 1
                        } else {
                            half += 1
                        }
                        // A second Delete finishes the job.
                        app.delete(&id).await.unwrap_or_else(|e| panic!("the second Delete of {id}: {e:?}"));
                    } else {
                        deleted += 1;
                    }
                    assert!(secrets.get(&refresh_key(&id)).unwrap().is_none());
                    ids[slot] = connect(&app, format!("k{slot}-{kill}"), email).await;
                }
                _ => match rotate(&app, &id).await {
                    Ok(c) if c.status == Status::Active => survived += 1,
                    Err(e) if e.code == ErrorCode::KeychainUnavailable => {
                        // gnome-keyring can stall after a client is killed mid-call: not a loss.
                        tokio::time::sleep(Duration::from_secs(2)).await;
                        match rotate(&app, &id).await {
                            Ok(c) if c.status == Status::Active => survived += 1,
                            _ => unjudged += 1,
                        }
                    }
                    other => {
                        assert!(run.in_window(&id), "{id} was lost to a kill outside its loss window ({op}): {other:?}\n{}", run.log);
                        if op == "test" {
                            // The refresh was marked before it was sent: the loss says what it is.
                            let reason = app.connection(&id).unwrap().reason;
                            assert!(matches!(reason, Some(StatusReason::AnswerLost { .. })), "{id}: a lost rotation worded as {reason:?}");
                        }
                        lost += 1;
                        let flow = app.begin_reconnect(&id).await.unwrap();
                        let redirect = browser.authorize(&flow.authorize_url, &SignIn::password(email), true).await.unwrap();
                        app.handle_callback(redirect.as_str()).await.unwrap();
                    }
                },
            }
        }
        let took = op_started.elapsed().as_secs();
        let killed = KILLS_PER_OPERATION - 1;
        summary.push(match op {
            "delete" => {
                assert_eq!(deleted + half + kept, KILLS_PER_OPERATION, "every Delete run (the unkilled first too) has an outcome");
                format!("Delete: {deleted} deleted with the grant revoked, {half} revoked but still listed (a second Delete finished them), {kept} untouched ({took} s)")
            }
            _ => {
                // One unkilled run, then every kill in exactly one outcome.
                assert_eq!(survived + lost + unjudged, killed + 1, "{op}: every kill has an outcome (the unkilled first run survives)");
                assert!(unjudged <= MAX_UNJUDGED, "{op}: {unjudged} kills left the keychain too stalled to judge");
                assert!(in_window >= MIN_IN_WINDOW, "{op}: only {in_window} of {killed} kills landed inside the rotation's window (window {window_ms} ms)");
                format!("{op}: {in_window} of {killed} kills inside the rotation's window ({window_ms} ms); {survived} survived (with the unkilled first run), {lost} lost inside the window, {unjudged} not judged ({took} s)")
            }
        });
    }
    let on = if service.starts_with("vault:") { "the vault file" } else { "the keychain" };
    println!("SIGKILL during Test, Reconnect and Delete ({KILLS_PER_OPERATION} each), on {on}: {}", summary.join("; "));
}
