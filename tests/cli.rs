//! The command line (`zoom-connections token|list|keepalive`) as a real process on the real
//! keychain, beside an engine in this process playing the running app: one data directory, one
//! Secret Service. Ignored in a plain `cargo test` (they need a Secret Service); `make test`
//! runs them.

use std::process::Stdio;

use serde_json::{json, Value};
use zoom_connections_engine::model::Status;
use zoom_connections_engine::Want;
use zoom_sandbox::user_agent::{SignIn, UserAgent};

mod common;
use common::{rotate, stdout, Setup};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service: run through make test"]
async fn help_list_and_token() {
    let s = Setup::new().await;
    let help = s.run(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    for command in ["token", "exec", "list", "status", "keepalive", "serve", "doctor", "completions"] {
        assert!(stdout(&help).contains(&format!("  {command} ")), "{command} is not in --help");
    }
    assert!(stdout(&help).contains("Exit codes"));
    assert!(stdout(&s.run(&["token", "--help"])).contains("Bearer"));
    assert_eq!(s.run(&["list"]).status.code(), Some(0));
    assert!(stdout(&s.run(&["list"])).contains("No connections yet"));

    let id = s.connect("Production", "owner@contoso.example").await;
    let table = stdout(&s.run(&["list"]));
    assert!(table.contains("NICKNAME") && table.contains("Production") && table.contains("Active"), "{table}");
    let json: Value = serde_json::from_str(&stdout(&s.run(&["list", "--json"]))).unwrap();
    assert_eq!(json[0]["id"], id.as_str());
    assert_eq!(json[0]["status"], "active");

    let out = s.run(&["token", "production"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let token = stdout(&out);
    assert!(token.ends_with('\n') && token.trim().lines().count() == 1, "the token and nothing else");
    assert_eq!(s.me(token.trim()).await, 200);
    assert!(!table.contains(token.trim()) && !stdout(&s.run(&["list", "--json"])).contains(token.trim()));

    let unknown = s.run(&["token", "nope"]);
    assert_eq!(unknown.status.code(), Some(3));
    assert!(stdout(&unknown).is_empty());
    let english = String::from_utf8_lossy(&unknown.stderr).to_string();
    assert!(english.starts_with("zoom-connections: ") && english.trim_end().ends_with("[not_found]"), "{english}");
    // In Japanese: the code's sentence, the engine's English after it for the names it gives.
    let japanese = s.cli(&["token", "nope"]).env("LANG", "ja_JP.UTF-8").output().unwrap();
    assert_eq!(japanese.status.code(), Some(3));
    let japanese = String::from_utf8_lossy(&japanese.stderr).to_string();
    assert!(japanese.starts_with("zoom-connections: その接続または Org は存在しません（") && japanese.trim_end().ends_with("） [not_found]"), "{japanese}");
    assert_eq!(s.run(&["token"]).status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service: run through make test"]
async fn needs_reconnect_and_keychain_unavailable_have_their_exit_codes() {
    let s = Setup::new().await;
    // Tokens that are due at once, then the user uninstalls the app in Zoom.
    s.control("/settings", json!({"access_token_lifetime": 30})).await;
    s.connect("Gone", "admin@contoso.example").await;
    s.control("/uninstall", json!({"email": "admin@contoso.example", "client_id": "sandbox-public"})).await;
    let out = s.run(&["token", "Gone"]);
    assert_eq!(out.status.code(), Some(4), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("deauthorized or uninstalled in Zoom, or replaced by a newer sign-in"));
    assert!(stdout(&out).is_empty());

    let no_keychain = s.cli(&["token", "Gone"]).env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus").env_remove("DISPLAY").output().unwrap();
    // Gone is marked Needs reconnect now: that is said (4) before the keychain is asked; a
    // fresh connection shows the keychain error (5).
    assert_eq!(no_keychain.status.code(), Some(4), "{}", String::from_utf8_lossy(&no_keychain.stderr));
    s.connect("Fresh", "owner@contoso.example").await;
    let no_keychain = s.cli(&["token", "Fresh"]).env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus").env_remove("DISPLAY").output().unwrap();
    assert_eq!(no_keychain.status.code(), Some(5), "{}", String::from_utf8_lossy(&no_keychain.stderr));
    assert!(String::from_utf8_lossy(&no_keychain.stderr).contains("no keychain service reachable"));
}

/// The command line never writes a list of its own over one it cannot read: a corrupt list and
/// one of a newer version are left exactly as they are, and the command says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service: run through make test"]
async fn an_unreadable_or_newer_list_is_left_alone() {
    let s = Setup::new().await;
    s.connect("Kept", "owner@contoso.example").await;
    let path = s.xdg_data.join("app.zoomconnections.desktop").join("connections.json");
    for (bytes, why) in
        [(b"{\"version\":1,\"orgs\":[tru".to_vec(), "unreadable"), (br#"{"version": 9, "orgs": [], "connections": []}"#.to_vec(), "newer version")]
    {
        std::fs::write(&path, &bytes).unwrap();
        for args in [&["list"][..], &["keepalive"][..], &["token", "Kept"][..]] {
            let out = s.run(args);
            assert_eq!(out.status.code(), Some(1), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains(why), "{args:?}: says it is {why}: {err}");
            assert_eq!(std::fs::read(&path).unwrap(), bytes, "{args:?} wrote over the list");
        }
        let aside =
            std::fs::read_dir(path.parent().unwrap()).unwrap().filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().contains("corrupt")).count();
        assert_eq!(aside, 0, "the command line set nothing aside");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service: run through make test"]
async fn the_app_and_the_cli_refreshing_at_once_rotate_once() {
    let s = Setup::new().await;
    // Issued due (30 s left is inside every margin); what the refresh issues lives an hour.
    s.control("/settings", json!({"access_token_lifetime": 30})).await;
    let id = s.connect("Shared", "owner@contoso.example").await;
    s.control("/settings", json!({"access_token_lifetime": 3599})).await;
    let child = s.cli(&["token", "Shared"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let in_app = s.engine.refresh(&id, Want::Due { margin: 600 }).await.unwrap().0;
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(in_app.status, Status::Active);
    assert_eq!(s.refreshes().await, 1, "exactly one rotation between the two processes");
    assert_eq!(s.me(stdout(&out).trim()).await, 200);
    // The app's engine still holds the live refresh token.
    assert_eq!(rotate(&s.engine, &id).await.unwrap().status, Status::Active);
}

/// A keepalive process killed with SIGKILL at random moments, 50 times. After every kill each
/// connection must still refresh, unless the kill fell inside its loss window (a refresh request
/// in flight, or Zoom's answer not yet in the keychain): such a loss is counted, attributed, and
/// the connection reconnected so that later kills keep testing it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service: run through make test"]
async fn sigkill_at_random_moments_loses_nothing_outside_the_measured_window() {
    let s = Setup::new().await;
    // 30-second tokens: every sweep refreshes every connection, the worst case for kills.
    s.control("/settings", json!({"access_token_lifetime": 30, "qps_limits": {"acct_contoso": 10_000, "acct_fabrikam": 10_000}})).await;
    let ids =
        [s.connect("one", "owner@contoso.example").await, s.connect("two", "admin@contoso.example").await, s.connect("three", "owner@fabrikam.example").await];
    // Each sweep's refreshes are held at Zoom HELD_MS — half the time after Zoom rotated (its
    // answer late), half the time before it reads them — so that kills spread over the sweep
    // land in the rotations' windows: every other kill waits until the sandbox holds a refresh,
    // and at least a third of the connection-kills must land in a window.
    const HELD_MS: u64 = 100;
    let hold = || async {
        s.clear_faults().await;
        let fault = if rand::random::<bool>() { json!({"kind": "answer_late", "millis": HELD_MS}) } else { json!({"kind": "delay", "millis": HELD_MS}) };
        s.control("/faults", json!({"endpoint": "refresh", "fault": fault, "count": ids.len()})).await;
    };
    // How long an unkilled sweep runs: kills are spread over it.
    hold().await;
    let started = std::time::Instant::now();
    assert_eq!(s.run(&["keepalive"]).status.code(), Some(0));
    let life_ms = (started.elapsed().as_millis() as u64).max(20);

    const KILLS: usize = 50;
    let (mut in_flight, mut before_write, mut lost, mut survived_kills, mut keychain_stalls) = (0, 0, 0, 0, 0);
    for kill in 0..KILLS {
        hold().await;
        let child =
            s.cli(&["keepalive"]).env("ZOOM_CONNECTIONS_LOG", "zoom_connections_engine=debug").stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        if kill % 2 == 0 {
            // Half the kills land in a window for sure: once the sandbox has taken a held refresh,
            // that connection's answer cannot be stored yet.
            let taken = tokio::time::timeout(std::time::Duration::from_secs(10), async {
                while s.faults_armed().await >= ids.len() as u64 {
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                }
            })
            .await;
            assert!(taken.is_ok(), "no refresh of the sweep reached the sandbox");
        } else {
            tokio::time::sleep(std::time::Duration::from_millis(rand::random::<u64>() % life_ms)).await;
        }
        unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
        let out = child.wait_with_output().unwrap();
        // What the killed sweep did not take would hold the judging refreshes below.
        s.clear_faults().await;
        let log = String::from_utf8_lossy(&out.stderr);
        for id in &ids {
            let count = |what: &str| log.matches(&format!("rotation {what} connection={id}\n")).count();
            let (requested, answered, persisted) = (count("requested"), count("answered"), count("persisted"));
            let in_window = requested > persisted;
            if in_window && answered > persisted {
                before_write += 1;
            } else if in_window {
                in_flight += 1;
            }
            // A keychain stall is not a loss: wait it out (bounded) before judging.
            let mut stalled = 0;
            let survived = loop {
                match rotate(&s.engine, id).await {
                    Err(e) if e.code == zoom_connections_engine::ErrorCode::KeychainUnavailable && stalled < 5 => {
                        stalled += 1;
                        keychain_stalls += 1;
                        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                    }
                    other => break other,
                }
            };
            match survived {
                Ok(c) if c.status == Status::Active => survived_kills += 1,
                other => {
                    assert!(in_window, "{id} was lost to a kill outside its loss window: {other:?}\n{log}");
                    // The refresh was marked before it was sent: the loss says what it is.
                    let reason = s.engine.connection(id).unwrap().reason;
                    assert!(
                        matches!(reason, Some(zoom_connections_engine::reasons::StatusReason::AnswerLost { .. })),
                        "{id}: a lost rotation worded as {reason:?}"
                    );
                    lost += 1;
                    // Reconnect so that later kills keep testing it. gnome-keyring can stall for
                    // a while after a client is killed mid-call (seen: > 10 s); the engine then
                    // says keychain_unavailable, as it should. Wait it out, and count it.
                    let mut tries = 0;
                    loop {
                        let flow = s.engine.begin_reconnect(id).await.unwrap();
                        let email = s.engine.connection(id).unwrap().identity.email;
                        let redirect = UserAgent::new().authorize(&flow.authorize_url, &SignIn::password(&email), true).await.unwrap();
                        match s.engine.handle_callback(redirect.as_str()).await {
                            Ok(_) => break,
                            Err(e) if e.code == zoom_connections_engine::ErrorCode::KeychainUnavailable && tries < 5 => {
                                tries += 1;
                                keychain_stalls += 1;
                                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                            }
                            Err(e) => panic!("reconnecting {id} failed: {e:?}"),
                        }
                    }
                }
            }
        }
    }
    // Every connection-kill in exactly one outcome, and enough of them inside a window.
    assert_eq!(survived_kills + lost, KILLS * ids.len(), "every connection-kill has an outcome");
    assert!(
        in_flight + before_write >= KILLS * ids.len() / 3,
        "only {} of {} connection-kills landed inside a rotation's window",
        in_flight + before_write,
        KILLS * ids.len()
    );
    let stats = s.engine.persist_stats();
    println!(
        "SIGKILL: {KILLS} kills over a {life_ms} ms sweep of {} connections: {survived_kills} connection-kills survived, \
         {lost} lost, all inside the loss window ({in_flight} with the refresh request in flight, {before_write} between \
         Zoom's answer and the keychain write). Loss window measured over {} rotations: request mean {} µs (max {}), \
         answer -> refresh token in the keychain mean {} µs (max {}). Keychain stalls after a kill: {keychain_stalls}.",
        ids.len(),
        stats.rotations,
        stats.request_mean_micros,
        stats.request_max_micros,
        stats.mean_micros,
        stats.max_micros
    );
}
