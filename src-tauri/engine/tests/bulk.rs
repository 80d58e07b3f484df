//! Bulk runs (engine `actions/bulk.rs`, `journal.rs`) against the sandbox: the plan, the run,
//! a run cut off at each point resumed without repeating or skipping a user, pause and cancel,
//! undo, and the results.

mod common;

use std::sync::Arc;

use common::*;
use serde_json::json;
use tokio::sync::watch;
use zoom_connections_engine::actions::bulk::{self, BulkAction, Control, Refusal, Verdict};
use zoom_connections_engine::actions::journal::{self, Entry, Journal, Outcome, RowState};
use zoom_connections_engine::actions::users::{RemoveMode, UserStatus};
use zoom_connections_engine::actions::{Actions, Direct};
use zoom_connections_engine::model::SANDBOX_ORG_ID;

const ADMIN: &str = "admin@contoso.example";

async fn setup(users: usize) -> (World, Arc<Actions<Direct>>, String) {
    let w = World::new().await;
    w.control("/settings", json!({"qps_limits": {"acct_contoso": 100_000}})).await;
    if users > 0 {
        w.control("/populate", json!({"account_id": "acct_contoso", "users": users, "groups": 1})).await;
    }
    let conn = w.connect(SANDBOX_ORG_ID, "Contoso", ADMIN).await.connection;
    let direct = Direct::new(&w.engine, &conn.id).unwrap();
    (w, Arc::new(Actions::new(direct.clone(), direct.scopes().unwrap())), conn.id)
}

fn emails(range: std::ops::RangeInclusive<usize>) -> Vec<String> {
    range.map(|i| format!("user{i:05}@contoso.example")).collect()
}

async fn inactive_emails(actions: &Actions<Direct>) -> std::collections::BTreeSet<String> {
    actions.list_users(UserStatus::Inactive, |_| {}).await.unwrap().into_iter().map(|u| u.email).collect()
}

#[tokio::test]
async fn the_plan_says_who_changes_who_is_already_so_and_who_is_left_out_and_why() {
    let (_w, actions, _) = setup(60).await;
    let mut keys = emails(1..=30);
    // user00050 is inactive (every 50th); the owner, yourself, an invitation, a twin, a stranger.
    keys.extend(
        ["user00050@contoso.example", "owner@contoso.example", ADMIN, "pending@contoso.example", "USER00001@contoso.example", "ghost@contoso.example"]
            .map(String::from),
    );
    let plan = bulk::plan(&actions, BulkAction::Deactivate, &keys, Some(ADMIN)).await.unwrap();
    let verdict = |key: &str| plan.rows.iter().find(|r| r.key == key).unwrap().verdict.clone();
    assert_eq!(plan.count(|v| matches!(v, Verdict::Change { .. })), 30);
    assert_eq!(verdict("user00050@contoso.example"), Verdict::NoChange);
    assert_eq!(verdict("owner@contoso.example"), Verdict::Refused { why: Refusal::Admin });
    assert_eq!(verdict(ADMIN), Verdict::Refused { why: Refusal::Yourself });
    assert_eq!(verdict("pending@contoso.example"), Verdict::Refused { why: Refusal::Pending });
    assert_eq!(verdict("USER00001@contoso.example"), Verdict::Refused { why: Refusal::Duplicate });
    assert_eq!(verdict("ghost@contoso.example"), Verdict::Refused { why: Refusal::NotFound });
    assert_eq!(plan.targets().len(), 30);
    // The plan changed nothing.
    assert_eq!(inactive_emails(&actions).await.len(), 1 + 1);
}

#[tokio::test]
async fn a_run_goes_through_every_user_and_its_results_and_undo_follow() {
    let (w, actions, id) = setup(120).await;
    let plan = bulk::plan(&actions, BulkAction::Deactivate, &emails(1..=100), Some(ADMIN)).await.unwrap();
    let (journal, record) = bulk::start(&w.data_dir, &id, "Contoso", &plan, 1_700_000_000).unwrap();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (_tx, rx) = watch::channel(Control::Run);
    let s = seen.clone();
    let (record, error) = bulk::execute(actions.clone(), Arc::new(journal), record, rx, move |p| s.lock().unwrap().push(p.done)).await;
    assert!(error.is_none(), "{error:?}");
    assert!(record.finished());
    // 98: user00050 and user00100 were already inactive (every 50th).
    assert_eq!(record.targets.len(), 98);
    assert_eq!(seen.lock().unwrap().len(), 98);
    assert_eq!(*seen.lock().unwrap().iter().max().unwrap(), 98);
    assert_eq!(inactive_emails(&actions).await.len(), 100 + 1);
    let csv = bulk::results_csv(&record);
    assert_eq!(csv.lines().count(), 99);
    assert!(csv.lines().skip(1).all(|l| l.contains(",done,")), "{csv}");
    // The run is in the journal folder, and undoing it activates exactly its users.
    let runs = journal::list(&w.data_dir);
    assert_eq!(runs.len(), 1);
    let undo = bulk::undo_plan(&runs[0]).unwrap();
    assert_eq!((undo.action.clone(), undo.targets().len()), (BulkAction::Activate, 98));
    let (journal, record) = bulk::start(&w.data_dir, &id, "Contoso", &undo, 1_700_000_001).unwrap();
    let (_tx, rx) = watch::channel(Control::Run);
    let (record, error) = bulk::execute(actions.clone(), Arc::new(journal), record, rx, |_| {}).await;
    assert!(error.is_none() && record.finished());
    let inactive = inactive_emails(&actions).await;
    assert!(
        inactive.contains("user00050@contoso.example") && inactive.contains("user00100@contoso.example") && !inactive.contains("user00001@contoso.example")
    );
    assert!(bulk::undo_plan(&journal::list(&w.data_dir)[0]).is_some(), "an activation can be undone too");
}

/// The API calls the sandbox counted on every token.
async fn status_calls(w: &World) -> u64 {
    w.grants().await.iter().flat_map(|g| g["tokens"].as_array().cloned().unwrap_or_default()).map(|t| t["api_calls"].as_u64().unwrap_or(0)).sum()
}

#[tokio::test]
async fn a_run_cut_off_after_a_call_was_sent_reads_the_user_back_and_sends_nothing_twice() {
    let (w, actions, id) = setup(10).await;
    let plan = bulk::plan(&actions, BulkAction::Deactivate, &emails(1..=6), Some(ADMIN)).await.unwrap();
    let (journal, record) = bulk::start(&w.data_dir, &id, "Contoso", &plan, 1).unwrap();
    // As a process killed at each point leaves it: row 0 answered; row 1 sent and done at Zoom,
    // its answer never written; row 2 sent and never reached Zoom; rows 3.. never sent.
    actions.set_active("user00001@contoso.example", false).await.unwrap();
    journal.append(&Entry::Sent { row: 0 }).unwrap();
    journal.append(&Entry::Answered { row: 0, outcome: Outcome::Done }).unwrap();
    actions.set_active("user00002@contoso.example", false).await.unwrap();
    journal.append(&Entry::Sent { row: 1 }).unwrap();
    journal.append(&Entry::Sent { row: 2 }).unwrap();
    drop(journal);
    drop(record);
    let (journal, record) = Journal::open(&w.data_dir, &journal::list(&w.data_dir)[0].run_id).unwrap();
    assert_eq!(record.rows[..4], [RowState::Answered(Outcome::Done), RowState::Unanswered, RowState::Unanswered, RowState::NotSent]);
    let before = status_calls(&w).await;
    let (_tx, rx) = watch::channel(Control::Run);
    let (record, error) = bulk::execute(actions.clone(), Arc::new(journal), record, rx, |_| {}).await;
    assert!(error.is_none() && record.finished(), "{error:?}");
    assert_eq!(record.rows[1], RowState::Answered(Outcome::AlreadyDone), "read back, not sent again");
    assert_eq!(record.rows[2], RowState::Answered(Outcome::Done), "read back, then sent");
    // Calls: a read for each of the two unanswered, a deactivation for rows 2..6.
    assert_eq!(status_calls(&w).await - before, 2 + 4);
    assert_eq!(inactive_emails(&actions).await.len(), 6 + 1);
    // Each of the six reached Zoom exactly once.
    let changes: serde_json::Value = w.http.get(format!("{}/_sandbox/changes", w.sandbox_url)).send().await.unwrap().json().await.unwrap();
    let deactivations: Vec<u64> = changes.as_object().unwrap().iter().filter(|(k, _)| k.starts_with("deactivate ")).map(|(_, v)| v.as_u64().unwrap()).collect();
    assert_eq!(deactivations, vec![1; 6], "{changes}");
}

#[tokio::test]
async fn a_lost_network_stops_the_run_and_a_resume_finishes_it_exactly() {
    let (w, actions, id) = setup(40).await;
    let plan = bulk::plan(&actions, BulkAction::Remove { mode: RemoveMode::Disassociate }, &emails(1..=30), Some(ADMIN)).await.unwrap();
    let (journal, record) = bulk::start(&w.data_dir, &id, "Contoso", &plan, 1).unwrap();
    // Zoom fails one call: the run stops with the network's error, no user lost.
    w.control("/faults", json!({"endpoint": "users", "fault": {"kind": "http500"}, "count": 1})).await;
    let (_tx, rx) = watch::channel(Control::Run);
    let (record, error) = bulk::execute(actions.clone(), Arc::new(journal), record, rx, |_| {}).await;
    assert_eq!(error.unwrap().code, zoom_connections_engine::ErrorCode::Network);
    assert!(!record.finished());
    let (journal, record) = Journal::open(&w.data_dir, &record.run_id).unwrap();
    let (_tx, rx) = watch::channel(Control::Run);
    let (record, error) = bulk::execute(actions.clone(), Arc::new(journal), record, rx, |_| {}).await;
    assert!(error.is_none() && record.finished(), "{error:?}");
    let left: Vec<String> =
        actions.list_users(UserStatus::Active, |_| {}).await.unwrap().into_iter().map(|u| u.email).filter(|e| e.starts_with("user")).collect();
    assert_eq!(left.len(), 10, "exactly the 30 named are gone: {left:?}");
}

#[tokio::test]
async fn pause_holds_the_run_and_cancel_leaves_the_rest_for_a_resume() {
    let (w, actions, id) = setup(60).await;
    let plan = bulk::plan(&actions, BulkAction::Deactivate, &emails(1..=40), Some(ADMIN)).await.unwrap();
    let (journal, record) = bulk::start(&w.data_dir, &id, "Contoso", &plan, 1).unwrap();
    let (tx, rx) = watch::channel(Control::Pause);
    let run = tokio::spawn(bulk::execute(actions.clone(), Arc::new(journal), record, rx, |_| {}));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(inactive_emails(&actions).await.len(), 2, "paused from the start: nothing sent");
    tx.send(Control::Cancel).unwrap();
    let (record, error) = run.await.unwrap();
    assert!(error.is_none() && record.cancelled && !record.finished());
    let (journal, reread) = Journal::open(&w.data_dir, &record.run_id).unwrap();
    assert!(reread.cancelled);
    // Resumed paused, then let go: it finishes every user, each once.
    let (tx, rx) = watch::channel(Control::Pause);
    let run = tokio::spawn(bulk::execute(actions.clone(), Arc::new(journal), reread, rx, |_| {}));
    tx.send(Control::Run).unwrap();
    let (record, error) = run.await.unwrap();
    assert!(error.is_none() && record.finished(), "{error:?}");
    assert_eq!(inactive_emails(&actions).await.len(), 40 + 1 + 1, "user00050 was inactive already");
}

#[tokio::test]
async fn a_spent_daily_limit_stops_the_run_rather_than_failing_everyone() {
    let (w, actions, id) = setup(30).await;
    let plan = bulk::plan(&actions, BulkAction::Deactivate, &emails(1..=10), Some(ADMIN)).await.unwrap();
    let (journal, record) = bulk::start(&w.data_dir, &id, "Contoso", &plan, 1).unwrap();
    w.control("/faults", json!({"endpoint": "users", "fault": {"kind": "daily_limit"}, "count": 1})).await;
    let (_tx, rx) = watch::channel(Control::Run);
    let (record, error) = bulk::execute(actions.clone(), Arc::new(journal), record, rx, |_| {}).await;
    let error = error.expect("the daily limit stops the run");
    assert_eq!(error.code, zoom_connections_engine::ErrorCode::ZoomRateLimited);
    assert!(error.message.contains("daily limit"), "{}", error.message);
    assert!(!record.rows.iter().any(|r| matches!(r, RowState::Answered(Outcome::Failed { .. }))), "no user failed for it");
    // The next day (here: at once, the fault spent), the run goes on and finishes.
    let (journal, record) = Journal::open(&w.data_dir, &record.run_id).unwrap();
    let (_tx, rx) = watch::channel(Control::Run);
    let (record, error) = bulk::execute(actions.clone(), Arc::new(journal), record, rx, |_| {}).await;
    assert!(error.is_none() && record.finished(), "{error:?}");
    assert_eq!(inactive_emails(&actions).await.len(), 10 + 1);
}
