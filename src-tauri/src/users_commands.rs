//! The commands of the window's Users view (docs/architecture.md): a connection's users and
//! groups, one action on one user, and bulk runs — planned, run in the background with typed
//! progress events, paused, cancelled, resumed, undone and exported. Each is a thin call into the
//! engine's `actions/`; user data crosses to the window and is kept nowhere else.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use specta::Type;
use tauri::{AppHandle, Runtime, State};
use tauri_specta::Event;
use tokio::sync::watch;
use zoom_connections_engine::actions::bulk::{self, BulkAction, Control, Plan, PlannedRow, Progress, Verdict};
use zoom_connections_engine::actions::groups::ZoomGroup;
use zoom_connections_engine::actions::journal::{self, Journal, RowState, RunRecord};
use zoom_connections_engine::actions::users::{UserStatus, ZoomUser};
use zoom_connections_engine::actions::{Actions, Direct};
use zoom_connections_engine::{Engine, EngineError, ErrorCode};

use crate::engine_state::AppEngine;

type CmdResult<T> = Result<T, EngineError>;

/// A poisoned map of runs is still a map of runs.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The bulk runs going on in this process, by run id: how to pause or cancel each.
#[derive(Default)]
pub struct BulkRuns(Mutex<HashMap<String, watch::Sender<Control>>>);

/// A bulk run advanced by one user.
#[derive(Debug, Clone, Serialize, Type, Event)]
pub struct BulkProgress(pub Progress);

/// A bulk run stopped: finished, cancelled, or cut off by `error` (then it can be resumed).
#[derive(Debug, Clone, Serialize, Type, Event)]
pub struct BulkEnded {
    pub run_id: String,
    pub finished: bool,
    pub cancelled: bool,
    pub error: Option<EngineError>,
}

/// A bulk run as the recent actions list shows it.
#[derive(Debug, Clone, Serialize, Type)]
pub struct RunSummary {
    pub run_id: String,
    pub action: BulkAction,
    pub created_at: i64,
    pub users: u32,
    pub done: u32,
    pub failed: u32,
    pub finished: bool,
    pub cancelled: bool,
    /// Going on in this process now.
    pub running: bool,
    /// A finished (de)activation: it can be undone.
    pub undoable: bool,
}

fn actions_of(engine: &Engine, connection_id: &str) -> CmdResult<Arc<Actions<Direct>>> {
    let direct = Direct::new(engine, connection_id)?;
    let scopes = direct.scopes()?;
    Ok(Arc::new(Actions::new(direct, scopes)))
}

#[tauri::command]
#[specta::specta]
pub async fn list_users(engine: State<'_, AppEngine>, connection_id: String) -> CmdResult<Vec<ZoomUser>> {
    let actions = actions_of(&engine.get()?, &connection_id)?;
    let started = std::time::Instant::now();
    let mut all = Vec::new();
    for status in UserStatus::ALL {
        all.extend(actions.list_users(status, |_| {}).await?);
    }
    // `make bench` (bench/users-view.mjs) subtracts this from the window's time.
    tracing::info!(users = all.len(), elapsed_ms = started.elapsed().as_secs_f64() * 1000.0, "users listed");
    Ok(all)
}

#[tauri::command]
#[specta::specta]
pub async fn list_groups(engine: State<'_, AppEngine>, connection_id: String) -> CmdResult<Vec<ZoomGroup>> {
    actions_of(&engine.get()?, &connection_id)?.list_groups().await
}

/// One user's details, fresh from Zoom (groups included).
#[tauri::command]
#[specta::specta]
pub async fn get_user(engine: State<'_, AppEngine>, connection_id: String, user: String) -> CmdResult<ZoomUser> {
    actions_of(&engine.get()?, &connection_id)?.get_user(&user).await
}

/// One action on one user: a run of one, journaled like a bulk run's, so that it shows among the
/// recent actions (and a deactivation can be undone) and is never sent twice.
#[tauri::command]
#[specta::specta]
pub async fn user_action(
    engine: State<'_, AppEngine>,
    connection_id: String,
    email: String,
    user_id: Option<String>,
    pending: bool,
    action: BulkAction,
) -> CmdResult<()> {
    let engine = engine.get()?;
    let conn = engine.connection(&connection_id)?;
    let actions = actions_of(&engine, &connection_id)?;
    let user = ZoomUser { id: user_id, email: email.clone(), status: if pending { "pending" } else { "active" }.into(), ..ZoomUser::default() };
    let plan = Plan { action, rows: vec![PlannedRow { key: email, user: Some(user), verdict: Verdict::Change { what: String::new() } }] };
    let (journal, record) = bulk::start(engine.data_dir(), &conn.id, &conn.nickname, &plan, engine.now())?;
    let (_tx, rx) = watch::channel(Control::Run);
    let (record, error) = bulk::execute(actions, Arc::new(journal), record, rx, |_| {}).await;
    if let Some(e) = error {
        return Err(e);
    }
    match record.rows.first() {
        Some(RowState::Answered(journal::Outcome::Failed { code, message })) => Err(EngineError::new(*code, message.clone())),
        _ => Ok(()),
    }
}

#[tauri::command]
#[specta::specta]
pub async fn remove_from_group(engine: State<'_, AppEngine>, connection_id: String, group_id: String, user: String) -> CmdResult<()> {
    actions_of(&engine.get()?, &connection_id)?.remove_from_group(&group_id, &user).await
}

/// The dry run of a bulk action on the users `users` names (pasted emails or a CSV's text).
#[tauri::command]
#[specta::specta]
pub async fn plan_bulk(engine: State<'_, AppEngine>, connection_id: String, action: BulkAction, users: String) -> CmdResult<Plan> {
    let engine = engine.get()?;
    let me = engine.connection(&connection_id)?.identity.email;
    let keys = bulk::parse_users(&users)?;
    if keys.is_empty() {
        return Err(EngineError::new(ErrorCode::InvalidSettings, "Name at least one user (an email or an id)."));
    }
    let actions = actions_of(&engine, &connection_id)?;
    bulk::plan(&actions, action, &keys, Some(&me)).await
}

/// Runs `record` in the background; progress and the end come as events.
fn spawn_run<R: Runtime>(app: AppHandle<R>, runs: &BulkRuns, actions: Arc<Actions<Direct>>, journal: Journal, record: RunRecord) -> String {
    let run_id = record.run_id.clone();
    let (tx, rx) = watch::channel(Control::Run);
    lock(&runs.0).insert(run_id.clone(), tx);
    let progress_app = app.clone();
    let id = run_id.clone();
    tauri::async_runtime::spawn(async move {
        let (record, error) = bulk::execute(actions, Arc::new(journal), record, rx, move |p| {
            let _ = BulkProgress(p).emit(&progress_app);
        })
        .await;
        if let Some(runs) = tauri::Manager::try_state::<BulkRuns>(&app) {
            lock(&runs.0).remove(&id);
        }
        let _ = BulkEnded { run_id: id, finished: record.finished(), cancelled: record.cancelled, error }.emit(&app);
    });
    run_id
}

/// Starts the run of a plan (after the admin confirmed it): its id.
#[tauri::command]
#[specta::specta]
pub async fn start_bulk<R: Runtime>(
    app: AppHandle<R>,
    engine: State<'_, AppEngine>,
    runs: State<'_, BulkRuns>,
    connection_id: String,
    plan: Plan,
) -> CmdResult<String> {
    let engine = engine.get()?;
    let conn = engine.connection(&connection_id)?;
    if plan.targets().is_empty() {
        return Err(EngineError::new(ErrorCode::InvalidSettings, "Nothing to do: no user would change."));
    }
    let (journal, record) = bulk::start(engine.data_dir(), &conn.id, &conn.nickname, &plan, engine.now())?;
    let actions = actions_of(&engine, &connection_id)?;
    Ok(spawn_run(app, &runs, actions, journal, record))
}

/// Goes on with a run that was cut off (the app quit or crashed, the network went).
#[tauri::command]
#[specta::specta]
pub async fn resume_bulk<R: Runtime>(app: AppHandle<R>, engine: State<'_, AppEngine>, runs: State<'_, BulkRuns>, run_id: String) -> CmdResult<String> {
    if lock(&runs.0).contains_key(&run_id) {
        return Ok(run_id);
    }
    let engine = engine.get()?;
    let (journal, record) = Journal::open(engine.data_dir(), &run_id)?;
    let actions = actions_of(&engine, &record.connection_id)?;
    Ok(spawn_run(app, &runs, actions, journal, record))
}

/// Pause, go on, or cancel a running run.
#[tauri::command]
#[specta::specta]
pub async fn control_bulk(runs: State<'_, BulkRuns>, run_id: String, pause: bool, cancel: bool) -> CmdResult<()> {
    let control = if cancel {
        Control::Cancel
    } else if pause {
        Control::Pause
    } else {
        Control::Run
    };
    match lock(&runs.0).get(&run_id) {
        Some(tx) => {
            let _ = tx.send(control);
            Ok(())
        }
        None => Err(EngineError::new(ErrorCode::NotFound, "This run is not going on.")),
    }
}

/// The plan that undoes a finished (de)activation run.
#[tauri::command]
#[specta::specta]
pub async fn undo_bulk(engine: State<'_, AppEngine>, run_id: String) -> CmdResult<Plan> {
    let engine = engine.get()?;
    let record = journal::read(&journal::path_of(engine.data_dir(), &run_id)?)?;
    bulk::undo_plan(&record).ok_or_else(|| EngineError::new(ErrorCode::InvalidSettings, "Only a deactivation or an activation can be undone."))
}

/// The connection's recent bulk runs, newest first.
#[tauri::command]
#[specta::specta]
pub async fn bulk_runs(engine: State<'_, AppEngine>, runs: State<'_, BulkRuns>, connection_id: String) -> CmdResult<Vec<RunSummary>> {
    let engine = engine.get()?;
    let going: Vec<String> = lock(&runs.0).keys().cloned().collect();
    Ok(journal::list(engine.data_dir())
        .into_iter()
        .filter(|r| r.connection_id == connection_id)
        .take(20)
        .map(|r| {
            let done = r.rows.iter().filter(|s| matches!(s, RowState::Answered(_))).count() as u32;
            let failed = r.rows.iter().filter(|s| matches!(s, RowState::Answered(journal::Outcome::Failed { .. }))).count() as u32;
            RunSummary {
                running: going.contains(&r.run_id),
                undoable: r.finished() && r.action.undo().is_some(),
                run_id: r.run_id,
                action: r.action,
                created_at: r.created_at,
                users: r.targets.len() as u32,
                done,
                failed,
                finished: r.rows.iter().all(|s| matches!(s, RowState::Answered(_))),
                cancelled: r.cancelled,
            }
        })
        .collect())
}

/// Each user's result of a run as CSV, saved in the Downloads folder (else the data folder);
/// the path it was saved to.
#[tauri::command]
#[specta::specta]
pub async fn export_bulk(engine: State<'_, AppEngine>, run_id: String) -> CmdResult<String> {
    let engine = engine.get()?;
    let record = journal::read(&journal::path_of(engine.data_dir(), &run_id)?)?;
    let folder = dirs::download_dir().filter(|d| d.is_dir()).unwrap_or_else(|| engine.data_dir().to_path_buf());
    let path = folder.join(format!("zoom-connections-{run_id}.csv"));
    std::fs::write(&path, bulk::results_csv(&record)).map_err(|e| EngineError::new(ErrorCode::Storage, format!("{}: {e}", path.display())))?;
    Ok(path.display().to_string())
}
