//! The fault matrix: every failure the sandbox can inject, at every Zoom call the engine makes,
//! against the real sandbox over HTTP. Each cell states the outcome docs/zoom.md prescribes (transient
//! → retry later, nothing lost; permanent → the user must act; nothing half-done). The same table
//! is printed in docs/security.md, and this test checks that its copy is the current one.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use zoom_connections_engine::clock::{Clock, FakeClock, SystemClock};
use zoom_connections_engine::model::{Status, SANDBOX_ORG_ID};
use zoom_connections_engine::reasons::StatusReason;
use zoom_connections_engine::{ErrorCode, TickState};
use zoom_sandbox::user_agent::SignIn;

const OWNER: &str = "owner@contoso.example";
/// The engine's HTTP timeout in this test: long enough that no answer the sandbox gives at once
/// becomes a timeout on a busy machine (the cells run at the same time); the `delay` and
/// `answer_late` faults wait longer, so they are timeouts.
const TIMEOUT: Duration = Duration::from_secs(3);

const FAULTS: [(&str, &str); 13] = [
    ("HTTP 500", r#"{"kind":"http500"}"#),
    ("HTTP 429 + Retry-After", r#"{"kind":"rate_limit","retry_after":120}"#),
    ("HTTP 429, no Retry-After", r#"{"kind":"rate_limit"}"#),
    ("daily limit (Retry-After: date)", r#"{"kind":"daily_limit"}"#),
    ("timeout", r#"{"kind":"delay","millis":5000}"#),
    ("connection reset", r#"{"kind":"reset"}"#),
    ("malformed JSON", r#"{"kind":"malformed_json"}"#),
    ("proxy's 403 page", r#"{"kind":"proxy_page","status":403}"#),
    ("4700 catch-all", r#"{"kind":"catch_all"}"#),
    ("invalid_request (internal)", r#"{"kind":"internal_error"}"#),
    ("invalid_grant", r#"{"kind":"invalid_grant"}"#),
    // Zoom carries the call out (a refresh rotates), then its answer is lost: the failure
    // rotation makes most often (docs/zoom.md, Tokens: a lost answer).
    ("carried out, answer cut", r#"{"kind":"answer_cut"}"#),
    ("carried out, answer too late", r#"{"kind":"answer_late","millis":5000}"#),
];

const CALLS: [(&str, &str); 5] =
    [("code exchange", "code_exchange"), ("refresh", "refresh"), ("revoke (Delete)", "revoke"), ("identity (users/me)", "users_me"), ("SCIM test", "scim")];

fn code(c: ErrorCode) -> &'static str {
    c.as_str()
}

async fn world() -> (World, Arc<FakeClock>) {
    let clock = FakeClock::at(SystemClock.now());
    let w = World::build(clock.clone(), secret_store(), Some(TIMEOUT)).await;
    (w, clock)
}

async fn arm(w: &World, endpoint: &str, fault: &Value) {
    w.control("/faults", json!({"endpoint": endpoint, "fault": fault, "count": 1})).await;
}

/// Runs one cell and describes what the engine did, in the words of docs/security.md's table.
async fn observe(endpoint: &str, fault: &Value) -> String {
    let (w, clock) = world().await;
    match endpoint {
        // A sign-in whose code exchange or identity call fails: the flow ends with an error and
        // nothing is stored; the user starts again.
        "code_exchange" | "users_me" => {
            arm(&w, endpoint, fault).await;
            let flow = w.engine.begin_create(SANDBOX_ORG_ID, "n").await.unwrap();
            let redirect = w.browser.authorize(&flow.authorize_url, &SignIn::password(OWNER), true).await.unwrap();
            let result = w.engine.handle_callback(redirect.as_str()).await;
            let stored = w.engine.connections().len();
            match result {
                Ok(_) => format!("connected ({stored} stored)"),
                Err(e) if stored == 0 => format!("sign-in fails: `{}`; nothing stored", code(e.code)),
                Err(e) => format!("sign-in fails: `{}`; {stored} stored (!)", code(e.code)),
            }
        }
        // Keepalive: the refresh is due and fails once.
        "refresh" => {
            let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
            let (_, refresh_before) = w.tokens(&id);
            w.advance(&clock, 3000).await;
            arm(&w, endpoint, fault).await;
            let mut state = TickState::default();
            w.engine.tick(&mut state, 4).await;
            let c = w.engine.connection(&id).unwrap();
            let (_, refresh_after) = w.tokens(&id);
            let kept = if refresh_after == refresh_before { "refresh token kept" } else { "refresh token replaced" };
            // A refresh asked again at once after no usable answer, as the timeline says.
            let asked = w.engine.history(&id).iter().any(|e| e.detail.as_deref().is_some_and(|d| d.ends_with("asked again at once")));
            let again = if asked { " (asked again at once)" } else { "" };
            match c.status {
                Status::Active => format!("Active{again}; {kept}"),
                Status::Retrying => {
                    // The first backoff is 24–36 s; anything longer is Zoom's Retry-After.
                    let wait = c.next_attempt_at.unwrap_or(0) - clock.now_secs();
                    let when = if wait > 36 { "after Retry-After" } else { "with backoff" };
                    // Observed: what the next attempt, when it is due, makes of it.
                    w.advance(&clock, wait.max(0) + 1).await;
                    w.engine.tick(&mut state, 4).await;
                    let next = w.engine.connection(&id).unwrap();
                    let then = match (next.status, &next.reason) {
                        (Status::Active, _) => "Active".to_string(),
                        (Status::NeedsReconnect, Some(StatusReason::AnswerLost { .. })) => "Needs reconnect as a lost answer".to_string(),
                        (other, _) => format!("{other:?}"),
                    };
                    format!("Retrying {when}; {kept}; then {then}")
                }
                Status::NeedsReconnect => {
                    // Observed: later ticks leave it alone (no refresh reaches Zoom).
                    let before = refresh_attempts(&w).await;
                    w.advance(&clock, 4000).await;
                    w.engine.tick(&mut state, 4).await;
                    let after = refresh_attempts(&w).await;
                    let lost = if matches!(c.reason, Some(StatusReason::AnswerLost { .. })) { " as a lost answer" } else { "" };
                    if after == before {
                        format!("Needs reconnect{lost}{again}; no further attempts")
                    } else {
                        format!("Needs reconnect; {} more attempts (!)", after - before)
                    }
                }
                other => format!("{other:?}; {kept}"),
            }
        }
        // Delete = revoke first: if Zoom cannot confirm, nothing is deleted.
        "revoke" => {
            let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
            arm(&w, endpoint, fault).await;
            match w.engine.delete(&id).await {
                Ok(()) => {
                    let gone = w.engine.connection(&id).is_err();
                    // Observed at Zoom: the grant is no longer live.
                    let live = w.grants().await.iter().any(|g| g["email"] == OWNER && g["status"] == "active");
                    format!("deleted{}; {}", if gone { "" } else { " (still listed!)" }, if live { "grant still live (!)" } else { "grant ended" })
                }
                Err(e) => {
                    let kept = w.engine.connection(&id).is_ok() && w.secrets.get(&zoom_connections_engine::model::refresh_key(&id)).unwrap().is_some();
                    // The way on that the window offers: it works.
                    let local = match w.engine.delete_locally(&id).await {
                        Ok(_) if w.engine.connection(&id).is_err() => "Delete locally works",
                        _ => "Delete locally fails (!)",
                    };
                    format!("`{}`; {}; {local}", code(e.code), if kept { "nothing deleted" } else { "PARTLY deleted (!)" })
                }
            }
        }
        // Test connection: the result is reported; the connection's status does not change.
        "scim" => {
            let id = w.connect(SANDBOX_ORG_ID, "n", OWNER).await.connection.id;
            arm(&w, endpoint, fault).await;
            let result = w.engine.test_connection(&id).await;
            let status = w.engine.connection(&id).unwrap().status;
            let unchanged = if status == Status::Active { "status unchanged" } else { "status changed (!)" };
            match result {
                Ok(_) => format!("test passes; {unchanged}"),
                Err(e) => format!("test fails: `{}`; {unchanged}", code(e.code)),
            }
        }
        other => panic!("unknown endpoint {other}"),
    }
}

/// What docs/zoom.md prescribes for each cell (rows: calls; columns: faults, in the order above).
/// A refresh is never given up on one answer that proves nothing (a proxy's page, 4700,
/// `invalid_request`); a revoke counts only when Zoom answered 2xx with its JSON (RFC 7009 §2.2) or a refresh
/// proved the grant gone, and a rejected token is confirmed by a refresh before anything is
/// deleted.
const EXPECTED: [[&str; 13]; 5] = [
    [
        "sign-in fails: `network`; nothing stored",
        "sign-in fails: `zoom_rate_limited`; nothing stored",
        "sign-in fails: `zoom_rate_limited`; nothing stored",
        "sign-in fails: `zoom_rate_limited`; nothing stored",
        "sign-in fails: `network`; nothing stored",
        "sign-in fails: `network`; nothing stored",
        "sign-in fails: `zoom_bad_response`; nothing stored",
        "sign-in fails: `zoom_bad_response`; nothing stored",
        "sign-in fails: `zoom_error`; nothing stored",
        "sign-in fails: `zoom_error`; nothing stored",
        "sign-in fails: `zoom_invalid_grant`; nothing stored",
        "sign-in fails: `network`; nothing stored",
        "sign-in fails: `network`; nothing stored",
    ],
    [
        "Active (asked again at once); refresh token replaced",
        "Retrying after Retry-After; refresh token kept; then Active",
        "Retrying with backoff; refresh token kept; then Active",
        "Retrying after Retry-After; refresh token kept; then Active",
        "Retrying with backoff; refresh token kept; then Active",
        "Active (asked again at once); refresh token replaced",
        "Active (asked again at once); refresh token replaced",
        "Retrying with backoff; refresh token kept; then Active",
        "Retrying with backoff; refresh token kept; then Active",
        "Retrying with backoff; refresh token kept; then Active",
        "Needs reconnect; no further attempts",
        "Needs reconnect as a lost answer (asked again at once); no further attempts",
        "Retrying with backoff; refresh token kept; then Needs reconnect as a lost answer",
    ],
    [
        "`network`; nothing deleted; Delete locally works",
        "`network`; nothing deleted; Delete locally works",
        "`network`; nothing deleted; Delete locally works",
        "`network`; nothing deleted; Delete locally works",
        "`network`; nothing deleted; Delete locally works",
        "`network`; nothing deleted; Delete locally works",
        "deleted; grant ended",
        "`zoom_bad_response`; nothing deleted; Delete locally works",
        "deleted; grant ended",
        "deleted; grant ended",
        "deleted; grant ended",
        "`network`; nothing deleted; Delete locally works",
        "`network`; nothing deleted; Delete locally works",
    ],
    [
        "sign-in fails: `network`; nothing stored",
        "sign-in fails: `zoom_rate_limited`; nothing stored",
        "sign-in fails: `zoom_rate_limited`; nothing stored",
        "sign-in fails: `zoom_rate_limited`; nothing stored",
        "sign-in fails: `network`; nothing stored",
        "sign-in fails: `network`; nothing stored",
        "sign-in fails: `zoom_bad_response`; nothing stored",
        "sign-in fails: `zoom_bad_response`; nothing stored",
        "sign-in fails: `zoom_error`; nothing stored",
        "sign-in fails: `zoom_error`; nothing stored",
        "sign-in fails: `zoom_error`; nothing stored",
        "sign-in fails: `network`; nothing stored",
        "sign-in fails: `network`; nothing stored",
    ],
    [
        "test fails: `network`; status unchanged",
        "test fails: `zoom_rate_limited`; status unchanged",
        "test fails: `zoom_rate_limited`; status unchanged",
        "test fails: `zoom_rate_limited`; status unchanged",
        "test fails: `network`; status unchanged",
        "test fails: `network`; status unchanged",
        "test fails: `zoom_bad_response`; status unchanged",
        "test fails: `zoom_bad_response`; status unchanged",
        "test fails: `zoom_error`; status unchanged",
        "test fails: `zoom_error`; status unchanged",
        "test fails: `zoom_error`; status unchanged",
        "test fails: `network`; status unchanged",
        "test fails: `network`; status unchanged",
    ],
];

fn markdown(cells: &[[String; 13]]) -> String {
    let mut out = String::from("| Zoom call ↓ / fault → |");
    for (name, _) in FAULTS {
        out.push_str(&format!(" {name} |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(FAULTS.len()));
    out.push('\n');
    for (row, (call, _)) in CALLS.iter().enumerate() {
        out.push_str(&format!("| {call} |"));
        for cell in &cells[row] {
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_at_every_call_has_the_prescribed_outcome() {
    // Every cell in a world of its own, several at once: the timeouts overlap instead of adding
    // up. Not all 65 at once: each world opens its own Secret Service connection, and a burst
    // of them is what crashes gnome-keyring 42 (docs/benchmarks.md, One Secret Service
    // connection).
    let at_once = std::sync::Arc::new(tokio::sync::Semaphore::new(8));
    let mut cells = tokio::task::JoinSet::new();
    for (row, (_, endpoint)) in CALLS.iter().enumerate() {
        for (column, (_, fault)) in FAULTS.iter().enumerate() {
            let fault: Value = serde_json::from_str(fault).unwrap();
            let at_once = at_once.clone();
            cells.spawn(async move {
                let _turn = at_once.acquire_owned().await.unwrap();
                (row, column, observe(endpoint, &fault).await)
            });
        }
    }
    let mut observed: Vec<[String; 13]> = vec![Default::default(); CALLS.len()];
    while let Some(cell) = cells.join_next().await {
        let (row, column, outcome) = cell.unwrap();
        observed[row][column] = outcome;
    }
    let table = markdown(&observed);
    println!("{table}");
    let expected: Vec<[String; 13]> = EXPECTED.iter().map(|r| r.map(String::from)).collect();
    assert_eq!(table, markdown(&expected), "observed (left) differs from docs/zoom.md's prescription (right)");
    // docs/security.md prints this table: it must be the current one.
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/security.md")).unwrap();
    assert!(doc.contains(&table), "docs/security.md's fault matrix is out of date; paste:\n{table}");
}
