//! `make bench`: what connections for scripts cost (docs/benchmarks.md, Figures: Scripts). Prints
//! figures; asserts nothing about time. Runs in a D-Bus session with gnome-keyring (the real
//! keychain), against the sandbox, with an engine in this process playing the running app and
//! the release `zoom-connections` binary as the scripts' command line.
//! 1. `token` through the app's broker vs a cold `token` that opens the keychain itself
//!    (p50/p99 of 200 calls), and a script's own request to the broker's socket;
//! 2. the proxy's added latency over a direct call to the sandbox's `/v2/users/me`, 50
//!    concurrent callers;
//! 3. 50 scripts using `exec` and the proxy at once across a keepalive refresh: calls answered
//!    401, rotations.

mod common;

use common::{ms, percentile};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use zoom_connections_engine::broker::{self, BrokerConfig};
use zoom_connections_engine::model::SANDBOX_ORG_ID;
use zoom_connections_engine::vault::KeychainStore;
use zoom_connections_engine::{Engine, EngineConfig, Want};
use zoom_sandbox::user_agent::{SignIn, UserAgent};
use zoom_sandbox::SandboxConfig;

const BIN: &str = env!("CARGO_BIN_EXE_zoom-connections");
const CALLS: usize = 200;
const CALLERS: usize = 50;
const CALLS_PER_CALLER: usize = 40;

struct Bench {
    home: tempfile::TempDir,
    sandbox_url: String,
    control: reqwest::Client,
}

impl Bench {
    fn cli(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env("XDG_DATA_HOME", self.home.path().join("data"))
            .env("XDG_RUNTIME_DIR", self.home.path().join("runtime"))
            .env_remove("ZOOM_CONNECTIONS_LOG");
        cmd
    }

    fn broker_dir(&self) -> std::path::PathBuf {
        self.home.path().join("runtime/zoom-connections")
    }

    async fn control(&self, path: &str, body: Value) -> Value {
        self.control.post(format!("{}/_sandbox{path}", self.sandbox_url)).json(&body).send().await.unwrap().json().await.unwrap()
    }

    async fn refreshes(&self) -> u64 {
        let v: Value = self.control.get(format!("{}/_sandbox/grants", self.sandbox_url)).send().await.unwrap().json().await.unwrap();
        v["grants"].as_array().unwrap().iter().map(|g| g["refreshes"].as_u64().unwrap()).sum()
    }
}

fn time_token_calls(bench: &Bench) -> Vec<Duration> {
    (0..CALLS)
        .map(|_| {
            let started = Instant::now();
            let out = bench.cli(&["token", "Bench"]).output().unwrap();
            let took = started.elapsed();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            took
        })
        .collect()
}

async fn concurrent_latencies(make: impl Fn() -> reqwest::RequestBuilder + Send + Sync + 'static) -> (Vec<Duration>, usize) {
    let make = Arc::new(make);
    let tasks: Vec<_> = (0..CALLERS)
        .map(|_| {
            let make = make.clone();
            tokio::spawn(async move {
                let mut samples = Vec::new();
                let mut failed = 0;
                for _ in 0..CALLS_PER_CALLER {
                    let started = Instant::now();
                    let status = make().send().await.map(|r| r.status().as_u16()).unwrap_or(0);
                    samples.push(started.elapsed());
                    failed += usize::from(status != 200);
                }
                (samples, failed)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut failed = 0;
    for t in tasks {
        let (s, f) = t.await.unwrap();
        all.extend(s);
        failed += f;
    }
    (all, failed)
}

/// The sandbox, the app (engine and broker) and the callers each get a runtime of their own,
/// as they would be separate processes: otherwise the proxy's extra hop competes with the
/// callers for the same two worker threads and the figure measures the scheduler.
fn main() {
    let runtime = |workers: usize| tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build().unwrap();
    let (sandbox_rt, app_rt, callers_rt) = (runtime(1), runtime(2), runtime(2));
    let sandbox = sandbox_rt.block_on(zoom_sandbox::start(SandboxConfig::for_tests())).unwrap();
    let bench = app_rt.block_on(setup(&sandbox));
    callers_rt.block_on(run(&bench, &app_rt));
    drop(bench);
    sandbox_rt.block_on(async move { sandbox.shutdown() });
}

struct App {
    engine: Engine,
    id: String,
}

async fn setup(sandbox: &zoom_sandbox::RunningSandbox) -> (Bench, App) {
    let sandbox_url = sandbox.base_url();
    let home = tempfile::Builder::new().prefix("zc-bench-scripts-").tempdir().unwrap();
    let data_dir = home.path().join("data/app.zoomconnections.desktop");
    std::fs::create_dir_all(&data_dir).unwrap();
    std::fs::create_dir_all(home.path().join("runtime")).unwrap();
    std::fs::write(data_dir.join("sandbox-url"), &sandbox_url).unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-sandbox-control", sandbox.control_secret().unwrap().parse().unwrap());
    let bench = Bench { home, sandbox_url: sandbox_url.clone(), control: reqwest::Client::builder().default_headers(headers).build().unwrap() };
    // Zoom's per-second limits are not what is measured here.
    bench.control("/settings", json!({"qps_limits": {"acct_contoso": 1_000_000}})).await;
    let mut config = EngineConfig::new(data_dir, Arc::new(KeychainStore::new()));
    config.sandbox_url = Some(sandbox_url);
    let engine = Engine::open(config).unwrap();
    let flow = engine.begin_create(SANDBOX_ORG_ID, "Bench").await.unwrap();
    let redirect = UserAgent::new().authorize(&flow.authorize_url, &SignIn::password("owner@contoso.example"), true).await.unwrap();
    let id = engine.handle_callback(redirect.as_str()).await.unwrap().connection.id;
    (bench, App { engine, id })
}

/// Runs `work` on the app's runtime (its own threads), from the callers' side.
async fn on_app<T: Send + 'static>(app_rt: &tokio::runtime::Runtime, work: impl std::future::Future<Output = T> + Send + 'static) -> T {
    app_rt.spawn(work).await.unwrap()
}

async fn run(setup: &(Bench, App), app_rt: &tokio::runtime::Runtime) {
    let (bench, app) = setup;
    let (engine, id) = (app.engine.clone(), app.id.clone());
    let sandbox_url = bench.sandbox_url.clone();
    let start_broker = |engine: Engine, dir: std::path::PathBuf| on_app(app_rt, async move { broker::start(engine, BrokerConfig::new(dir)).await.unwrap() });

    println!("\n== token: through the app's broker vs cold ({CALLS} calls each, release build) ==");
    let running = start_broker(engine.clone(), bench.broker_dir()).await;
    // The command line's own start-up, for scale.
    let mut version: Vec<Duration> = (0..CALLS)
        .map(|_| {
            let started = Instant::now();
            bench.cli(&["--version"]).output().unwrap();
            started.elapsed()
        })
        .collect();
    let mut brokered = time_token_calls(bench);
    let uds = reqwest::Client::builder().unix_socket(bench.broker_dir().join(broker::SOCKET_FILE)).build().unwrap();
    let mut direct_request = Vec::new();
    for _ in 0..CALLS {
        let started = Instant::now();
        let r = uds.get("http://localhost/v1/connections/Bench/token").send().await.unwrap();
        assert_eq!(r.status(), 200);
        r.bytes().await.unwrap();
        direct_request.push(started.elapsed());
    }
    on_app(app_rt, running.stop()).await;
    let mut cold = time_token_calls(bench);
    let (b50, b99, c50, c99) = (percentile(&mut brokered, 0.5), percentile(&mut brokered, 0.99), percentile(&mut cold, 0.5), percentile(&mut cold, 0.99));
    println!("zoom-connections --version (start-up only): p50 {}", ms(percentile(&mut version, 0.5)));
    println!("token through the broker:   p50 {}  p99 {}", ms(b50), ms(b99));
    println!("token cold (keychain):      p50 {}  p99 {}", ms(c50), ms(c99));
    println!(
        "a script's own request to the broker's socket: p50 {}  p99 {}",
        ms(percentile(&mut direct_request, 0.5)),
        ms(percentile(&mut direct_request, 0.99))
    );
    println!("RATIO token cold / broker: p50 {:.1}x  p99 {:.1}x", c50.as_secs_f64() / b50.as_secs_f64(), c99.as_secs_f64() / b99.as_secs_f64());

    println!("\n== the proxy's added latency: {CALLERS} concurrent callers x {CALLS_PER_CALLER} calls of /v2/users/me ==");
    let running = start_broker(engine.clone(), bench.broker_dir()).await;
    let token = {
        let (engine, id) = (engine.clone(), id.clone());
        on_app(app_rt, async move { engine.hand_out(&id).await.unwrap().access }).await
    };
    let direct_client = reqwest::Client::new();
    let url = format!("{sandbox_url}/v2/users/me");
    let proxied_client = reqwest::Client::builder().unix_socket(bench.broker_dir().join(broker::SOCKET_FILE)).build().unwrap();
    // Once with the sandbox answering at once (the proxy's own cost, under 50-way load on this
    // machine's two cores), once with Zoom's answer taking 50 ms (what a script sees: Zoom is
    // not on this machine).
    for zoom_ms in [0u64, 50] {
        if zoom_ms > 0 {
            let count = 2 * CALLERS * CALLS_PER_CALLER;
            bench.control("/faults", json!({"endpoint": "users_me", "fault": {"kind": "delay", "millis": zoom_ms}, "count": count})).await;
        }
        let (mut direct, direct_failed) = {
            let (c, u, t) = (direct_client.clone(), url.clone(), token.expose().to_string());
            concurrent_latencies(move || c.get(&u).bearer_auth(&t)).await
        };
        let (mut proxied, proxied_failed) = {
            let c = proxied_client.clone();
            concurrent_latencies(move || c.get("http://localhost/zoom/Bench/v2/users/me")).await
        };
        let (d50, p50) = (percentile(&mut direct, 0.5), percentile(&mut proxied, 0.5));
        println!("Zoom answering in {zoom_ms} ms:");
        println!("  direct to the sandbox: p50 {}  p99 {}  (non-200: {direct_failed})", ms(d50), ms(percentile(&mut direct, 0.99)));
        println!("  through the proxy:     p50 {}  p99 {}  (non-200: {proxied_failed})", ms(p50), ms(percentile(&mut proxied, 0.99)));
        println!("  RATIO proxy / direct: p50 {:.2}x (+{})", p50.as_secs_f64() / d50.as_secs_f64(), ms(p50.saturating_sub(d50)));
    }

    println!("\n== {CALLERS} scripts (exec and the proxy) at once across a keepalive refresh ==");
    // A token with under 10 minutes left: due for keepalive, and short of what a handout
    // promises, so keepalive and every script want a new one at the same moment.
    bench.control("/settings", json!({"access_token_lifetime": 590})).await;
    {
        let (engine, id) = (engine.clone(), id.clone());
        on_app(app_rt, async move {
            let generation = engine.connection(&id).unwrap().generation;
            engine.refresh(&id, Want::Replace { generation }).await.unwrap();
        })
        .await;
    }
    bench.control("/settings", json!({"access_token_lifetime": 3599})).await;
    let before = bench.refreshes().await;
    let socket = bench.broker_dir().join(broker::SOCKET_FILE);
    let script = |i: usize, socket: &Path| -> Command {
        if i.is_multiple_of(2) {
            let mut c = bench.cli(&["exec", "Bench", "--", "sh", "-c", r#"for i in 1 2 3; do curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $ZOOM_ACCESS_TOKEN" "$ZOOM_API_URL/v2/users/me"; done"#]);
            c.stdout(std::process::Stdio::piped());
            c
        } else {
            let mut c = Command::new("sh");
            c.args(["-c", r#"for i in 1 2 3; do curl -s -o /dev/null -w '%{http_code}\n' --unix-socket "$0" http://localhost/zoom/Bench/v2/users/me; done"#])
                .arg(socket);
            c.stdout(std::process::Stdio::piped());
            c
        }
    };
    let children: Vec<_> = (0..CALLERS).map(|i| script(i, &socket).spawn().unwrap()).collect();
    // The app's keepalive runs meanwhile.
    let sweep = {
        let engine = engine.clone();
        on_app(app_rt, async move { engine.sweep(4).await }).await
    };
    let mut codes: Vec<String> = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        codes.extend(String::from_utf8_lossy(&out.stdout).lines().map(str::to_string));
    }
    let after = bench.refreshes().await;
    let unauthorized = codes.iter().filter(|c| c.as_str() == "401").count();
    let other = codes.iter().filter(|c| c.as_str() != "200" && c.as_str() != "401").count();
    println!(
        "calls: {}  answered 401: {unauthorized}  other non-200: {other}  rotations: {}  (keepalive sweep meanwhile: {} refreshed)",
        codes.len(),
        after - before,
        sweep.refreshed
    );
    on_app(app_rt, running.stop()).await;
}
