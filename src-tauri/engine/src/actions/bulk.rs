//! Bulk runs (docs/cli.md, Bulk runs): one action for a list of users — pasted emails or a CSV —
//! planned first (`plan.rs`: who exists, what would change, who is refused and why) and then run
//! at the account's pace with a journal (`journal.rs`) that lets a run cut off anywhere resume without
//! sending any user's call twice or skipping one, and a finished (de)activation be undone.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tokio::sync::watch;

use super::journal::{Entry, Journal, Outcome, RowState, RunRecord, Target};
pub use super::plan::{parse_users, plan, BulkAction, Plan, PlannedRow, Refusal, Verdict, MAX_ROWS};
use super::transport::Transport;
use super::users::ZoomUser;
use super::Actions;
use crate::engine::lock;
use crate::error::{EngineError, ErrorCode, Result};

/// Calls in flight at once: enough to keep a Business+ account's pace with Zoom's latency
/// (80 a second at 100 ms each), few enough to stop quickly on pause.
pub const CONCURRENCY: usize = 8;
/// What a running run is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Run,
    Pause,
    Cancel,
}

/// Where a run stands, after each user.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub run_id: String,
    pub total: usize,
    pub done: usize,
    pub failed: usize,
    /// The user just answered.
    pub row: usize,
    pub email: String,
    pub outcome: Outcome,
}

/// A new run of `plan` on connection `connection_id`: its journal, to `execute`.
pub fn start(data_dir: &std::path::Path, connection_id: &str, nickname: &str, plan: &Plan, now: i64) -> Result<(Journal, RunRecord)> {
    let targets = plan.targets();
    let run_id = format!(
        "{}-{}",
        chrono::DateTime::from_timestamp(now, 0).map(|t| t.format("%Y%m%d%H%M%S").to_string()).unwrap_or_default(),
        rand::distr::SampleString::sample_string(&rand::distr::Alphanumeric, &mut rand::rng(), 8).to_ascii_lowercase()
    );
    let entry = Entry::Run {
        run_id: run_id.clone(),
        connection_id: connection_id.into(),
        nickname: nickname.into(),
        action: Box::new(plan.action.clone()),
        targets: targets.clone(),
        created_at: now,
    };
    let journal = Journal::create(data_dir, &entry)?;
    let record = RunRecord {
        rows: vec![RowState::NotSent; targets.len()],
        run_id,
        connection_id: connection_id.into(),
        nickname: nickname.into(),
        action: plan.action.clone(),
        targets,
        created_at: now,
        cancelled: false,
    };
    Ok((journal, record))
}

/// The run that undoes a finished (de)activation: the users it changed, back.
pub fn undo_plan(record: &RunRecord) -> Option<Plan> {
    let action = record.action.undo()?;
    let rows = record
        .targets
        .iter()
        .zip(&record.rows)
        .filter(|(_, r)| matches!(r, RowState::Answered(Outcome::Done | Outcome::AlreadyDone)))
        .map(|(t, _)| PlannedRow {
            key: t.key.clone(),
            user: Some(ZoomUser { id: t.user_id.clone(), email: t.email.clone(), ..ZoomUser::default() }),
            verdict: Verdict::Change { what: "undo".into() },
        })
        .collect();
    Some(Plan { action, rows })
}

/// Errors that stop a run rather than fail a user: nothing about this user, and the same for
/// every user after it (the network, the connection, the daily limit, the app quitting).
fn stops_the_run(e: &EngineError) -> bool {
    matches!(
        e.code,
        ErrorCode::Network
            | ErrorCode::ZoomRateLimited
            | ErrorCode::LockTimeout
            | ErrorCode::KeychainUnavailable
            | ErrorCode::ShuttingDown
            | ErrorCode::ZoomInvalidGrant
            | ErrorCode::Storage
            // The same for every user after this one: a scope or a role taken away mid-run.
            | ErrorCode::MissingScope
            | ErrorCode::RoleNotAllowed
    )
}

/// Whether Zoom shows `user` as the action leaves them (read back after a run was cut off).
fn already_done(action: &BulkAction, user: Option<&ZoomUser>, changes_seen: bool) -> bool {
    match (action, user) {
        (BulkAction::Remove { .. }, None) => true,
        (BulkAction::Remove { .. }, Some(_)) => false,
        (_, None) => false,
        (BulkAction::Deactivate, Some(u)) => u.status == "inactive",
        (BulkAction::Activate, Some(u)) => u.status == "active",
        (BulkAction::AddToGroup { group_id, .. }, Some(u)) => u.group_ids.contains(group_id),
        // An update sent twice leaves the same fields: sending it again repeats nothing Zoom keeps.
        (BulkAction::Update { .. }, Some(_)) => changes_seen,
    }
}

async fn act<T: Transport>(actions: &Actions<T>, action: &BulkAction, target: &Target) -> Result<()> {
    let key = target.call_key();
    match action {
        BulkAction::Activate => actions.set_active(key, true).await,
        BulkAction::Deactivate => actions.set_active(key, false).await,
        BulkAction::Remove { mode } => actions.remove_user(key, *mode, target.pending).await,
        BulkAction::Update { changes } => actions.update_user(key, changes).await,
        BulkAction::AddToGroup { group_id, .. } => actions.add_to_group(group_id, &[key.to_string()]).await,
    }
}

/// One user: read back first if a call may already have happened, then the call, each step in
/// the journal before the next.
async fn one<T: Transport>(actions: &Actions<T>, journal: &Journal, action: &BulkAction, row: usize, target: &Target, state: &RowState) -> Result<Outcome> {
    if *state == RowState::Unanswered {
        let read = match actions.get_user(target.call_key()).await {
            Ok(u) => Some(u),
            Err(e) if e.code == ErrorCode::NotFound => None,
            Err(e) if stops_the_run(&e) => return Err(e),
            // Zoom will not say where this user stands: the user fails, the run goes on (a
            // resume does not stop at the same user again).
            Err(e) => {
                let outcome = Outcome::Failed { code: e.code, message: e.message };
                journal.append(&Entry::Answered { row, outcome: outcome.clone() })?;
                return Ok(outcome);
            }
        };
        if already_done(action, read.as_ref(), false) {
            journal.append(&Entry::Answered { row, outcome: Outcome::AlreadyDone })?;
            return Ok(Outcome::AlreadyDone);
        }
    } else {
        journal.append(&Entry::Sent { row })?;
    }
    match act(actions, action, target).await {
        Ok(()) => {
            journal.append(&Entry::Answered { row, outcome: Outcome::Done })?;
            Ok(Outcome::Done)
        }
        Err(e) if stops_the_run(&e) => Err(e),
        Err(e) => {
            let outcome = Outcome::Failed { code: e.code, message: e.message };
            journal.append(&Entry::Answered { row, outcome: outcome.clone() })?;
            Ok(outcome)
        }
    }
}

/// Runs (or resumes) `record` until every user is answered, the admin pauses and cancels, or an
/// error stops it (the record then says where; `Journal::open` and this again go on).
pub async fn execute<T: Transport + 'static>(
    actions: Arc<Actions<T>>,
    journal: Arc<Journal>,
    record: RunRecord,
    mut control: watch::Receiver<Control>,
    progress: impl Fn(Progress) + Send + Sync + 'static,
) -> (RunRecord, Option<EngineError>) {
    let todo: VecDeque<usize> = record.rows.iter().enumerate().filter(|(_, r)| !matches!(r, RowState::Answered(_))).map(|(i, _)| i).collect();
    let total = record.targets.len();
    let answered = record.rows.iter().filter(|r| matches!(r, RowState::Answered(_))).count();
    let failed = record.rows.iter().filter(|r| matches!(r, RowState::Answered(Outcome::Failed { .. }))).count();
    let shared = Arc::new(Mutex::new((record, todo, answered, failed, None::<EngineError>)));
    let progress = Arc::new(progress);
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..CONCURRENCY {
        let (actions, journal, shared, progress) = (actions.clone(), journal.clone(), shared.clone(), progress.clone());
        let mut control = control.clone();
        workers.spawn(async move {
            loop {
                // Paused: wait; cancelled: stop taking users (those in flight finish).
                loop {
                    let now = *control.borrow_and_update();
                    match now {
                        Control::Run => break,
                        Control::Cancel => return,
                        Control::Pause => {
                            if control.changed().await.is_err() {
                                return;
                            }
                        }
                    }
                }
                let next = {
                    let mut s = lock(&shared);
                    if s.4.is_some() {
                        return;
                    }
                    s.1.pop_front().map(|row| (row, s.0.targets[row].clone(), s.0.rows[row].clone(), s.0.action.clone()))
                };
                let Some((row, target, state, action)) = next else { return };
                let result = one(&actions, &journal, &action, row, &target, &state).await;
                let mut s = lock(&shared);
                match result {
                    Ok(outcome) => {
                        s.2 += 1;
                        if matches!(outcome, Outcome::Failed { .. }) {
                            s.3 += 1;
                        }
                        s.0.rows[row] = RowState::Answered(outcome.clone());
                        let p = Progress { run_id: s.0.run_id.clone(), total, done: s.2, failed: s.3, row, email: target.email.clone(), outcome };
                        drop(s);
                        progress(p);
                    }
                    Err(e) => {
                        // This user stays where the journal left it (sent or not) for a resume.
                        if !matches!(s.0.rows[row], RowState::Answered(_)) && matches!(state, RowState::NotSent) {
                            s.0.rows[row] = RowState::Unanswered;
                        }
                        s.4.get_or_insert(e);
                        return;
                    }
                }
            }
        });
    }
    while workers.join_next().await.is_some() {}
    let cancelled = *control.borrow_and_update() == Control::Cancel;
    let (mut record, _, _, _, error) = match Arc::try_unwrap(shared) {
        Ok(m) => m.into_inner().unwrap_or_else(|p| p.into_inner()),
        Err(shared) => {
            let s = lock(&shared);
            (s.0.clone(), VecDeque::new(), 0, 0, s.4.clone())
        }
    };
    if cancelled && !record.finished() {
        record.cancelled = true;
        let _ = journal.append(&Entry::Cancelled { at: chrono::Utc::now().timestamp() });
    }
    (record, error)
}

/// A CSV of a run's results: one row per user, safe to open in a spreadsheet (a cell that a
/// spreadsheet would take for a formula is prefixed with `'`).
pub fn results_csv(record: &RunRecord) -> String {
    fn cell(v: &str) -> String {
        let v = if v.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{v}") } else { v.to_string() };
        if v.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", v.replace('"', "\"\""))
        } else {
            v
        }
    }
    let mut out = String::from("email,user_id,outcome,detail\n");
    for (t, r) in record.targets.iter().zip(&record.rows) {
        let (outcome, detail) = match r {
            RowState::NotSent => ("not_sent", String::new()),
            RowState::Unanswered => ("unanswered", String::new()),
            RowState::Answered(Outcome::Done) => ("done", String::new()),
            RowState::Answered(Outcome::AlreadyDone) => ("already_done", String::new()),
            RowState::Answered(Outcome::Failed { code, message }) => ("failed", format!("{}: {message}", code.as_str())),
        };
        out.push_str(&format!("{},{},{},{}\n", cell(&t.email), cell(t.user_id.as_deref().unwrap_or("")), outcome, cell(&detail)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_a_csv_a_spreadsheet_cannot_run() {
        let record = RunRecord {
            run_id: "r".into(),
            connection_id: "c".into(),
            nickname: "n".into(),
            action: BulkAction::Deactivate,
            targets: vec![Target { key: "k".into(), user_id: Some("u1".into()), email: "=cmd@x.example".into(), pending: false }],
            created_at: 0,
            rows: vec![RowState::Answered(Outcome::Failed { code: ErrorCode::ZoomError, message: "a, \"b\"".into() })],
            cancelled: false,
        };
        assert_eq!(results_csv(&record), "email,user_id,outcome,detail\n'=cmd@x.example,u1,failed,\"zoom_error: a, \"\"b\"\"\"\n");
    }
}
