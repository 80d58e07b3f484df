//! `users`, `groups` and `api` as real processes on the real keychain against the sandbox:
//! straight to Zoom when no app runs, through the running app's broker when one does.
//! Ignored in a plain `cargo test` (they need a Secret Service); `make test` runs them.

use serde_json::{json, Value};
use zoom_connections_engine::broker::{self, BrokerConfig};

mod common;
use common::{stderr, stdout, Setup};

fn json_of(o: &std::process::Output) -> Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {} / {}", stdout(o), stderr(o)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service: run through make test"]
async fn users_and_groups_from_the_command_line() {
    let s = Setup::new().await;
    s.control("/settings", json!({"qps_limits": {"acct_contoso": 100_000}})).await;
    s.control("/populate", json!({"account_id": "acct_contoso", "users": 400, "groups": 4})).await;
    s.connect("Production", "admin@contoso.example").await;

    let list = s.run(&["users", "list", "-c", "Production", "--json"]);
    assert_eq!(list.status.code(), Some(0), "{}", stderr(&list));
    assert_eq!(json_of(&list).as_array().unwrap().len(), 400 + 7, "every page, every status");
    let found = json_of(&s.run(&["users", "list", "-c", "Production", "--search", "user00007@", "--json"]));
    assert_eq!(found.as_array().unwrap().len(), 1);
    let table = s.run(&["users", "list", "-c", "Production", "--status", "inactive"]);
    assert!(stdout(&table).starts_with("EMAIL") && stdout(&table).contains("former@contoso.example"), "{}", stdout(&table));
    assert!(stderr(&table).contains("found."));

    let made = s.run(&["users", "create", "-c", "Production", "new@contoso.example", "--first-name", "Nora", "--how", "cust-create"]);
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    assert!(stdout(&made).contains("Created new@contoso.example"));
    let updated = s.run(&["users", "update", "-c", "Production", "new@contoso.example", "--dept", "Legal"]);
    assert_eq!(updated.status.code(), Some(0), "{}", stderr(&updated));
    let got = json_of(&s.run(&["users", "get", "-c", "Production", "new@contoso.example", "--json"]));
    assert_eq!((got["dept"].as_str(), got["first_name"].as_str()), (Some("Legal"), Some("Nora")));
    let off = s.run(&["users", "deactivate", "-c", "Production", "new@contoso.example"]);
    assert!(stdout(&off).contains("Deactivated new@contoso.example"), "{}", stderr(&off));
    // In Japanese.
    let on = s.cli(&["users", "activate", "-c", "Production", "new@contoso.example"]).env("LANG", "ja_JP.UTF-8").output().unwrap();
    assert!(stdout(&on).contains("new@contoso.example を有効にしました"), "{}", stdout(&on));
    let gone = s.run(&["users", "delete", "-c", "Production", "new@contoso.example", "--permanently"]);
    assert!(stdout(&gone).contains("Deleted new@contoso.example"), "{}", stderr(&gone));
    // A user that does not exist is a failure (1), not an unknown connection (3).
    let missing = s.run(&["users", "get", "-c", "Production", "new@contoso.example"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("[not_found]") && stderr(&missing).contains("User does not exist"), "{}", stderr(&missing));
    assert_eq!(s.run(&["users", "get", "-c", "Nope", "x@y.z"]).status.code(), Some(3));
    // Zoom refuses to deactivate an admin, and says so.
    let admin = s.run(&["users", "deactivate", "-c", "Production", "owner@contoso.example"]);
    assert_eq!(admin.status.code(), Some(1));
    assert!(stderr(&admin).contains("Admin users' status cannot be activated or deactivated"), "{}", stderr(&admin));

    let groups = json_of(&s.run(&["groups", "list", "-c", "Production", "--json"]));
    assert_eq!(groups.as_array().unwrap().len(), 3 + 4);
    let add = s.run(&["groups", "add", "-c", "Production", "Sales", "user00001@contoso.example", "user00002@contoso.example"]);
    assert!(stdout(&add).contains("Added 2 users to Sales"), "{}", stderr(&add));
    let members = json_of(&s.run(&["groups", "members", "-c", "Production", "sales", "--json"]));
    assert_eq!(members.as_array().unwrap().len(), 3);
    let removed = s.run(&["groups", "remove", "-c", "Production", "Sales", "user00001@contoso.example"]);
    assert_eq!(removed.status.code(), Some(0), "{}", stderr(&removed));

    let me = s.run(&["api", "-c", "Production", "GET", "/v2/users/me"]);
    assert_eq!(json_of(&me)["email"], "admin@contoso.example");
    let scim = s.run(&["api", "-c", "Production", "--scim", "GET", "Users?count=2"]);
    assert_eq!(json_of(&scim)["itemsPerPage"], 2);
    let refused = s.run(&["api", "-c", "Production", "PATCH", "users/nobody@contoso.example", "--data", "{\"dept\":\"X\"}"]);
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(json_of(&refused)["code"], 1001, "Zoom's answer on stdout as it came");
    assert_eq!(s.run(&["api", "-c", "Production", "GET", "users/me", "--data", "{not json"]).status.code(), Some(2));
    // No token ever on the terminal.
    let issued: Value = s.http.get(format!("{}/_sandbox/issued-secrets", s.sandbox_url)).send().await.unwrap().json().await.unwrap();
    let out = format!("{}{}", stdout(&me), stdout(&list));
    for secret in issued["tokens"].as_array().unwrap() {
        assert!(!out.contains(secret.as_str().unwrap()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service: run through make test"]
async fn with_the_app_running_actions_go_through_its_broker() {
    let s = Setup::new().await;
    s.connect("Production", "admin@contoso.example").await;
    let running = broker::start(s.engine.clone(), BrokerConfig::new(s.broker_dir())).await.unwrap();
    let out = s.run(&["users", "deactivate", "-c", "Production", "member@contoso.example", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json_of(&out), json!({"user": "member@contoso.example", "done": "deactivated"}));
    let audit = std::fs::read_to_string(s.data_dir.join(broker::AUDIT_LOG)).unwrap();
    assert!(audit.lines().any(|l| l.contains("/zoom/") && l.contains("/v2/users/member@contoso.example/status")), "{audit}");
    // The same Zoom error through the proxy: the proxy passes Zoom's answer, the CLI words it.
    let admin = s.run(&["users", "deactivate", "-c", "Production", "owner@contoso.example"]);
    assert_eq!(admin.status.code(), Some(1));
    assert!(stderr(&admin).contains("Admin users' status"), "{}", stderr(&admin));
    running.stop().await;
}

async fn changes(s: &Setup) -> Value {
    s.http.get(format!("{}/_sandbox/changes", s.sandbox_url)).send().await.unwrap().json().await.unwrap()
}

fn run_ids(s: &Setup) -> Vec<String> {
    let runs = json_of(&s.run(&["users", "runs", "--json"]));
    runs.as_array().unwrap().iter().map(|r| r["run_id"].as_str().unwrap().to_string()).collect()
}

/// A bulk deactivation from a CSV: the dry run changes nothing; the run, SIGKILLed at random
/// moments and resumed each time, ends with every user deactivated exactly once. Its name has
/// "sigkill" in it: a process killed mid-call can leave gnome-keyring unresponsive for a while,
/// so it runs in the SIGKILL layer's keyring of its own (tests/run-all.sh), not beside the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service: run through make test"]
async fn sigkill_at_random_moments_a_bulk_run_resumes_without_repeating_or_skipping_a_user() {
    use rand::Rng;
    let s = Setup::new().await;
    // A Pro account: 30 status changes a second, so the run lasts long enough to be cut.
    s.control("/settings", json!({"accounts": {"acct_contoso": {"plan": "pro"}}})).await;
    s.control("/populate", json!({"account_id": "acct_contoso", "users": 240, "groups": 0})).await;
    s.connect("Production", "admin@contoso.example").await;
    let csv = s.home.path().join("leavers.csv");
    let mut text = String::from("Name,Email\n");
    for i in 1..=240 {
        text.push_str(&format!("\"Leaver, {i}\",user{i:05}@contoso.example\n"));
    }
    text.push_str("Owner,owner@contoso.example\nMe,admin@contoso.example\nGhost,ghost@contoso.example\n");
    std::fs::write(&csv, text).unwrap();
    let csv = csv.to_str().unwrap();

    let dry = s.run(&["users", "bulk", "deactivate", "-c", "Production", "--csv", csv, "--dry-run"]);
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    // 240 named, 4 already inactive (every 50th), the owner, yourself and a stranger left out.
    assert!(stdout(&dry).contains("236 will change, 4 are already so, 3 are left out."), "{}", stdout(&dry));
    assert!(stdout(&dry).contains("owner@contoso.example  the owner or an admin"), "{}", stdout(&dry));
    assert_eq!(changes(&s).await, json!({}), "a dry run changes nothing");
    let unconfirmed = s.run(&["users", "bulk", "deactivate", "-c", "Production", "--csv", csv]);
    assert_eq!(unconfirmed.status.code(), Some(2), "not on a terminal: --yes is needed");
    assert!(run_ids(&s).is_empty());

    let mut rng = rand::rng();
    let mut child = s
        .cli(&["users", "bulk", "deactivate", "-c", "Production", "--csv", csv, "--yes", "--json"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..3 {
        tokio::time::sleep(std::time::Duration::from_millis(rng.random_range(700..2500))).await;
        let _ = child.kill();
        let _ = child.wait();
        // Killed before its journal was made (a slow start): it starts again, as an admin would.
        let args: Vec<String> = match run_ids(&s).pop() {
            Some(run) => ["users", "bulk", "-c", "Production", "--resume", &run, "--yes", "--json"].map(String::from).to_vec(),
            None => ["users", "bulk", "deactivate", "-c", "Production", "--csv", csv, "--yes", "--json"].map(String::from).to_vec(),
        };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        child = s.cli(&args).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
    }
    let _ = child.kill();
    let _ = child.wait();
    let run = run_ids(&s).pop().unwrap();
    let results = s.home.path().join("results.csv");
    let last = s.run(&["users", "bulk", "-c", "Production", "--resume", &run, "--yes", "--results", results.to_str().unwrap()]);
    assert_eq!(last.status.code(), Some(0), "{}", stderr(&last));
    let all = changes(&s).await;
    let deactivations: Vec<u64> = all.as_object().unwrap().iter().filter(|(k, _)| k.starts_with("deactivate ")).map(|(_, v)| v.as_u64().unwrap()).collect();
    assert_eq!(deactivations.len(), 236, "none skipped: {all}");
    assert!(deactivations.iter().all(|n| *n == 1), "none repeated: {all}");
    let results = std::fs::read_to_string(results).unwrap();
    assert_eq!(results.lines().count(), 1 + 236);
    assert!(results.lines().skip(1).all(|l| l.contains(",done,") || l.contains(",already_done,")), "{results}");
    // And undone: the same users active again.
    let undo = s.run(&["users", "bulk", "--undo", &run, "--yes"]);
    assert_eq!(undo.status.code(), Some(0), "{}", stderr(&undo));
    let activations = changes(&s).await.as_object().unwrap().keys().filter(|k| k.starts_with("activate ")).count();
    assert_eq!(activations, 236);
}
