//! `make bench`: what keepalive costs. Prints figures; asserts nothing about time.
//! - a sweep of N connections (all due) against the sandbox, beside a bare reqwest loop doing
//!   the same refreshes at the same concurrency (and one that also probes, as the engine does),
//!   on loopback and again with Zoom answering in 50 ms (the sandbox's delay fault);
//! - the engine's heap per connection;
//! - the scheduler's wake-ups per minute when idle;
//! - the heap of the sandbox the app embeds, at its start.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use zoom_connections_engine::model::{refresh_key, SANDBOX_ORG_ID};
use zoom_connections_engine::vault::{MemoryStore, SecretStore, SharedStore};
use zoom_connections_engine::Secret;
use zoom_connections_engine::{Engine, EngineConfig, DEFAULT_CONCURRENCY};
use zoom_sandbox::seed::User;
use zoom_sandbox::user_agent::{SignIn, UserAgent};
use zoom_sandbox::{SandboxConfig, Seed};

/// Counts live heap bytes, for memory per connection.
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

fn connections_wanted() -> usize {
    std::env::var("ZC_BENCH_CONNECTIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000)
}

/// The built-in seed plus `n` more admins in the SSO account, each a distinct Zoom user (Zoom
/// keeps one grant per user and app).
fn seed(n: usize) -> Seed {
    let mut seed = Seed::builtin();
    let template = seed.users.iter().find(|u| u.email == "admin@contoso.example").cloned().unwrap();
    for i in 0..n {
        seed.users.push(User { id: format!("usr_bench_{i}"), email: format!("bench{i}@contoso.example"), google: None, facebook: None, ..template.clone() });
    }
    seed
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let data_dir = rt.block_on(sweep_benchmark());
    drop(rt);
    heap_per_connection(&data_dir, connections_wanted());
    idle_wakeups();
    embedded_sandbox_heap();
}

/// What the sandbox embedded in the app holds when it starts (it runs in every mode): its heap
/// with the built-in seed, measured like the engine's.
fn embedded_sandbox_heap() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let before = LIVE.load(Ordering::Relaxed);
    let sandbox = rt.block_on(zoom_sandbox::start(SandboxConfig::default())).unwrap();
    let after = LIVE.load(Ordering::Relaxed);
    println!("embedded sandbox at start: {:.1} KiB of heap (built-in seed)", (after - before) as f64 / 1024.0);
    drop(sandbox);
}

async fn sweep_benchmark() -> std::path::PathBuf {
    let n = connections_wanted();
    let sandbox = zoom_sandbox::start(SandboxConfig { seed: seed(n), ..SandboxConfig::for_tests() }).await.unwrap();
    let base = sandbox.base_url();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-sandbox-control", sandbox.control_secret().unwrap().parse().unwrap());
    let http = reqwest::Client::builder().default_headers(headers).build().unwrap();
    // Tokens issued with 30 s left are always due; no QPS limit gets in the way of a benchmark.
    // The bare loops below hold every token at once, so the sandbox's one live access token
    // per user and app must not get in their way either.
    http.post(format!("{base}/_sandbox/settings"))
        .json(&json!({"access_token_lifetime": 30, "qps_limits": {"acct_contoso": 1_000_000}, "access_token_tolerance": {"sandbox-public": null}}))
        .send()
        .await
        .unwrap();
    let data_dir = std::env::temp_dir().join(format!("zc-bench-{}", std::process::id()));
    let store = Arc::new(MemoryStore::default());
    let secrets: SharedStore = store.clone();
    let mut config = EngineConfig::new(data_dir.clone(), secrets.clone());
    config.sandbox_url = Some(base.clone());
    let engine = Engine::open(config).unwrap();

    println!("== keepalive benchmark: {n} connections, concurrency {DEFAULT_CONCURRENCY}, sandbox on loopback, in-memory secret store");
    let started = Instant::now();
    let agent = Arc::new(UserAgent::new());
    let mut tasks = tokio::task::JoinSet::new();
    let permits = Arc::new(tokio::sync::Semaphore::new(8));
    for i in 0..n {
        let (engine, agent, permits) = (engine.clone(), agent.clone(), permits.clone());
        tasks.spawn(async move {
            let _p = permits.acquire_owned().await;
            let flow = engine.begin_create(SANDBOX_ORG_ID, &format!("bench {i}")).await.unwrap();
            let redirect = agent.authorize(&flow.authorize_url, &SignIn::password(&format!("bench{i}@contoso.example")), true).await.unwrap();
            engine.handle_callback(redirect.as_str()).await.unwrap();
        });
    }
    while tasks.join_next().await.is_some() {}
    println!("setup: {n} connections created through the sandbox's pages in {:.1} s", started.elapsed().as_secs_f64());

    // The engine: refresh (+ probe, + keychain-style store, + metadata) every due connection.
    let started = Instant::now();
    let report = engine.sweep(DEFAULT_CONCURRENCY).await;
    let engine_time = started.elapsed();
    assert_eq!(report.refreshed, n, "{report:?}");

    // The bare loop: the same refreshes, at the same concurrency, tokens kept in a HashMap.
    let ids: Vec<String> = engine.connections().into_iter().map(|c| c.id).collect();
    let tokens: HashMap<String, String> = ids.iter().map(|id| (id.clone(), store.get(&refresh_key(id)).unwrap().unwrap().expose().to_string())).collect();
    let bare = |probe: bool, tokens: HashMap<String, String>| {
        let http = http.clone();
        let base = base.clone();
        async move {
            let permits = Arc::new(tokio::sync::Semaphore::new(DEFAULT_CONCURRENCY));
            let mut tasks = tokio::task::JoinSet::new();
            let started = Instant::now();
            for (id, rt) in tokens {
                let (http, base, permits) = (http.clone(), base.clone(), permits.clone());
                tasks.spawn(async move {
                    let _p = permits.acquire_owned().await;
                    let res: Value = http
                        .post(format!("{base}/oauth/token"))
                        .form(&[("grant_type", "refresh_token"), ("refresh_token", rt.as_str()), ("client_id", "sandbox-public")])
                        .send()
                        .await
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                    let access = res["access_token"].as_str().unwrap().to_string();
                    if probe {
                        let me = http.get(format!("{base}/v2/users/me")).bearer_auth(&access).send().await.unwrap();
                        assert!(me.status().is_success());
                    }
                    (id, res["refresh_token"].as_str().unwrap().to_string())
                });
            }
            let mut next = HashMap::new();
            while let Some(r) = tasks.join_next().await {
                let (id, rt) = r.unwrap();
                next.insert(id, rt);
            }
            (started.elapsed(), next)
        }
    };
    let (bare_time, tokens) = bare(false, tokens).await;
    let (bare_probe_time, rotated) = bare(true, tokens).await;
    let per = |d: Duration| d.as_secs_f64() * 1e3 / n as f64;
    println!("engine sweep (refresh + probe + store + metadata): {:>8.2} s  {:>6.2} ms/connection", engine_time.as_secs_f64(), per(engine_time));
    println!("bare reqwest loop (refresh only):                  {:>8.2} s  {:>6.2} ms/connection", bare_time.as_secs_f64(), per(bare_time));
    println!("bare reqwest loop (refresh + probe):               {:>8.2} s  {:>6.2} ms/connection", bare_probe_time.as_secs_f64(), per(bare_probe_time));
    println!(
        "ratio engine / bare: {:.2}x (refresh only), {:.2}x (refresh + probe)",
        engine_time.as_secs_f64() / bare_time.as_secs_f64(),
        engine_time.as_secs_f64() / bare_probe_time.as_secs_f64()
    );
    let stats = engine.persist_stats();
    println!("loss window: request mean {} µs, answer -> stored mean {} µs (in-memory store)", stats.request_mean_micros, stats.mean_micros);

    // The same over a real network's latency: Zoom answering each refresh and each probe after
    // 50 ms (the sandbox's delay fault, armed for exactly the engine's and the bare loop's calls). Every token is due again (30 s lifetimes); the bare
    // loops rotated the refresh tokens last, so the engine gets the live ones back first.
    for (id, rt) in &rotated {
        store.set(&refresh_key(id), &Secret::new(rt.clone())).unwrap();
    }
    for endpoint in ["refresh", "users_me"] {
        let armed = http
            .post(format!("{base}/_sandbox/faults"))
            .json(&json!({"endpoint": endpoint, "fault": {"kind": "delay", "millis": 50}, "count": 2 * n}))
            .send()
            .await
            .unwrap();
        assert!(armed.status().is_success(), "arming the delay: {}", armed.text().await.unwrap_or_default());
    }
    let started = Instant::now();
    let report = engine.sweep(DEFAULT_CONCURRENCY).await;
    let engine_slow = started.elapsed();
    assert_eq!(report.refreshed, n, "{report:?}");
    let tokens: HashMap<String, String> = ids.iter().map(|id| (id.clone(), store.get(&refresh_key(id)).unwrap().unwrap().expose().to_string())).collect();
    let (bare_slow, _) = bare(true, tokens).await;
    println!(
        "Zoom answering in 50 ms: engine sweep {:>8.2} s ({:.2} ms/connection), bare reqwest loop (refresh + probe) {:>8.2} s ({:.2} ms/connection), ratio {:.2}x",
        engine_slow.as_secs_f64(),
        per(engine_slow),
        bare_slow.as_secs_f64(),
        per(bare_slow),
        engine_slow.as_secs_f64() / bare_slow.as_secs_f64()
    );

    drop(engine);
    data_dir
}

/// Heap per connection, measured with nothing else running: an engine opened on the full data
/// directory minus one opened on an empty one.
fn heap_per_connection(data_dir: &std::path::Path, n: usize) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let heap_of = |dir: &std::path::Path| {
        let _guard = rt.enter();
        let before = LIVE.load(Ordering::Relaxed);
        let engine = Engine::open(EngineConfig::new(dir.to_path_buf(), Arc::new(MemoryStore::default()))).unwrap();
        let after = LIVE.load(Ordering::Relaxed);
        (engine.connections().len(), after - before)
    };
    let empty = std::env::temp_dir().join(format!("zc-bench-empty-{}", std::process::id()));
    let (_, base) = heap_of(&empty);
    let (count, full) = heap_of(data_dir);
    assert_eq!(count, n);
    println!("engine heap: {:.1} KiB for {n} connections, {:.2} KiB per connection", (full - base) as f64 / 1024.0, (full - base) as f64 / 1024.0 / n as f64);
    let _ = std::fs::remove_dir_all(&empty);
    let _ = std::fs::remove_dir_all(data_dir);
}

/// Wake-ups of an idle engine (no connection due) over one minute of (paused, simulated) time.
fn idle_wakeups() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().unwrap();
    rt.block_on(async {
        let dir = std::env::temp_dir().join(format!("zc-bench-idle-{}", std::process::id()));
        let engine = Engine::open(EngineConfig::new(dir.clone(), Arc::new(MemoryStore::default()))).unwrap();
        let runner = engine.clone();
        let task = tokio::spawn(async move { runner.run_keepalive(zoom_connections_engine::DEFAULT_TICK, DEFAULT_CONCURRENCY).await });
        tokio::time::sleep(Duration::from_millis(1)).await;
        let first = engine.ticks();
        tokio::time::sleep(Duration::from_secs(600)).await;
        let per_minute = (engine.ticks() - first) as f64 / 10.0;
        println!("idle engine: {per_minute:.1} scheduler wake-ups per minute (tick {:?})", zoom_connections_engine::DEFAULT_TICK);
        task.abort();
        let _ = std::fs::remove_dir_all(&dir);
    });
}
