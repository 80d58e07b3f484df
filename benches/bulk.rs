//! `make bench`: the connector's actions at Zoom's pace (docs/benchmarks.md, Figures: Bulk runs).
//! Prints figures; asserts nothing about time. Runs in a D-Bus session with gnome-keyring, against
//! the sandbox with a Pro account's limits (Light 30, Medium 20 a second).
//! 1. A bulk deactivation of 1,000 users: wall time against the floor the limit sets (1,000 ÷ 30
//!    s), the 429s Zoom answered (all waited out) and the users failed.
//! 2. The same with another app of the account using half its Light budget (15 a second) at the
//!    same time: the floor is then 1,000 ÷ 15 s.
//! 3. A bulk run of the release `zoom-connections` binary SIGKILLed at 10 random moments and
//!    resumed each time: users deactivated twice, users skipped, the final state.
//! 4. Listing a 10,000-user account: time, and the heap the list holds.

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use serde_json::{json, Value};
use tokio::sync::watch;
use zoom_connections_engine::actions::bulk::{self, BulkAction, Control};
use zoom_connections_engine::actions::journal::{Outcome, RowState};
use zoom_connections_engine::actions::users::UserStatus;
use zoom_connections_engine::actions::{self, Actions, Direct};
use zoom_connections_engine::model::SANDBOX_ORG_ID;
use zoom_connections_engine::vault::KeychainStore;
use zoom_connections_engine::{Engine, EngineConfig};
use zoom_sandbox::user_agent::{SignIn, UserAgent};
use zoom_sandbox::SandboxConfig;

const BIN: &str = env!("CARGO_BIN_EXE_zoom-connections");
const USERS: usize = 1000;

struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
}
#[global_allocator]
static ALLOC: Counting = Counting;

struct Bench {
    home: tempfile::TempDir,
    sandbox_url: String,
    control: reqwest::Client,
    engine: Engine,
    id: String,
}

impl Bench {
    async fn control(&self, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/_sandbox{path}", self.sandbox_url);
        let req = match body {
            Some(b) => self.control.post(url).json(&b),
            None => self.control.get(url),
        };
        req.send().await.unwrap().json().await.unwrap()
    }

    fn cli(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env("XDG_DATA_HOME", self.home.path().join("data"))
            .env("XDG_RUNTIME_DIR", self.home.path().join("runtime"))
            .env_remove("ZOOM_CONNECTIONS_LOG");
        cmd
    }

    fn actions(&self) -> Arc<Actions<Direct>> {
        let direct = Direct::new(&self.engine, &self.id).unwrap();
        Arc::new(Actions::new(direct.clone(), direct.scopes().unwrap()))
    }

    /// Deactivations per user so far: (users, most times one user was deactivated).
    async fn deactivations(&self, users: &[String]) -> (usize, u64) {
        let changes = self.control("/changes", None).await;
        let counts: Vec<u64> = users.iter().filter_map(|id| changes[format!("deactivate {id}")].as_u64()).collect();
        (counts.len(), counts.iter().copied().max().unwrap_or(0))
    }
}

/// Emails and sandbox ids of `n` active populated users from `from` on (every 50th is inactive).
fn active_users(from: usize, n: usize) -> (Vec<String>, Vec<String>) {
    let numbers: Vec<usize> = (from..).filter(|i| i % 50 != 0).take(n).collect();
    (numbers.iter().map(|i| format!("user{i:05}@contoso.example")).collect(), numbers.iter().map(|i| format!("u_contoso{i:06}")).collect())
}

async fn setup(sandbox: &zoom_sandbox::RunningSandbox) -> Bench {
    let sandbox_url = sandbox.base_url();
    let home = tempfile::Builder::new().prefix("zc-bench-bulk-").tempdir().unwrap();
    let data_dir = home.path().join("data/app.zoomconnections.desktop");
    std::fs::create_dir_all(&data_dir).unwrap();
    std::fs::create_dir_all(home.path().join("runtime")).unwrap();
    std::fs::write(data_dir.join("sandbox-url"), &sandbox_url).unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-sandbox-control", sandbox.control_secret().unwrap().parse().unwrap());
    let control = reqwest::Client::builder().default_headers(headers).build().unwrap();
    let mut config = EngineConfig::new(data_dir, Arc::new(KeychainStore::new()));
    config.sandbox_url = Some(sandbox_url.clone());
    let engine = Engine::open(config).unwrap();
    let flow = engine.begin_create(SANDBOX_ORG_ID, "Bench").await.unwrap();
    let redirect = UserAgent::new().authorize(&flow.authorize_url, &SignIn::password("admin@contoso.example"), true).await.unwrap();
    let id = engine.handle_callback(redirect.as_str()).await.unwrap().connection.id;
    let bench = Bench { home, sandbox_url, control, engine, id };
    bench.control("/populate", Some(json!({"account_id": "acct_contoso", "users": 14_000, "groups": 0}))).await;
    bench.control("/settings", Some(json!({"accounts": {"acct_contoso": {"plan": "pro"}}}))).await;
    bench
}

/// One in-process bulk deactivation of `emails`; (wall time, failed users).
async fn run_bulk(bench: &Bench, emails: &[String]) -> (Duration, usize) {
    let actions = bench.actions();
    let plan = bulk::plan(&actions, BulkAction::Deactivate, emails, Some("admin@contoso.example")).await.unwrap();
    assert_eq!(plan.targets().len(), emails.len(), "every user changes");
    let data_dir = bench.engine.data_dir().to_path_buf();
    let (journal, record) = bulk::start(&data_dir, &bench.id, "Bench", &plan, bench.engine.now()).unwrap();
    let (_tx, rx) = watch::channel(Control::Run);
    let started = Instant::now();
    let (record, error) = bulk::execute(actions, Arc::new(journal), record, rx, |_| {}).await;
    let took = started.elapsed();
    assert!(error.is_none(), "{error:?}");
    let failed = record.rows.iter().filter(|r| matches!(r, RowState::Answered(Outcome::Failed { .. }))).count();
    (took, failed)
}

fn report(what: &str, took: Duration, floor: f64, refusals: u64, failed: usize) {
    println!(
        "{what}: {:.1} s for {USERS} users; floor {floor:.1} s; {:.2}× the floor; {refusals} answers of 429 waited out; {failed} users failed (429s reaching the result: {failed})",
        took.as_secs_f64(),
        took.as_secs_f64() / floor
    );
}

/// Another app of the account: Light calls at `per_second` until stopped.
fn rival(sandbox_url: String, token: String, per_second: f64, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<(u64, u64)> {
    tokio::spawn(async move {
        let http = reqwest::Client::new();
        let (mut sent, mut limited) = (0, 0);
        let every = Duration::from_secs_f64(1.0 / per_second);
        let mut tick = tokio::time::interval(every);
        while !stop.load(Ordering::Relaxed) {
            tick.tick().await;
            let r = http.get(format!("{sandbox_url}/v2/users/me")).bearer_auth(&token).send().await.unwrap();
            sent += 1;
            limited += u64::from(r.status() == 429);
        }
        (sent, limited)
    })
}

async fn resume_after_kills(bench: &Bench) {
    let (emails, ids) = active_users(5001, USERS);
    let csv = bench.home.path().join("leavers.csv");
    std::fs::write(&csv, format!("email\n{}\n", emails.join("\n"))).unwrap();
    let csv = csv.to_str().unwrap().to_string();
    let runs = |b: &Bench| -> Vec<String> {
        let out = b.cli(&["users", "runs", "--json"]).output().unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(json!([]));
        v.as_array().unwrap().iter().map(|r| r["run_id"].as_str().unwrap().to_string()).collect()
    };
    let before = runs(bench).len();
    let mut rng = rand::rng();
    let started = Instant::now();
    let mut child = bench
        .cli(&["users", "bulk", "deactivate", "-c", "Bench", "--csv", &csv, "--yes", "--json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(rng.random_range(500..3000))).await;
        let _ = child.kill();
        let _ = child.wait();
        let all = runs(bench);
        let args: Vec<String> = if all.len() > before {
            ["users", "bulk", "-c", "Bench", "--resume", &all[0], "--yes", "--json"].map(String::from).to_vec()
        } else {
            ["users", "bulk", "deactivate", "-c", "Bench", "--csv", &csv, "--yes", "--json"].map(String::from).to_vec()
        };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        child = bench.cli(&args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    }
    let status = child.wait().unwrap();
    let took = started.elapsed();
    let (deactivated, most) = bench.deactivations(&ids).await;
    let actions = bench.actions();
    let inactive: std::collections::HashSet<String> = actions.list_users(UserStatus::Inactive, |_| {}).await.unwrap().into_iter().map(|u| u.email).collect();
    let exact = emails.iter().all(|e| inactive.contains(e));
    println!(
        "SIGKILL at 10 random moments, resumed each time (release CLI, {USERS} users): last run exit {:?}; {deactivated} of {USERS} deactivated; repeated: {} users; skipped: {}; final state exact: {exact}; {:.1} s in all",
        status.code(),
        if most > 1 { deactivated } else { 0 },
        USERS - deactivated,
        took.as_secs_f64()
    );
}

fn main() {
    let runtime = |workers: usize| tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build().unwrap();
    let (sandbox_rt, app_rt) = (runtime(1), runtime(2));
    let sandbox = sandbox_rt.block_on(zoom_sandbox::start(SandboxConfig::for_tests())).unwrap();
    app_rt.block_on(async {
        let bench = setup(&sandbox).await;

        let (emails, _) = active_users(1, USERS);
        let refusals = actions::refusals(&bench.engine);
        let (took, failed) = run_bulk(&bench, &emails).await;
        report("Bulk deactivation, Pro account (Light 30/s)", took, USERS as f64 / 30.0, actions::refusals(&bench.engine) - refusals, failed);

        let rival_grant = bench.control("/grants", Some(json!({"email": "owner@contoso.example", "client_id": "sandbox-confidential"}))).await;
        let token = rival_grant["tokens"]["access_token"].as_str().unwrap().to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let other = rival(bench.sandbox_url.clone(), token, 15.0, stop.clone());
        tokio::time::sleep(Duration::from_secs(2)).await;
        let (emails, _) = active_users(2001, USERS);
        let refusals = actions::refusals(&bench.engine);
        let (took, failed) = run_bulk(&bench, &emails).await;
        stop.store(true, Ordering::Relaxed);
        let (sent, limited) = other.await.unwrap();
        report("The same beside another app using 15/s", took, USERS as f64 / 15.0, actions::refusals(&bench.engine) - refusals, failed);
        println!("  the other app: {sent} calls, {limited} answered 429");

        resume_after_kills(&bench).await;

        // Listing 10,000 users (and the 4,000 more of this account), Medium 20/s, 300 a page.
        let actions = bench.actions();
        let before = LIVE.load(Ordering::Relaxed);
        let started = Instant::now();
        let mut users = Vec::new();
        for status in UserStatus::ALL {
            users.extend(actions.list_users(status, |_| {}).await.unwrap());
        }
        let took = started.elapsed();
        let held = LIVE.load(Ordering::Relaxed) - before;
        println!(
            "Listing {} users (every status, every page): {:.2} s; the list holds {:.1} MiB ({:.0} bytes a user, {:.1} MiB per 10,000)",
            users.len(),
            took.as_secs_f64(),
            held as f64 / 1_048_576.0,
            held as f64 / users.len() as f64,
            held as f64 / users.len() as f64 * 10_000.0 / 1_048_576.0
        );
        drop(users);
    });
    sandbox_rt.block_on(async move { sandbox.shutdown() });
}
