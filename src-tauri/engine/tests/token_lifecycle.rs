//! The one owner of every token write (src/tokens.rs): each path that touches a connection's
//! tokens — keepalive, Run keepalive now, Test, a handout, Reconnect, Delete, quitting — waits for
//! a rotation in flight instead of writing beside it. Each test holds a rotation at a named
//! moment (`Moment`) with a gate, starts the other path, checks that it waits, then lets the
//! rotation go, so every interleaving happens in one exact order.

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use serde_json::json;
use zoom_connections_engine::clock::FakeClock;
use zoom_connections_engine::model::{refresh_key, Status, SANDBOX_ORG_ID};
use zoom_connections_engine::vault::{Injected, SecretStore};
use zoom_connections_engine::{ErrorCode, Moment, Want};
use zoom_sandbox::user_agent::SignIn;

const OWNER: &str = "owner@contoso.example";
const ADMIN: &str = "admin@contoso.example";

fn real_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

async fn world_with_gate() -> (World, Arc<Gate>, Arc<Injected>, Arc<FakeClock>) {
    let clock = FakeClock::at(real_now());
    let store = Arc::new(Injected::over(secret_store()));
    let gate = Gate::new();
    let w = World::with_gate(clock.clone(), store.clone(), gate.clone()).await;
    (w, gate, store, clock)
}

async fn refreshes(w: &World) -> u64 {
    w.grants().await.iter().map(|g| g["refreshes"].as_u64().unwrap()).sum()
}

fn generation(w: &World, id: &str) -> u64 {
    w.engine.connection(id).unwrap().generation
}

/// Item 1: pairs kept in memory are written only by the connection's holder, never from a
/// snapshot beside a rotation in flight (a sweep used to write them first thing, unlocked).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sweep_writes_nothing_while_a_rotation_is_in_flight() {
    let (w, gate, store, clock) = world_with_gate().await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    // Rotation 1 cannot be written: its pair is kept in memory.
    store.fail_writes.store(true, Ordering::SeqCst);
    assert!(rotate(&w.engine, &id).await.is_err());
    let stored_before = w.tokens(&id);
    // Rotation 2 (a Test, Run keepalive now) uses the pair in memory and is held after Zoom's
    // answer: the only live refresh token is now in that answer.
    gate.arm(Moment::RotationAnswered, &id);
    let engine = w.engine.clone();
    let (rid, generation) = (id.clone(), generation(&w, &id));
    let rotation = tokio::spawn(async move { engine.refresh(&rid, Want::Replace { generation }).await });
    gate.reached().await;
    store.fail_writes.store(false, Ordering::SeqCst);
    clock.advance(3000);
    let engine = w.engine.clone();
    let sweep = tokio::spawn(async move { engine.sweep(4).await });
    assert!(still_waiting(&gate, &id, &sweep).await, "the sweep waits for the rotation in flight");
    assert_eq!(w.tokens(&id), stored_before, "nothing was written beside the rotation");
    gate.release();
    rotation.await.unwrap().unwrap();
    sweep.await.unwrap();
    assert!(w.stored_refresh_is_live(&id).await, "the keychain holds the live refresh token");
    assert_eq!(w.engine.connection(&id).unwrap().status, Status::Active);
}

/// Item 2: a Reconnect whose sign-in completes while a refresh of the old grant is in flight
/// stores the new grant after that refresh, so the refresh cannot put the old grant's token
/// (dead: the new sign-in ended it) over the new one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnect_waits_for_a_refresh_in_flight_and_keeps_the_new_grant() {
    let (w, gate, _store, _clock) = world_with_gate().await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    gate.arm(Moment::RotationAnswered, &id);
    let engine = w.engine.clone();
    let (rid, generation) = (id.clone(), generation(&w, &id));
    let rotation = tokio::spawn(async move { engine.refresh(&rid, Want::Replace { generation }).await });
    gate.reached().await;
    let flow = w.engine.begin_reconnect(&id).await.unwrap();
    let redirect = w.sign_in(&flow, SignIn::password(OWNER)).await;
    let engine = w.engine.clone();
    let reconnect = tokio::spawn(async move { engine.handle_callback(redirect.as_str()).await });
    assert!(still_waiting(&gate, &id, &reconnect).await, "the reconnect waits for the refresh in flight");
    gate.release();
    let _ = rotation.await.unwrap();
    reconnect.await.unwrap().unwrap();
    assert!(w.stored_refresh_is_live(&id).await, "the new grant's token is the one stored");
    assert_eq!(w.engine.connection(&id).unwrap().status, Status::Active);
    assert_eq!(rotate(&w.engine, &id).await.unwrap().status, Status::Active);
}

/// Item 2: a Delete while a refresh is in flight revokes the grant with the rotated token, after
/// the refresh has stored it: no live grant is left without a connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_waits_for_a_refresh_in_flight_and_revokes_the_live_grant() {
    let (w, gate, store, _clock) = world_with_gate().await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    gate.arm(Moment::RotationAnswered, &id);
    let engine = w.engine.clone();
    let (rid, generation) = (id.clone(), generation(&w, &id));
    let rotation = tokio::spawn(async move { engine.refresh(&rid, Want::Replace { generation }).await });
    gate.reached().await;
    let engine = w.engine.clone();
    let did = id.clone();
    let delete = tokio::spawn(async move { engine.delete(&did).await });
    assert!(still_waiting(&gate, &id, &delete).await, "the delete waits for the refresh in flight");
    gate.release();
    rotation.await.unwrap().unwrap();
    delete.await.unwrap().unwrap();
    assert!(w.engine.connection(&id).is_err());
    assert!(store.get(&refresh_key(&id)).unwrap().is_none(), "no token left in the keychain");
    let grants = w.grants().await;
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0]["status"], "revoked", "the grant is gone at Zoom too");
}

/// Item 3: what another caller has just rotated is not rotated again, and triggers that come
/// together share one rotation: 20 at once → 1; two engines sweeping at once → 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_triggers_and_sweeps_share_one_rotation() {
    let clock = FakeClock::at(real_now());
    let w = World::with_clock(clock.clone()).await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    let seen = generation(&w, &id);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let engine = w.engine.clone();
        let id = id.clone();
        tasks.spawn(async move { engine.refresh(&id, Want::Replace { generation: seen }).await.map(|(_, r)| r) });
    }
    let mut rotated = 0;
    while let Some(r) = tasks.join_next().await {
        if r.unwrap().unwrap() == zoom_connections_engine::Refreshed::Rotated {
            rotated += 1;
        }
    }
    assert_eq!((rotated, refreshes(&w).await), (1, 1), "20 triggers, one rotation");

    // The app and the command line sweep at once, when the connection is due.
    let other = w.reopen_with(clock.clone());
    w.advance(&clock, 3000).await;
    let (a, b) = tokio::join!(w.engine.sweep(4), other.sweep(4));
    assert_eq!(a.refreshed + b.refreshed, 1, "{a:?} {b:?}");
    assert_eq!(refreshes(&w).await, 2);
    assert!(w.stored_refresh_is_live(&id).await);
}

/// Item 4: quitting waits for a rotation in flight (bounded) and writes what the keychain
/// refused before; once quitting, no rotation starts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quitting_waits_for_a_rotation_in_flight_and_writes_what_was_kept() {
    let (w, gate, store, _clock) = world_with_gate().await;
    let first = w.connect(SANDBOX_ORG_ID, "first", OWNER).await.connection.id;
    let second = w.connect(SANDBOX_ORG_ID, "second", ADMIN).await.connection.id;
    // `second` has a rotated pair in memory only.
    store.fail_writes.store(true, Ordering::SeqCst);
    assert!(rotate(&w.engine, &second).await.is_err());
    assert!(!w.stored_refresh_is_live(&second).await);
    store.fail_writes.store(false, Ordering::SeqCst);
    // `first` is being rotated: Zoom has answered, nothing is written yet.
    gate.arm(Moment::RotationAnswered, &first);
    let engine = w.engine.clone();
    let (rid, generation) = (first.clone(), generation(&w, &first));
    let rotation = tokio::spawn(async move { engine.refresh(&rid, Want::Replace { generation }).await });
    gate.reached().await;
    let engine = w.engine.clone();
    let quit = tokio::spawn(async move { engine.shutdown(Duration::from_secs(10)).await });
    // Quitting waits for the holder paused at the gate: had it not, its report would say the
    // rotation was still held (below).
    gate.release();
    rotation.await.unwrap().unwrap();
    let report = quit.await.unwrap();
    assert_eq!((report.still_holding, report.unsaved), (0, 0), "{report:?}");
    assert!(w.stored_refresh_is_live(&first).await);
    assert!(w.stored_refresh_is_live(&second).await, "the pair kept in memory was written on the way out");
    // No rotation starts any more, and Zoom is not asked.
    let before = refreshes(&w).await;
    let err = rotate(&w.engine, &first).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ShuttingDown);
    assert_eq!(refreshes(&w).await, before);
}

/// Item 5: a Reconnect must sign in the same Zoom user. Anyone else is refused with both users
/// named, and nothing changes for the connection; the new grant (that user's newest) renews that
/// user's own connection in the org, which the sign-in would otherwise have ended.
#[tokio::test]
async fn reconnect_as_another_zoom_user_is_refused_and_changes_nothing() {
    let w = World::new().await;
    let prod = w.connect(SANDBOX_ORG_ID, "Prod", OWNER).await.connection;
    let admins = w.connect(SANDBOX_ORG_ID, "Admin's", ADMIN).await.connection;
    let prod_tokens = w.tokens(&prod.id);
    let flow = w.engine.begin_reconnect(&prod.id).await.unwrap();
    // The browser is signed in to Zoom as the admin.
    let redirect = w.sign_in(&flow, SignIn::password(ADMIN)).await;
    let err = w.engine.handle_callback(redirect.as_str()).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::WrongZoomUser);
    assert!(err.message.contains(OWNER) && err.message.contains(ADMIN) && err.message.contains("Prod"), "{}", err.message);
    let after = w.engine.connection(&prod.id).unwrap();
    assert_eq!((after.identity.user_id, after.identity.email.as_str()), (prod.identity.user_id.clone(), OWNER));
    assert_eq!(w.tokens(&prod.id), prod_tokens, "Prod's tokens are untouched");
    assert!(w.stored_refresh_is_live(&prod.id).await);
    // The admin's own connection took the new grant and lives on.
    assert!(err.message.contains("renewed “Admin's”"), "{}", err.message);
    assert!(w.stored_refresh_is_live(&admins.id).await);
    assert_eq!(w.engine.connection(&admins.id).unwrap().status, Status::Active);
    // Another account entirely: refused the same way.
    let flow = w.engine.begin_reconnect(&prod.id).await.unwrap();
    let redirect = w.sign_in(&flow, SignIn::password("helpdesk@contoso.example")).await;
    assert_eq!(w.engine.handle_callback(redirect.as_str()).await.unwrap_err().code, ErrorCode::WrongZoomUser);
    assert_eq!(w.engine.connections().len(), 2);
}

/// Item 6: only a revocation Zoom confirmed, or a grant a refresh proved gone, lets Delete forget
/// a connection; a proxy's 403 leaves everything as it was.
#[tokio::test]
async fn delete_keeps_the_connection_when_zoom_does_not_confirm() {
    let w = World::new().await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    for fault in [json!({"kind": "proxy_page", "status": 403}), json!({"kind": "proxy_page", "status": 404})] {
        w.control("/faults", json!({"endpoint": "revoke", "fault": fault, "count": 1})).await;
        let err = w.engine.delete(&id).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::ZoomBadResponse, "{fault}");
        assert!(err.message.contains("Nothing was deleted"), "{}", err.message);
        assert!(w.engine.connection(&id).is_ok());
        assert!(w.stored_refresh_is_live(&id).await);
        assert_eq!(w.grants().await[0]["status"], "active");
    }
    // An already uninstalled grant: the revoke is refused, a refresh proves it gone, deleted.
    w.control("/uninstall", json!({"email": OWNER, "client_id": "sandbox-public"})).await;
    w.engine.delete(&id).await.unwrap();
    assert!(w.engine.connection(&id).is_err());
}

/// Item 6: Delete revokes the grant the connection really has — with the rotated tokens kept
/// in memory after a keychain write failed, not the dead ones in the keychain.
#[tokio::test]
async fn delete_revokes_with_the_tokens_kept_in_memory() {
    let clock = FakeClock::at(real_now());
    let store = Arc::new(Injected::over(secret_store()));
    let w = World::build(clock.clone(), store.clone(), None).await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    store.fail_writes.store(true, Ordering::SeqCst);
    assert!(rotate(&w.engine, &id).await.is_err());
    assert!(!w.stored_refresh_is_live(&id).await, "the keychain holds a dead token");
    w.engine.delete(&id).await.unwrap();
    assert!(w.engine.connection(&id).is_err());
    assert_eq!(w.grants().await[0]["status"], "revoked", "the live grant was revoked, not forgotten");
}

/// Item 7: a Test that Zoom answers 401 code 124 is confirmed by a refresh, and a grant proved
/// gone reaches the connection's status.
#[tokio::test]
async fn a_test_that_proves_the_grant_gone_reaches_the_status() {
    let w = World::new().await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    w.control("/uninstall", json!({"email": OWNER, "client_id": "sandbox-public"})).await;
    let err = w.engine.test_connection(&id).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ZoomInvalidGrant);
    assert_eq!(w.engine.connection(&id).unwrap().status, Status::NeedsReconnect);
}

/// Item 10: a `Retry-After` far in the future parks a connection for at most an hour, and says so.
#[tokio::test]
async fn a_huge_retry_after_is_capped_and_announced() {
    let clock = FakeClock::at(real_now());
    let w = World::with_clock(clock.clone()).await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    let mut events = w.engine.subscribe();
    w.advance(&clock, 3000).await;
    w.control("/faults", json!({"endpoint": "refresh", "fault": {"kind": "rate_limit", "retry_after": 999_999_999_999u64}, "count": 1})).await;
    w.engine.tick(&mut Default::default(), 4).await;
    let c = w.engine.connection(&id).unwrap();
    assert_eq!(c.status, Status::Retrying);
    let wait = c.next_attempt_at.unwrap() - clock.now_secs();
    assert!((3600..=3600 + 40).contains(&wait), "{wait}");
    let announced = std::iter::from_fn(|| events.try_recv().ok())
        .any(|e| matches!(e, zoom_connections_engine::EngineEvent::Attention { ref connection_id, .. } if *connection_id == id));
    assert!(announced, "the user hears that Zoom asked to wait longer than the app will");
}

/// Item 11: an id from the window or the command line is checked before any path or keychain
/// name is built from it.
#[tokio::test]
async fn ids_are_checked_before_any_file_is_touched() {
    let w = World::new().await;
    let outside = w.data_dir.parent().unwrap().join("zc-escape-test");
    for bad in ["../../zc-escape-test", "../x", "a/b", "", "c1\u{0}", &"x".repeat(100)] {
        assert_eq!(rotate(&w.engine, bad).await.unwrap_err().code, ErrorCode::NotFound, "{bad:?}");
        assert_eq!(w.engine.hand_out(bad).await.unwrap_err().code, ErrorCode::NotFound);
        assert_eq!(w.engine.delete(bad).await.unwrap_err().code, ErrorCode::NotFound);
        assert_eq!(w.engine.delete_locally(bad).await.unwrap_err().code, ErrorCode::NotFound);
        assert_eq!(w.engine.test_connection(bad).await.unwrap_err().code, ErrorCode::NotFound);
        assert_eq!(w.engine.begin_reconnect(bad).await.unwrap_err().code, ErrorCode::NotFound);
    }
    assert!(!outside.with_extension("lock").exists() && !outside.exists());
    let locks = w.data_dir.join("locks");
    let made: Vec<_> = std::fs::read_dir(&locks).map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect()).unwrap_or_default();
    assert!(made.is_empty(), "lock files made for refused ids: {made:?}");
}

/// Invariant 9: a caller that goes away at the worst moment — a script hanging up on the broker
/// after Zoom has rotated, before the keychain write — leaves the rotation to finish on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_goes_away_does_not_stop_a_rotation() {
    let (w, gate, _store, clock) = world_with_gate().await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    let before = generation(&w, &id);
    // Due: a handout must rotate first.
    clock.advance(3300);
    gate.arm(Moment::RotationAnswered, &id);
    let engine = w.engine.clone();
    let rid = id.clone();
    let caller = tokio::spawn(async move { engine.hand_out(&rid).await });
    gate.reached().await;
    caller.abort();
    assert!(caller.await.unwrap_err().is_cancelled());
    gate.release();
    for _ in 0..100 {
        if generation(&w, &id) > before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(generation(&w, &id), before + 1, "the rotation finished without its caller");
    assert!(w.stored_refresh_is_live(&id).await, "the keychain holds the live refresh token");
}

/// Invariant 8, the other way: handouts in a row read the keychain once, not once per handout
/// (the check compared only with the previous turn, so a second read in the same turn missed
/// and every handout cost a keychain trip: ~1 ms of the broker's 0.1).
#[tokio::test]
async fn handouts_in_a_row_read_the_keychain_once() {
    let store = Arc::new(Injected::over(secret_store()));
    let w = World::build(Arc::new(zoom_connections_engine::clock::SystemClock), store.clone(), None).await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    w.engine.hand_out(&id).await.unwrap();
    let reads = store.reads.load(Ordering::SeqCst);
    for _ in 0..5 {
        w.engine.hand_out(&id).await.unwrap();
    }
    assert_eq!(store.reads.load(Ordering::SeqCst), reads, "no keychain read for the handouts that followed");
}

/// Invariant 8: a pair this process read is not reused after another process held the
/// connection — here one that rotated at Zoom, wrote the keychain and died before it could
/// write the new generation (what the SIGKILL test once caught the reuse missing).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pair_read_before_another_process_held_the_connection_is_not_reused() {
    let (w, _gate, _store, _clock) = world_with_gate().await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    // This process reads the pair (and would reuse it for a few seconds).
    w.engine.hand_out(&id).await.unwrap();
    // Another process takes its turn at the lock, rotates at Zoom, writes the keychain and dies
    // before writing the state: the generation is unchanged.
    w.reopen().hand_out(&id).await.unwrap();
    let (_, refresh) = w.tokens(&id);
    let answer: serde_json::Value = w
        .http
        .post(format!("{}/oauth/token", w.sandbox_url))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh.as_str()), ("client_id", "sandbox-public")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rotated = answer["refresh_token"].as_str().unwrap();
    w.secrets.set(&refresh_key(&id), &zoom_connections_engine::Secret::new(rotated)).unwrap();
    w.secrets.set(&zoom_connections_engine::model::access_key(&id), &zoom_connections_engine::Secret::new(answer["access_token"].as_str().unwrap())).unwrap();
    // This process rotates next: it must use what is in the keychain now, not what it read.
    assert_eq!(rotate(&w.engine, &id).await.unwrap().status, Status::Active);
    assert!(w.stored_refresh_is_live(&id).await);
}

/// Invariant 3 (docs/architecture.md, Token invariants): a rotation's new refresh token is in the
/// keychain before the new access token is, so a process that dies between the two writes —
/// here the access token's write refused — leaves a keychain another process goes on from. On
/// the real Secret Service in `make test`.
#[tokio::test]
async fn the_refresh_token_is_stored_before_the_access_token() {
    let clock = FakeClock::at(real_now());
    let store = Arc::new(Injected::over(secret_store()));
    let w = World::build(clock.clone(), store.clone(), None).await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    *store.fail_writes_of.lock().unwrap() = Some("/access".into());
    assert!(rotate(&w.engine, &id).await.is_err(), "the access token's write failed");
    *store.fail_writes_of.lock().unwrap() = None;
    assert!(w.stored_refresh_is_live(&id).await, "the rotated refresh token reached the keychain before the access token's write");
    // Another process, from the keychain alone (nothing kept in its memory), goes on.
    let other = w.reopen_with(clock.clone());
    assert_eq!(rotate(&other, &id).await.unwrap().status, Status::Active);
}
