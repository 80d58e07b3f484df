//! Keepalive against the sandbox, moving the sandbox's clock and the engine's together instead
//! of sleeping.

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use serde_json::json;
use zoom_connections_engine::clock::FakeClock;
use zoom_connections_engine::model::{Status, SANDBOX_ORG_ID};
use zoom_connections_engine::reasons::StatusReason;
use zoom_connections_engine::vault::Injected;
use zoom_connections_engine::TickState;

const OWNER: &str = "owner@contoso.example";

fn real_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

async fn world() -> (World, Arc<FakeClock>) {
    let clock = FakeClock::at(real_now());
    (World::with_clock(clock.clone()).await, clock)
}

async fn refreshes(w: &World) -> u64 {
    w.grants().await.iter().map(|g| g["refreshes"].as_u64().unwrap()).sum()
}

async fn attempts(w: &World) -> u64 {
    w.grants().await.iter().flat_map(|g| g["tokens"].as_array().unwrap().clone()).map(|t| t["refresh_attempts"].as_u64().unwrap()).sum()
}

#[tokio::test]
async fn a_connection_stays_active_for_48_hours() {
    let (w, clock) = world().await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    // This test's own checks call the API several times a second: lift the account's QPS limit.
    w.control("/settings", json!({"qps_limits": {"acct_contoso": 10_000}})).await;
    let mut state = TickState::default();
    let mut old_refresh_tokens = Vec::new();
    let mut elapsed = 0;
    // Steps of 50 minutes: each one brings the token inside the 10-minute margin.
    while elapsed < 48 * 3600 {
        let (access, refresh) = w.tokens(&id);
        assert_eq!(w.me_status(&access).await, 200, "the access token had expired at +{elapsed}s: a gap");
        w.advance(&clock, 3000).await;
        elapsed += 3000;
        assert_eq!(w.me_status(&access).await, 200, "the access token expired before its refresh at +{elapsed}s");
        let report = w.engine.tick(&mut state, 4).await;
        assert_eq!((report.refreshed, report.failed), (1, 0), "at +{elapsed}s");
        old_refresh_tokens.push(refresh);
        assert_eq!(w.engine.connection(&id).unwrap().status, Status::Active);
    }
    assert!(refreshes(&w).await >= 48);
    for old in &old_refresh_tokens {
        assert_eq!(w.refresh_status("sandbox-public", old).await, 400, "an old refresh token still works");
    }
    let history = w.engine.history(&id);
    assert!(history.iter().filter(|e| e.kind == zoom_connections_engine::history::EventKind::Refreshed).count() >= 28, "24 h of history kept");
}

#[tokio::test]
async fn a_hundred_concurrent_triggers_make_one_refresh() {
    let (w, clock) = world().await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    w.advance(&clock, 3000).await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let engine = w.engine.clone();
        let id = id.clone();
        tasks.spawn(async move { refresh_due(&engine, &id, 600).await.map(|c| c.status) });
    }
    while let Some(r) = tasks.join_next().await {
        assert_eq!(r.unwrap().unwrap(), Status::Active);
    }
    assert_eq!(refreshes(&w).await, 1);
    let (access, _) = w.tokens(&id);
    assert_eq!(w.me_status(&access).await, 200);
}

#[tokio::test]
async fn two_engines_on_the_same_data_refresh_once() {
    // The app and the command line: two engines, one data directory, one keychain.
    let (w, clock) = world().await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    let other = w.reopen_with(clock.clone());
    w.advance(&clock, 3000).await;
    let (a, b) = tokio::join!(refresh_due(&w.engine, &id, 600), refresh_due(&other, &id, 600));
    a.unwrap();
    b.unwrap();
    assert_eq!(refreshes(&w).await, 1, "one rotation");
    let (access, refresh) = w.tokens(&id);
    assert_eq!(w.me_status(&access).await, 200);
    // And the stored refresh token is the live one.
    w.advance(&clock, 3000).await;
    assert_eq!(refresh_due(&other, &id, 600).await.unwrap().status, Status::Active);
    assert_eq!(w.refresh_status("sandbox-public", &refresh).await, 400, "rotated again");
}

async fn arm(w: &World, fault: serde_json::Value) {
    w.control("/faults", json!({"endpoint": "refresh", "fault": fault, "count": 1})).await;
}

#[tokio::test]
async fn each_transient_fault_retries_and_recovers_by_itself() {
    let clock = FakeClock::at(real_now());
    let w = World::build(clock.clone(), secret_store(), Some(Duration::from_secs(3))).await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    let mut state = TickState::default();
    for fault in [
        json!({"kind": "http500"}),
        json!({"kind": "rate_limit", "retry_after": 240}),
        json!({"kind": "delay", "millis": 5000}),
        json!({"kind": "reset"}),
        json!({"kind": "malformed_json"}),
    ] {
        w.advance(&clock, 3000).await;
        arm(&w, fault.clone()).await;
        if fault["kind"] != "rate_limit" && fault["kind"] != "delay" {
            // No usable answer to a refresh Zoom may have carried out is asked again at once
            // (tests/lost_answer.rs; not after a timeout, which used the request's whole time):
            // the second ask fails too, so that backoff is what is seen.
            arm(&w, fault.clone()).await;
        }
        let report = w.engine.tick(&mut state, 4).await;
        assert_eq!(report.failed, 1, "{fault}");
        let c = w.engine.connection(&id).unwrap();
        assert_eq!(c.status, Status::Retrying, "{fault}");
        // The timeline's event carries the reason typed, as the connection does, so that the
        // window can say it in Japanese too.
        let failed = w.engine.history(&id).into_iter().rev().find(|e| e.kind == zoom_connections_engine::history::EventKind::Failed).unwrap();
        assert!(matches!(failed.why, Some(StatusReason::Failing { .. })), "{fault}: {:?}", failed.why);
        assert_eq!(failed.why, c.reason, "{fault}");
        let wait = c.next_attempt_at.unwrap() - clock.now_secs();
        if fault["kind"] == "rate_limit" {
            assert!(wait >= 240, "Retry-After honoured: {wait}");
        } else {
            assert!((24..=36).contains(&wait), "backoff with jitter: {wait}");
        }
        // Not before its time.
        let before = attempts(&w).await;
        w.engine.tick(&mut state, 4).await;
        assert_eq!(attempts(&w).await, before, "{fault}: retried too early");
        w.advance(&clock, wait).await;
        // A delayed refresh may have gone through at the sandbox after the client gave up:
        // then the connection is lost (docs/zoom.md, Tokens: lifetimes and rotation), which the test must not hide.
        let report = w.engine.tick(&mut state, 4).await;
        let c = w.engine.connection(&id).unwrap();
        if fault["kind"] == "delay" && c.status == Status::NeedsReconnect {
            panic!("the delayed refresh rotated at Zoom after the timeout: {report:?}");
        }
        assert_eq!(c.status, Status::Active, "{fault}: {report:?} {:?}", c.status_reason);
        assert_eq!(c.consecutive_failures, 0);
    }
}

#[tokio::test]
async fn permanent_failures_need_the_user_and_stop_the_attempts() {
    let (w, clock) = world().await;
    let granted = w.connect(SANDBOX_ORG_ID, "invalid grant", OWNER).await.connection.id;
    let uninstalled = w.connect(SANDBOX_ORG_ID, "uninstalled", "admin@contoso.example").await.connection.id;
    let mut state = TickState::default();
    w.advance(&clock, 3000).await;
    arm(&w, json!({"kind": "invalid_grant"})).await;
    w.control("/uninstall", json!({"email": "admin@contoso.example", "client_id": "sandbox-public"})).await;
    w.engine.tick(&mut state, 1).await;
    // Zoom's token endpoint does not say why (no 4741 or uninstall number in its answer).
    let gone = "deauthorized or uninstalled in Zoom, or replaced by a newer sign-in";
    for (id, reason) in [(&granted, gone), (&uninstalled, gone)] {
        let c = w.engine.connection(id).unwrap();
        assert_eq!(c.status, Status::NeedsReconnect);
        assert_eq!(c.status_reason.as_deref(), Some(reason));
        let ended = w.engine.history(id).into_iter().rev().find(|e| e.kind == zoom_connections_engine::history::EventKind::NeedsReconnect).unwrap();
        assert!(matches!(ended.why, Some(StatusReason::Refused { .. })), "{:?}", ended.why);
        assert_eq!(ended.why, c.reason);
    }
    let before = attempts(&w).await;
    for _ in 0..3 {
        w.advance(&clock, 3000).await;
        let report = w.engine.tick(&mut state, 4).await;
        assert_eq!(report.needing_user, 2);
    }
    assert_eq!(attempts(&w).await, before, "no further attempts");
}

#[tokio::test]
async fn a_newer_grant_for_the_same_user_elsewhere_ends_the_connection() {
    let (w, clock) = world().await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    // The same user authorizes the app elsewhere (another machine, another tool). Zoom's
    // refresh answer does not say so (no 4741): the reason names every possibility.
    w.control("/grants", json!({"email": OWNER, "client_id": "sandbox-public"})).await;
    w.advance(&clock, 3000).await;
    w.engine.tick(&mut TickState::default(), 4).await;
    let c = w.engine.connection(&id).unwrap();
    assert_eq!(c.status, Status::NeedsReconnect);
    assert!(c.status_reason.unwrap().contains("replaced by a newer sign-in"));
}

#[tokio::test]
async fn a_wall_clock_jump_is_noticed_and_recovered() {
    let (w, clock) = world().await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    let mut state = TickState::default();
    assert!(w.engine.tick(&mut state, 4).await.clock_jump_secs.is_none());
    // The laptop slept for 3 hours: the token died meanwhile.
    w.advance(&clock, 3 * 3600).await;
    let (access, _) = w.tokens(&id);
    assert_eq!(w.me_status(&access).await, 401);
    let report = w.engine.tick(&mut state, 4).await;
    assert!(report.clock_jump_secs.is_some_and(|s| s >= 3 * 3600 - 5), "{report:?}");
    assert_eq!(report.refreshed, 1);
    let (access, _) = w.tokens(&id);
    assert_eq!(w.me_status(&access).await, 200);
}

#[tokio::test]
async fn a_refused_keychain_write_keeps_the_tokens_and_retries() {
    let clock = FakeClock::at(real_now());
    let store = Arc::new(Injected::over(secret_store()));
    let w = World::build(clock.clone(), store.clone(), None).await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    w.advance(&clock, 3000).await;
    store.fail_writes.store(true, Ordering::SeqCst);
    let report = w.engine.tick(&mut TickState::default(), 4).await;
    assert_eq!(report.failed, 1);
    let c = w.engine.connection(&id).unwrap();
    assert_eq!(c.status, Status::Retrying);
    assert!(c.status_reason.unwrap().contains("kept in memory"));
    // The rotated token is served from memory: it is the only valid one now.
    let access = w.engine.access_token(&id).await.unwrap();
    assert_eq!(w.me_status(access.expose()).await, 200);
    store.fail_writes.store(false, Ordering::SeqCst);
    w.engine.tick(&mut TickState::default(), 4).await;
    let (stored_access, stored_refresh) = w.tokens(&id);
    assert_eq!(stored_access, access.expose());
    assert_eq!(w.engine.connection(&id).unwrap().status, Status::Active);
    assert_eq!(refreshes(&w).await, 1, "no second rotation was needed");
    // The saved refresh token is the live one.
    assert_eq!(w.refresh_status("sandbox-public", &stored_refresh).await, 200);
}

#[tokio::test]
async fn an_unreadable_keychain_shows_as_retrying() {
    let clock = FakeClock::at(real_now());
    let store = Arc::new(Injected::over(secret_store()));
    let w = World::build(clock.clone(), store.clone(), None).await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    w.advance(&clock, 3000).await;
    store.fail.store(true, Ordering::SeqCst);
    w.engine.tick(&mut TickState::default(), 4).await;
    let c = w.engine.connection(&id).unwrap();
    assert_eq!(c.status, Status::Retrying);
    assert!(c.status_reason.unwrap().contains("no keychain service reachable"));
    store.fail.store(false, Ordering::SeqCst);
    w.advance(&clock, 40).await;
    w.engine.tick(&mut TickState::default(), 4).await;
    assert_eq!(w.engine.connection(&id).unwrap().status, Status::Active);
}

#[tokio::test]
async fn run_now_notices_an_uninstall_before_the_next_refresh() {
    let (w, _clock) = world().await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    let mut events = w.engine.subscribe();
    w.control("/uninstall", json!({"email": OWNER, "client_id": "sandbox-public"})).await;
    // Not due for 50 minutes: the scheduler alone would notice only then.
    assert_eq!(w.engine.sweep(4).await.refreshed, 0);
    assert_eq!(w.engine.connection(&id).unwrap().status, Status::Active);
    let report = w.engine.check_now(4).await;
    assert_eq!(report.failed, 1);
    let c = w.engine.connection(&id).unwrap();
    assert_eq!(c.status, Status::NeedsReconnect);
    assert_eq!(c.status_reason.as_deref(), Some("deauthorized or uninstalled in Zoom, or replaced by a newer sign-in"));
    let mut saw_change = false;
    while let Ok(e) = events.try_recv() {
        if let zoom_connections_engine::EngineEvent::StatusChanged { to: Status::NeedsReconnect, .. } = e {
            saw_change = true;
        }
    }
    assert!(saw_change, "a status change is announced (for notifications)");
    // Reconnecting brings it back, announced as a recovery.
    let flow = w.engine.begin_reconnect(&id).await.unwrap();
    let redirect = w.sign_in(&flow, zoom_sandbox::user_agent::SignIn::password(OWNER)).await;
    w.engine.handle_callback(redirect.as_str()).await.unwrap();
    assert_eq!(w.engine.connection(&id).unwrap().status, Status::Active);
    let recovered = std::iter::from_fn(|| events.try_recv().ok())
        .any(|e| matches!(e, zoom_connections_engine::EngineEvent::StatusChanged { from: Status::NeedsReconnect, to: Status::Active, .. }));
    assert!(recovered);
}
