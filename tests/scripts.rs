//! Connections for scripts (docs/cli.md), as real processes on the real keychain (`exec` itself:
//! tests/exec.rs): the broker over its Unix socket and its loopback port, and
//! who it refuses; the API proxy across a rotation with Zoom's one live token per user and app;
//! `status` with its exit codes and JSON (`doctor`: tests/doctor.rs); `serve`; alerts to a
//! local webhook and a syslog socket. The engine in this process plays the running app. Ignored in a plain
//! `cargo test` (they need a Secret Service); `make test` runs them.

use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use zoom_connections_engine::broker::{self, BrokerConfig};
use zoom_connections_engine::model::Status;
use zoom_connections_engine::{Secret, Want};

mod common;
use common::{stderr, stdout, Setup};
#[path = "scripts/another_user.rs"]
mod another_user;

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

/// The running app's broker for this setup (socket, and the loopback port when asked).
async fn app_broker(s: &Setup, tcp: bool) -> broker::RunningBroker {
    let config = BrokerConfig { dir: s.broker_dir(), tcp_port: tcp.then_some(0) };
    broker::start(s.engine.clone(), config).await.unwrap()
}

fn audit_lines(s: &Setup) -> Vec<Value> {
    std::fs::read_to_string(s.data_dir.join(broker::AUDIT_LOG)).unwrap_or_default().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn socket_client(s: &Setup) -> reqwest::Client {
    reqwest::Client::builder().unix_socket(s.broker_dir().join(broker::SOCKET_FILE)).build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service: run through make test"]
async fn token_and_exec_borrow_through_the_broker_when_one_runs() {
    let s = Setup::new().await;
    let id = s.connect("Production", "owner@contoso.example").await;
    let running = app_broker(&s, false).await;

    let out = s.run(&["token", "Production"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let token = stdout(&out).trim().to_string();
    assert_eq!(s.me(&token).await, 200);
    let out = s.run(&["exec", "Production", "--", "true"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    // Both went through the broker: the audit log names them, their pid and command line.
    let audit = audit_lines(&s);
    let token_lines: Vec<&Value> = audit.iter().filter(|l| l["path"] == "/v1/connections/Production/token").collect();
    assert_eq!(token_lines.len(), 2, "{audit:?}");
    for line in &token_lines {
        assert_eq!(line["transport"], "unix");
        assert_eq!(line["status"], 200);
        assert_eq!(line["connection"], id.as_str());
        assert!(line["pid"].as_i64().unwrap() > 0);
        assert!(line["command"].as_str().unwrap().contains("zoom-connections"), "{line}");
    }
    assert!(!std::fs::read_to_string(s.data_dir.join(broker::AUDIT_LOG)).unwrap().contains(&token));

    // The broker's errors keep their exit codes.
    assert_eq!(code(&s.run(&["token", "Nope"])), Some(3));

    // Without the broker (the app quit): the keychain again, same token promise.
    running.stop().await;
    assert!(!s.broker_dir().join(broker::SOCKET_FILE).exists(), "stopping removes the socket");
    let before = audit_lines(&s).len();
    let out = s.run(&["token", "Production"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert_eq!(s.me(stdout(&out).trim()).await, 200);
    assert_eq!(audit_lines(&s).len(), before, "no broker answered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service: run through make test"]
async fn the_broker_serves_its_user_on_the_socket_and_the_secret_holder_on_the_port() {
    let s = Setup::new().await;
    s.connect("Production", "owner@contoso.example").await;
    let running = app_broker(&s, true).await;
    let socket = running.socket.clone().unwrap();
    let port = running.tcp.unwrap().port();

    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&s.broker_dir()), 0o700);
    assert_eq!(mode(&socket), 0o600);
    assert_eq!(mode(&s.broker_dir().join(broker::DISCOVERY_FILE)), 0o600);

    // The socket: the list (never a token), a token, the proxy.
    let uds = socket_client(&s);
    let list: Value = uds.get("http://localhost/v1/connections").send().await.unwrap().json().await.unwrap();
    assert_eq!(list["schema_version"], 1);
    assert_eq!(list["connections"][0]["nickname"], "Production");
    let loan: Value = uds.get("http://localhost/v1/connections/production/token").send().await.unwrap().json().await.unwrap();
    let token = loan["access_token"].as_str().unwrap().to_string();
    assert_eq!(s.me(&token).await, 200);
    assert!(loan["valid_until"].as_i64().unwrap() >= s.engine.now() + 590);
    assert!(!list.to_string().contains(&token));
    let me = uds.get("http://localhost/zoom/Production/v2/users/me").send().await.unwrap();
    assert_eq!(me.status(), 200);
    assert_eq!(me.json::<Value>().await.unwrap()["email"], "owner@contoso.example");
    for outside in ["/zoom/Production/oauth/token", "/zoom/Production/v2/../oauth/revoke", "/zoom/Nope/v2/users/me"] {
        let status = uds.get(format!("http://localhost{outside}")).send().await.unwrap().status();
        assert_eq!(status, 404, "{outside}");
    }
    // A web page's request (it always carries an Origin) is refused even on the socket.
    let page = uds.get("http://localhost/v1/connections").header("Origin", "https://evil.example").send().await.unwrap();
    assert_eq!(page.status(), 403);

    // The port: only with this run's secret, only for a loopback Host, never for a page.
    let discovery: Value = serde_json::from_slice(&std::fs::read(s.broker_dir().join(broker::DISCOVERY_FILE)).unwrap()).unwrap();
    let secret = discovery["tcp"]["secret"].as_str().unwrap().to_string();
    let base = format!("http://127.0.0.1:{port}");
    let tcp = reqwest::Client::new();
    let status = |r: reqwest::Response| r.status().as_u16();
    assert_eq!(status(tcp.get(format!("{base}/v1/connections")).send().await.unwrap()), 401);
    assert_eq!(status(tcp.get(format!("{base}/v1/connections")).bearer_auth("0".repeat(64)).send().await.unwrap()), 401);
    assert_eq!(status(tcp.get(format!("{base}/v1/connections")).bearer_auth(&token).send().await.unwrap()), 401, "a Zoom token is not the secret");
    let rebound = tcp.get(format!("{base}/v1/connections")).bearer_auth(&secret).header("Host", format!("attacker.example:{port}")).send().await.unwrap();
    assert_eq!(status(rebound), 421);
    let page = tcp.get(format!("{base}/v1/connections")).bearer_auth(&secret).header("Origin", "http://localhost:3000").send().await.unwrap();
    assert_eq!(status(page), 403);
    let ok = tcp.get(format!("{base}/zoom/Production/v2/users/me")).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(status(ok), 200);

    // Another local user, for real (tests/scripts/another_user.rs).
    let root = another_user::is_refused(&s, &socket, &base);

    // Every request is in the audit log; refused ones the first of a minute with why, the rest
    // counted (a stranger cannot push the log out); no token anywhere in it.
    let audit = std::fs::read_to_string(s.data_dir.join(broker::AUDIT_LOG)).unwrap();
    assert!(!audit.contains(&token) && !audit.contains(&secret));
    let lines: Vec<Value> = audit.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let refused: Vec<&str> = lines.iter().filter_map(|l| l["refused"].as_str()).collect();
    assert_eq!(refused, ["web page"], "{audit}");
    assert!(lines.iter().any(|l| l["transport"] == "tcp" && l["status"] == 200 && l["peer"].as_str().unwrap().starts_with("127.0.0.1:")));

    // A second broker for the same user is refused, naming the first.
    let second = broker::start(s.engine.clone(), BrokerConfig::new(s.broker_dir())).await;
    assert!(second.err().unwrap().message.contains(&std::process::id().to_string()));
    running.stop().await;
    // Stopping ends the minute: the counts of the other refusals are written.
    let audit = std::fs::read_to_string(s.data_dir.join(broker::AUDIT_LOG)).unwrap();
    let counts = audit.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()).find(|l| l.get("refused_counts").is_some());
    // As root, uid 65534's two requests (another user) and its one on the port (secret) too.
    let expected = if root { json!({"secret": 4, "host": 1, "web page": 1, "another user": 2}) } else { json!({"secret": 3, "host": 1, "web page": 1}) };
    assert_eq!(counts.map(|l| l["refused_counts"].clone()), Some(expected), "{audit}");
}

/// The proxy across a rotation by another process, with Zoom's one live access token per user
/// and app (tolerance 1): the proxy's own token dies under it, it replaces it without a second
/// rotation, and no caller sees a 401.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service: run through make test"]
async fn the_proxy_outlives_a_rotation_elsewhere_without_a_401_or_a_second_rotation() {
    let s = Setup::new().await;
    // Zoom's per-second limits are not what this test is about (the proxy passes a 429 on).
    s.control("/settings", json!({"qps_limits": {"acct_contoso": 10_000}})).await;
    let id = s.connect("Production", "owner@contoso.example").await;
    let _running = app_broker(&s, false).await;
    let uds = socket_client(&s);
    let call = |uds: reqwest::Client| async move { uds.get("http://localhost/zoom/Production/v2/users/me").send().await.unwrap().status().as_u16() };
    assert_eq!(call(uds.clone()).await, 200);
    let before = s.refreshes().await;

    // Another process (cron's keepalive, a second app) rotates: the proxy's token is now dead.
    let other = s.reopened();
    let generation = other.connection(&id).unwrap().generation;
    other.refresh(&id, Want::Replace { generation }).await.unwrap();
    assert_eq!(s.refreshes().await, before + 1);

    // 50 callers at once: every one answered 200, and no further rotation.
    let calls: Vec<_> = (0..50).map(|_| tokio::spawn(call(uds.clone()))).collect();
    let mut statuses = Vec::new();
    for c in calls {
        statuses.push(c.await.unwrap());
    }
    assert!(statuses.iter().all(|&s| s == 200), "{statuses:?}");
    assert_eq!(s.refreshes().await, before + 1, "the proxy took the other process's token, it did not rotate again");
    // The app's own keepalive still owns a live grant.
    assert_eq!(common::rotate(&s.engine, &id).await.unwrap().status, Status::Active);
    assert_eq!(call(uds.clone()).await, 200);

    // A 401 that is not Zoom's "invalid access token" (124) says nothing about the token: it
    // is passed on, and nothing is rotated.
    let before = s.refreshes().await;
    s.control("/faults", json!({"endpoint": "users_me", "fault": {"kind": "proxy_page", "status": 401}, "count": 1})).await;
    assert_eq!(call(uds.clone()).await, 401);
    assert_eq!(s.refreshes().await, before, "no rotation for a 401 without code 124");
    assert_eq!(call(uds).await, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service: run through make test"]
async fn status_says_who_needs_the_user_with_its_exit_code_and_json() {
    let s = Setup::new().await;
    s.connect("Production", "owner@contoso.example").await;
    s.connect("Staging", "admin@contoso.example").await;

    let out = s.run(&["status"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("✓ Production") && stdout(&out).contains("✓ Staging"), "{}", stdout(&out));
    let out = s.run(&["status", "--json", "--check"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["healthy"], true);
    for field in ["id", "nickname", "org_id", "status", "needs_user", "access_expires_at", "next_keepalive_at", "healthy", "check"] {
        assert!(report["connections"][0].get(field).is_some(), "{field} missing: {report}");
    }
    assert_eq!(report["connections"][0]["check"]["ok"], true);

    // Staging's app is uninstalled in Zoom: only a check can tell, and then it needs the user.
    s.control("/uninstall", json!({"email": "admin@contoso.example", "client_id": "sandbox-public"})).await;
    assert_eq!(code(&s.run(&["status"])), Some(0), "without --check nothing has been asked of Zoom");
    let out = s.run(&["status", "--check", "--json"]);
    assert_eq!(code(&out), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["healthy"], false);
    let staging = report["connections"].as_array().unwrap().iter().find(|c| c["nickname"] == "Staging").unwrap();
    assert_eq!(staging["status"], "needs_reconnect");
    assert_eq!(staging["why"], json!({"code": "refused", "error": "zoom_invalid_grant", "zoom": "grant_gone"}), "{staging}");
    assert_eq!(staging["healthy"], false);
    assert_eq!(staging["check"]["ok"], false);
    // One connection alone, by name: Production is fine.
    assert_eq!(code(&s.run(&["status", "Production", "--check"])), Some(0));
    let out = s.run(&["status"]);
    assert_eq!(code(&out), Some(1));
    assert!(stdout(&out).contains("✗ Staging"), "{}", stdout(&out));

    // Zoom unreachable and nothing else wrong: 6 (try again later).
    let s2 = Setup::new().await;
    s2.connect("Offline", "owner@fabrikam.example").await;
    let mut s2 = s2;
    s2.sandbox.take().unwrap().shutdown();
    let out = s2.run(&["status", "--check"]);
    assert_eq!(code(&out), Some(6), "{}{}", stdout(&out), stderr(&out));
}

/// A local webhook receiver: records every body, answers the first with 503 (to be retried).
async fn receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let got: Arc<Mutex<Vec<Value>>> = Arc::default();
    let state = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let state = state.clone();
            async move {
                let mut got = state.lock().unwrap();
                got.push(body);
                if got.len() == 1 {
                    axum::http::StatusCode::SERVICE_UNAVAILABLE
                } else {
                    axum::http::StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..300 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service: run through make test"]
async fn serve_keeps_alive_lends_and_alerts_a_webhook_and_the_system_log() {
    let s = Setup::new().await;
    let (url, got) = receiver().await;
    s.engine.set_alert_webhook(Some(Secret::new(url.clone()))).await.unwrap();
    assert_eq!(s.engine.settings().webhook.unwrap().host, "127.0.0.1");
    // A test alert: the first attempt is refused (503) and retried.
    s.engine.send_test_alert().await.unwrap();
    {
        let got = got.lock().unwrap();
        assert_eq!(got.len(), 2, "one retry");
        assert_eq!(got[1]["event"], "test");
        assert!(got[1]["text"].as_str().unwrap().contains("test alert"));
    }

    // Short tokens: serve's keepalive refreshes within a tick.
    s.control("/settings", json!({"access_token_lifetime": 30})).await;
    let id = s.connect("Production", "owner@contoso.example").await;
    // A file an older version left readable to others (docs/security.md, Another local user).
    let older = s.data_dir.join("history").join("left-by-an-older-version.jsonl");
    std::fs::create_dir_all(older.parent().unwrap()).unwrap();
    std::fs::write(&older, b"{}\n").unwrap();
    std::fs::set_permissions(&older, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let syslog_path = s.home.path().join("syslog.sock");
    let syslog = std::os::unix::net::UnixDatagram::bind(&syslog_path).unwrap();
    syslog.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut serve = s
        .cli(&["serve", "--tcp", "--tick-secs", "1"])
        .env("ZOOM_CONNECTIONS_SYSLOG_SOCKET", &syslog_path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let socket = s.broker_dir().join(broker::SOCKET_FILE);
    wait_for("serve's socket", || socket.exists()).await;
    // serve made it private before serving.
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&older).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::metadata(&s.data_dir).unwrap().permissions().mode() & 0o777, 0o700);

    // It lends: `token` goes through it (its audit log has the line).
    let out = s.run(&["token", "Production"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    wait_for("the audit line", || audit_lines(&s).iter().any(|l| l["path"] == "/v1/connections/Production/token")).await;
    // It keeps alive: its keepalive rotates the 30-second token.
    let refreshes = s.refreshes().await;
    let mut rotated = false;
    for _ in 0..100 {
        if s.refreshes().await > refreshes {
            rotated = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(rotated, "serve's keepalive did not rotate");

    // The user uninstalls the app in Zoom: serve's next refresh finds the grant gone and alerts.
    let tokens_before: Value = s.http.get(format!("{}/_sandbox/issued-secrets", s.sandbox_url)).send().await.unwrap().json().await.unwrap();
    s.control("/uninstall", json!({"email": "owner@contoso.example", "client_id": "sandbox-public"})).await;
    wait_for("the needs-you alert", || got.lock().unwrap().iter().any(|b| b["event"] == "needs_user")).await;
    let alert = got.lock().unwrap().iter().find(|b| b["event"] == "needs_user").cloned().unwrap();
    assert_eq!(alert["connection"]["nickname"], "Production");
    assert_eq!(alert["connection"]["status"], "needs_reconnect");
    assert!(alert["text"].as_str().unwrap().contains("needs you"), "{alert}");
    let mut line = [0u8; 2048];
    let n = syslog.recv(&mut line).unwrap();
    let line = String::from_utf8_lossy(&line[..n]).to_string();
    assert!(line.starts_with("<12>zoom-connections[") && line.contains("“Production” needs you"), "{line}");

    // No token or code in any alert.
    let issued = s.http.get(format!("{}/_sandbox/issued-secrets", s.sandbox_url)).send().await.unwrap().json::<Value>().await.unwrap();
    let all_alerts = serde_json::to_string(&*got.lock().unwrap()).unwrap() + &line;
    for secret in issued["tokens"].as_array().unwrap().iter().chain(issued["codes"].as_array().unwrap()).chain(tokens_before["tokens"].as_array().unwrap()) {
        assert!(!all_alerts.contains(secret.as_str().unwrap()), "a secret reached an alert");
    }

    // SIGTERM: serve stops, removes its socket, exits 0.
    unsafe { libc::kill(serve.id() as i32, libc::SIGTERM) };
    let status = serve.wait().unwrap();
    let mut log = String::new();
    std::io::Read::read_to_string(serve.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(!socket.exists());
    assert!(log.contains("stopping"), "{log}");

    // The user reconnects in the app, whose alerts say it recovered.
    let _alerts = s.engine.spawn_alerts();
    let flow = s.engine.begin_reconnect(&id).await.unwrap();
    let redirect = zoom_sandbox::user_agent::UserAgent::new()
        .authorize(&flow.authorize_url, &zoom_sandbox::user_agent::SignIn::password("owner@contoso.example"), true)
        .await
        .unwrap();
    s.engine.handle_callback(redirect.as_str()).await.unwrap();
    wait_for("the recovered alert", || got.lock().unwrap().iter().any(|b| b["event"] == "recovered")).await;
}

/// A Server-to-Server connection through the command line: listed for what it is, its token
/// lent (minted once for many callers), its health in `status`, its secret nowhere on disk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service: run through make test"]
async fn server_to_server_connections_serve_scripts_like_any_other() {
    let s = Setup::new().await;
    let new = zoom_connections_engine::s2s::NewS2s {
        org_id: zoom_connections_engine::model::SANDBOX_ORG_ID.into(),
        nickname: "Provisioning".into(),
        account_id: "acct_contoso".into(),
        client_id: "sandbox-s2s".into(),
    };
    s.engine.create_s2s(new, Secret::new("sandbox-s2s-secret")).await.unwrap();

    let table = stdout(&s.run(&["list"]));
    assert!(table.contains("Provisioning") && table.contains("Server-to-Server app") && table.contains("on demand"), "{table}");
    let listed: Value = serde_json::from_str(&stdout(&s.run(&["list", "--json"]))).unwrap();
    assert_eq!(listed[0]["kind"], "server_to_server");
    assert_eq!(listed[0]["next_keepalive_at"], Value::Null);

    // Ten scripts at once, while no broker runs: one token among them (the create's).
    let children: Vec<_> = (0..10).map(|_| s.cli(&["token", "Provisioning"]).stdout(Stdio::piped()).spawn().unwrap()).collect();
    let mut tokens: Vec<String> = children.into_iter().map(|c| stdout(&c.wait_with_output().unwrap()).trim().to_string()).collect();
    tokens.dedup();
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    let users = s.http.get(format!("{}/v2/users?page_size=1", s.sandbox_url)).bearer_auth(&tokens[0]).send().await.unwrap();
    assert_eq!(users.status(), 200);
    let out = s.cli(&["exec", "Provisioning", "--", "sh", "-c", "echo $ZOOM_ACCOUNT_ID $ZOOM_ACCESS_TOKEN"]).output().unwrap();
    assert_eq!(stdout(&out), "acct_contoso <redacted>\n");
    // Through the app's proxy too.
    let running = app_broker(&s, false).await;
    let proxied = socket_client(&s).get("http://localhost/zoom/Provisioning/scim2/Users?count=1").send().await.unwrap();
    assert_eq!(proxied.status(), 200);
    running.stop().await;

    let out = s.run(&["status", "--check", "--json"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["connections"][0]["kind"], "server_to_server");
    assert!(report["connections"][0]["check"]["message"].as_str().unwrap().contains("SCIM works"), "{report}");

    // The app deactivated in the Marketplace: status --check finds it, and says how to fix it.
    s.control("/settings", json!({"app_active": {"sandbox-s2s": false}})).await;
    let out = s.run(&["status", "--check"]);
    assert_eq!(code(&out), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("✗ Provisioning") && stdout(&out).contains("deactivated"), "{}", stdout(&out));

    for file in walk(&s.home.path().join("data")) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("sandbox-s2s-secret"), "{} holds the client secret", file.display());
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.is_file() {
            out.push(p);
        }
    }
    out
}

/// The command line trusts a broker's discovery file only in a directory that is the user's
/// alone: in a shared temporary directory, another user could plant one that sends a script's
/// token requests to a server of theirs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service: run through make test"]
async fn a_planted_discovery_file_is_not_trusted() {
    use std::os::unix::fs::PermissionsExt;
    let s = Setup::new().await;
    s.connect("Production", "owner@contoso.example").await;
    // Someone else's "broker": it answers every token request with its own token.
    let dir = s.broker_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let socket = dir.join(broker::SOCKET_FILE);
    let listener = tokio::net::UnixListener::bind(&socket).unwrap();
    // (Its loans name the sandbox's address: one for another host is refused on its own,
    // engine/tests/local_user.rs.)
    let api_url = s.sandbox_url.clone();
    let fake = axum::Router::new().fallback(move || async move {
        axum::Json(json!({"access_token": "PLANTED", "token_type": "bearer", "expires_at": 0, "valid_until": 0, "api_url": api_url,
            "account_id": "x", "connection_id": "x", "nickname": "Production", "org_id": "sandbox"}))
    });
    tokio::spawn(async move { axum::serve(listener, fake).await.unwrap() });
    let discovery = json!({"pid": std::process::id(), "data_dir": s.data_dir, "socket": socket, "tcp": null});
    std::fs::write(dir.join(broker::DISCOVERY_FILE), discovery.to_string()).unwrap();
    std::fs::set_permissions(dir.join(broker::DISCOVERY_FILE), std::fs::Permissions::from_mode(0o600)).unwrap();

    // Open to others: ignored, the token comes from the keychain.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = s.run(&["token", "Production"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert_ne!(stdout(&out).trim(), "PLANTED");
    assert_eq!(s.me(stdout(&out).trim()).await, 200);
    // The same file in a private directory is the broker's, and used (what the check protects).
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(stdout(&s.run(&["token", "Production"])).trim(), "PLANTED");
    // A discovery file others may read is not trusted either.
    std::fs::set_permissions(dir.join(broker::DISCOVERY_FILE), std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_ne!(stdout(&s.run(&["token", "Production"])).trim(), "PLANTED");
}
