//! Zoom rotated, and its answer was lost (docs/zoom.md, Tokens: a lost answer): the refresh is
//! asked again at once with the same refresh token, which saves the connection wherever Zoom
//! allows it (the request never reached Zoom, or Zoom answers a just-rotated token again), and
//! where Zoom does not, the connection needs a new sign-in and says that its answer was lost —
//! in the status, the timeline and the alert — not that it was deauthorized.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use zoom_connections_engine::alerts::alert_for;
use zoom_connections_engine::clock::{Clock, FakeClock, SystemClock};
use zoom_connections_engine::history::EventKind;
use zoom_connections_engine::model::{Status, SANDBOX_ORG_ID};
use zoom_connections_engine::reasons::StatusReason;
use zoom_connections_engine::{EngineEvent, TickState};

const OWNER: &str = "owner@contoso.example";

async fn world() -> (World, Arc<FakeClock>) {
    let clock = FakeClock::at(SystemClock.now());
    // Long enough that no answer the sandbox gives at once becomes a timeout on a busy machine;
    // `answer_late` and `delay` wait longer.
    (World::build(clock.clone(), secret_store(), Some(Duration::from_secs(3))).await, clock)
}

async fn arm(w: &World, fault: Value, count: u32) {
    w.control("/faults", json!({"endpoint": "refresh", "fault": fault, "count": count})).await;
}

/// Keepalive's next attempt at a Retrying connection, once it is due.
async fn next_attempt(w: &World, clock: &FakeClock, id: &str) {
    let due = w.engine.connection(id).unwrap().next_attempt_at.expect("a next attempt is planned");
    w.advance(clock, due - clock.now_secs() + 1).await;
    w.engine.tick(&mut TickState::default(), 4).await;
}

/// Refreshes the sandbox has carried out (rotations), over every grant.
async fn rotations(w: &World) -> u64 {
    w.grants().await.iter().map(|g| g["refreshes"].as_u64().unwrap_or(0)).sum()
}

/// Zoom's reading (staff: the old refresh token dies at once): lost. The status, the timeline
/// and the alert say the answer was lost; keepalive stops asking.
#[tokio::test]
async fn a_lost_answer_after_zoom_rotated_needs_a_new_sign_in_and_says_so() {
    for fault in [json!({"kind": "answer_cut"}), json!({"kind": "answer_late", "millis": 5000})] {
        let (w, clock) = world().await;
        let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
        let mut events = w.engine.subscribe();
        w.advance(&clock, 3000).await;
        arm(&w, fault.clone(), 1).await;
        let before = rotations(&w).await;
        w.engine.tick(&mut TickState::default(), 4).await;
        if fault["kind"] == "answer_late" {
            // A timeout used the whole request's time: no second ask in this turn (the
            // connection's lock turn stays as long as before), the next attempt after backoff.
            let c = w.engine.connection(&id).unwrap();
            assert_eq!(c.status, Status::Retrying, "{:?}", c.status_reason);
            assert!(c.unanswered_refresh_at.is_some());
            next_attempt(&w, &clock, &id).await;
        }
        assert_eq!(rotations(&w).await, before + 1, "{fault}: Zoom rotated once; the next ask was refused");
        let c = w.engine.connection(&id).unwrap();
        assert_eq!(c.status, Status::NeedsReconnect, "{fault}: {:?}", c.status_reason);
        assert!(matches!(c.reason, Some(StatusReason::AnswerLost { .. })), "{fault}: {:?}", c.reason);
        assert!(c.status_reason.as_deref().is_some_and(|r| r.contains("answer was lost")), "{:?}", c.status_reason);
        let timeline = w.engine.history(&id);
        let asked_at_once = timeline.iter().any(|e| e.kind == EventKind::Failed && e.detail.as_deref().is_some_and(|d| d.ends_with("asked again at once")));
        assert_eq!(asked_at_once, fault["kind"] == "answer_cut", "{fault}: a cut answer is asked again at once, a timed-out one at the next attempt");
        assert!(matches!(timeline.last().and_then(|e| e.why.clone()), Some(StatusReason::AnswerLost { .. })));
        // The alert, as the app, `serve` and a cron keepalive send it.
        let alert = loop {
            match events.try_recv() {
                Ok(event @ EngineEvent::StatusChanged { .. }) => {
                    if let Some(alert) = alert_for(&w.engine, &event) {
                        break alert;
                    }
                }
                Ok(_) => {}
                Err(e) => panic!("{fault}: no alert: {e:?}"),
            }
        };
        assert!(alert.text.contains("answer was lost") && !alert.text.contains("deauthorized"), "{}", alert.text);
        // Nothing more is asked of Zoom: only a new sign-in helps.
        let attempts = refresh_attempts(&w).await;
        w.advance(&clock, 4000).await;
        w.engine.tick(&mut TickState::default(), 4).await;
        let after = refresh_attempts(&w).await;
        assert_eq!(after, attempts);
    }
}

/// The other reading (a grace for a just-rotated refresh token, which Zoom documents nowhere):
/// the second ask gets the answer again, and the connection goes on with the new tokens.
#[tokio::test]
async fn a_lost_answer_is_recovered_at_once_where_zoom_answers_a_just_rotated_token_again() {
    let (w, clock) = world().await;
    w.control("/settings", json!({"refresh_reuse_grace": 30})).await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    w.advance(&clock, 3000).await;
    arm(&w, json!({"kind": "answer_cut"}), 1).await;
    w.engine.tick(&mut TickState::default(), 4).await;
    let c = w.engine.connection(&id).unwrap();
    assert_eq!(c.status, Status::Active, "{:?}", c.status_reason);
    assert_eq!(c.unanswered_refresh_at, None, "Zoom's answer clears the mark");
    assert!(w.stored_refresh_is_live(&id).await, "the stored refresh token is the one Zoom rotated to");
    w.advance(&clock, 3000).await;
    w.engine.tick(&mut TickState::default(), 4).await;
    assert_eq!(w.engine.connection(&id).unwrap().status, Status::Active);
}

/// A refresh whose answer never came and whose second ask failed too (the network is down):
/// retried with backoff, the mark kept across a restart of the app; the next refresh, refused as
/// dead, is worded as the lost answer. A dead refresh token without the mark is still worded
/// as Zoom's refusal.
#[tokio::test]
async fn the_mark_of_an_unanswered_refresh_outlives_a_restart_and_words_the_refusal_that_follows() {
    let (w, clock) = world().await;
    let id = w.connect(SANDBOX_ORG_ID, "lost", OWNER).await.connection.id;
    let other = w.connect(SANDBOX_ORG_ID, "refused", "admin@contoso.example").await.connection.id;
    w.advance(&clock, 3000).await;
    // The first answer lost after Zoom rotated; the second ask cut before Zoom reads it.
    arm(&w, json!({"kind": "answer_cut"}), 1).await;
    arm(&w, json!({"kind": "reset"}), 1).await;
    rotate(&w.engine, &id).await.unwrap_err();
    let c = w.engine.connection(&id).unwrap();
    assert_eq!(c.status, Status::Retrying, "{:?}", c.status_reason);
    let marked = c.unanswered_refresh_at.expect("the unanswered refresh is marked");
    // The app restarts: the mark is read back from the connection's state file.
    let engine = w.reopen_with(clock.clone());
    assert_eq!(engine.connection(&id).unwrap().unanswered_refresh_at, Some(marked));
    w.advance(&clock, 60).await;
    rotate(&engine, &id).await.unwrap_err();
    let c = engine.connection(&id).unwrap();
    assert_eq!(c.status, Status::NeedsReconnect);
    assert_eq!(c.reason, Some(StatusReason::AnswerLost { at: marked }));

    // Without a lost answer, a dead refresh token is Zoom's refusal, as before.
    arm(&w, json!({"kind": "invalid_grant"}), 1).await;
    rotate(&engine, &other).await.unwrap_err();
    let c = engine.connection(&other).unwrap();
    assert_eq!(c.status, Status::NeedsReconnect);
    assert!(matches!(c.reason, Some(StatusReason::Refused { .. })), "{:?}", c.reason);
    assert_eq!(c.unanswered_refresh_at, None);
}

/// Asking again is no danger where Zoom never rotated: a 5xx, a reset or a timeout before Zoom
/// read the request is recovered by the second ask, and keepalive's backoff is spent only when
/// both fail; a refusal Zoom sends is not asked again.
#[tokio::test]
async fn a_refresh_that_never_reached_zoom_is_recovered_by_the_second_ask() {
    let (w, clock) = world().await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    for fault in [json!({"kind": "http500"}), json!({"kind": "delay", "millis": 5000}), json!({"kind": "reset"}), json!({"kind": "malformed_json"})] {
        w.advance(&clock, 3000).await;
        arm(&w, fault.clone(), 1).await;
        let before = rotations(&w).await;
        w.engine.tick(&mut TickState::default(), 4).await;
        if fault["kind"] == "delay" {
            // A timeout: the next attempt, after backoff, gets the answer.
            next_attempt(&w, &clock, &id).await;
        }
        let c = w.engine.connection(&id).unwrap();
        assert_eq!(c.status, Status::Active, "{fault}: {:?}", c.status_reason);
        assert_eq!(rotations(&w).await, before + 1, "{fault}");
        assert!(w.stored_refresh_is_live(&id).await, "{fault}");
    }
    // A refusal Zoom sends (429) is not asked again.
    let asked = |w: &World| w.engine.history(&id).iter().filter(|e| e.detail.as_deref().is_some_and(|d| d.ends_with("asked again at once"))).count();
    let before = asked(&w);
    w.advance(&clock, 3000).await;
    arm(&w, json!({"kind": "rate_limit", "retry_after": 60}), 1).await;
    w.engine.tick(&mut TickState::default(), 4).await;
    assert_eq!(w.engine.connection(&id).unwrap().status, Status::Retrying);
    assert_eq!(asked(&w), before, "a 429 is Zoom's answer: nothing was carried out, nothing is asked again");
}

/// Zoom answered, but the keychain refused the new tokens and the app stopped before it could
/// write them (a hung keychain at logout): the answer is as lost as one that never came, and the
/// restarted app says so when Zoom refuses the old refresh token.
#[tokio::test]
async fn an_answer_the_keychain_refused_before_the_app_stopped_is_told_as_lost() {
    use zoom_connections_engine::vault::Injected;
    let clock = FakeClock::at(SystemClock.now());
    let store = Arc::new(Injected::over(secret_store()));
    let w = World::build(clock.clone(), store.clone(), None).await;
    let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
    w.advance(&clock, 3000).await;
    store.fail_writes.store(true, std::sync::atomic::Ordering::SeqCst);
    rotate(&w.engine, &id).await.unwrap_err();
    let c = w.engine.connection(&id).unwrap();
    assert_eq!(c.reason, Some(StatusReason::KeychainWrite));
    let marked = c.unanswered_refresh_at.expect("Zoom's answer is not kept yet: the mark stays");
    // The app stops with the pair in its memory only; another start reads the keychain's.
    store.fail_writes.store(false, std::sync::atomic::Ordering::SeqCst);
    let restarted = w.reopen_with(clock.clone());
    rotate(&restarted, &id).await.unwrap_err();
    let c = restarted.connection(&id).unwrap();
    assert_eq!(c.status, Status::NeedsReconnect);
    assert_eq!(c.reason, Some(StatusReason::AnswerLost { at: marked }));
}
