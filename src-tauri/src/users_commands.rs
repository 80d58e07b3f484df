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
use zoom_connections_engine::actions::bulk::{self, BulkAction, Control, Plan, Progress, Refusal, Verdict};
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

/// The bulk runs going on in this process, by run id (how to pause or cancel each), and the
/// plans the window showed, by plan id: a run is only ever of a plan made here, never of one the
/// window sends back.
#[derive(Default)]
pub struct BulkRuns {
    going: Mutex<HashMap<String, watch::Sender<Control>>>,
    plans: Mutex<HashMap<String, (String, Plan)>>,
    /// Plan ids: a count (they only name plans kept in this process's memory).
    next_plan: std::sync::atomic::AtomicU64,
}

/// A dry run the window shows, and the id that starts it.
#[derive(Debug, Clone, Serialize, Type)]
pub struct PlannedBulk {
    pub plan_id: String,
    pub plan: Plan,
}

/// At most this many plans are kept for the window (older ones are forgotten).
const PLANS_KEPT: usize = 16;

impl BulkRuns {
    fn keep(&self, connection_id: &str, plan: Plan) -> PlannedBulk {
        let plan_id = format!("plan-{}", self.next_plan.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        let mut plans = lock(&self.plans);
        if plans.len() >= PLANS_KEPT {
            plans.clear();
        }
        plans.insert(plan_id.clone(), (connection_id.to_string(), plan.clone()));
        PlannedBulk { plan_id, plan }
    }
}

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

/// One action on one user: looked up and checked as a bulk run's users are (Zoom's owner and
/// admins, the connection's own user, an invitation), then run as a run of one, journaled, so
/// that it shows among the recent actions (and a deactivation can be undone).
#[tauri::command]
#[specta::specta]
pub async fn user_action(engine: State<'_, AppEngine>, connection_id: String, email: String, user_id: Option<String>, action: BulkAction) -> CmdResult<()> {
    let engine = engine.get()?;
    let conn = engine.connection(&connection_id)?;
    let actions = actions_of(&engine, &connection_id)?;
    let key = user_id.unwrap_or(email);
    let plan = bulk::plan(&actions, action, &[key], Some(&conn.identity.email)).await?;
    match plan.rows.first().map(|r| &r.verdict) {
        Some(Verdict::Change { .. }) => {}
        Some(Verdict::NoChange) => return Ok(()),
        Some(Verdict::Refused { why }) => return Err(EngineError::new(ErrorCode::InvalidSettings, refusal_words(*why))),
        None => return Ok(()),
    }
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

fn refusal_words(why: Refusal) -> &'static str {
    match why {
        Refusal::Admin => "Zoom does not let anyone deactivate or remove the account owner or an admin: make them a member first.",
        Refusal::Yourself => "This is the connection's own Zoom user.",
        Refusal::Pending => "The user has not accepted Zoom's invitation yet.",
        Refusal::Duplicate => "The user is named twice.",
        Refusal::NotFound => "No Zoom user has this email or id.",
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
pub async fn plan_bulk(
    engine: State<'_, AppEngine>,
    runs: State<'_, BulkRuns>,
    connection_id: String,
    action: BulkAction,
    users: String,
) -> CmdResult<PlannedBulk> {
    let engine = engine.get()?;
    let me = engine.connection(&connection_id)?.identity.email;
    let keys = bulk::parse_users(&users)?;
    if keys.is_empty() {
        return Err(EngineError::new(ErrorCode::InvalidSettings, "Name at least one user (an email or an id)."));
    }
    let actions = actions_of(&engine, &connection_id)?;
    let plan = bulk::plan(&actions, action, &keys, Some(&me)).await?;
    Ok(runs.keep(&connection_id, plan))
}

/// Runs `record` in the background; progress and the end come as events.
fn spawn_run<R: Runtime>(app: AppHandle<R>, runs: &BulkRuns, actions: Arc<Actions<Direct>>, journal: Journal, record: RunRecord) -> String {
    let run_id = record.run_id.clone();
    let (tx, rx) = watch::channel(Control::Run);
    lock(&runs.going).insert(run_id.clone(), tx);
    let progress_app = app.clone();
    let id = run_id.clone();
    tauri::async_runtime::spawn(async move {
        let (record, error) = bulk::execute(actions, Arc::new(journal), record, rx, move |p| {
            let _ = BulkProgress(p).emit(&progress_app);
        })
        .await;
        if let Some(runs) = tauri::Manager::try_state::<BulkRuns>(&app) {
            lock(&runs.going).remove(&id);
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
    plan_id: String,
) -> CmdResult<String> {
    let engine = engine.get()?;
    let conn = engine.connection(&connection_id)?;
    let plan = match lock(&runs.plans).remove(&plan_id) {
        Some((of, plan)) if of == connection_id => plan,
        _ => return Err(EngineError::new(ErrorCode::NotFound, "This dry run is no longer known: check again.")),
    };
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
    if lock(&runs.going).contains_key(&run_id) {
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
    match lock(&runs.going).get(&run_id) {
        Some(tx) => {
            let _ = tx.send(control);
            Ok(())
        }
        None => Err(EngineError::new(ErrorCode::NotFound, "This run is not going on.")),
    }
}

/// The dry run that undoes a finished (de)activation run: its users, looked up in Zoom now.
#[tauri::command]
#[specta::specta]
pub async fn undo_bulk(engine: State<'_, AppEngine>, runs: State<'_, BulkRuns>, run_id: String) -> CmdResult<PlannedBulk> {
    let engine = engine.get()?;
    let record = journal::read(&journal::path_of(engine.data_dir(), &run_id)?)?;
    let undo = bulk::undo_plan(&record).ok_or_else(|| EngineError::new(ErrorCode::InvalidSettings, "Only a deactivation or an activation can be undone."))?;
    let conn = engine.connection(&record.connection_id)?;
    let keys: Vec<String> = undo.rows.iter().map(|r| r.user.as_ref().and_then(|u| u.id.clone()).unwrap_or_else(|| r.key.clone())).collect();
    let actions = actions_of(&engine, &conn.id)?;
    let plan = bulk::plan(&actions, undo.action, &keys, Some(&conn.identity.email)).await?;
    Ok(runs.keep(&conn.id, plan))
}

/// The connection's recent bulk runs, newest first.
#[tauri::command]
#[specta::specta]
pub async fn bulk_runs(engine: State<'_, AppEngine>, runs: State<'_, BulkRuns>, connection_id: String) -> CmdResult<Vec<RunSummary>> {
    let engine = engine.get()?;
    let going: Vec<String> = lock(&runs.going).keys().cloned().collect();
    let dir = engine.data_dir().to_path_buf();
    // Reading every journal is file work: off the async threads.
    let listed = tauri::async_runtime::spawn_blocking(move || journal::list(&dir)).await.unwrap_or_default();
    Ok(listed
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
    // This user's alone (the users' emails are in it), and never over a file already there.
    let csv = bulk::results_csv(&record);
    for n in 1..100 {
        let name = if n == 1 { format!("zoom-connections-{run_id}.csv") } else { format!("zoom-connections-{run_id} ({n}).csv") };
        let path = folder.join(name);
        match zoom_connections_engine::fsutil::private_options().write(true).create_new(true).open(&path) {
            Ok(mut file) => {
                std::io::Write::write_all(&mut file, csv.as_bytes()).map_err(|e| EngineError::new(ErrorCode::Storage, format!("{}: {e}", path.display())))?;
                return Ok(path.display().to_string());
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(EngineError::new(ErrorCode::Storage, format!("{}: {e}", path.display()))),
        }
    }
    Err(EngineError::new(ErrorCode::Storage, "Too many exports of this run in the Downloads folder."))
}
