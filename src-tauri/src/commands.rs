//! The commands the window may call. Each is a thin call into the engine; errors cross as the
//! engine's `{code, message}`.

use serde::Serialize;
use specta::Type;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_autostart::ManagerExt;
use tauri_plugin_opener::OpenerExt;
use zoom_connections_engine::clock::{Clock, SystemClock};
use zoom_connections_engine::history::HistoryEvent;
use zoom_connections_engine::model::{AppSettings, Connection, Org};
use zoom_connections_engine::{EngineError, FlowStarted, Secret, TestResult};

use crate::engine_state::AppEngine;

type CmdResult<T> = Result<T, EngineError>;

#[derive(Serialize, Type)]
pub struct Overview {
    pub orgs: Vec<Org>,
    pub connections: Vec<Connection>,
    /// A problem found at start (corrupt metadata moved aside, engine not opened).
    pub warning: Option<EngineError>,
    /// The engine's time (Unix seconds): relative times in the window are measured against it.
    pub now: i64,
}

#[tauri::command]
#[specta::specta]
pub fn overview(engine: State<'_, AppEngine>) -> Overview {
    match engine.get() {
        Ok(e) => Overview { orgs: e.orgs(), connections: e.connections(), warning: e.startup_warning(), now: e.now() },
        Err(err) => Overview { orgs: vec![], connections: vec![], warning: Some(err), now: SystemClock.now() },
    }
}

/// Starts New Connection (or Reconnect with `reconnect_of`) and opens Zoom's sign-in in the
/// system browser. The URL is returned too, so the user can copy it if no browser opens.
#[tauri::command]
#[specta::specta]
pub async fn begin_connect<R: Runtime>(
    app: AppHandle<R>,
    engine: State<'_, AppEngine>,
    org_id: String,
    nickname: String,
    reconnect_of: Option<String>,
) -> CmdResult<FlowStarted> {
    let engine = engine.get()?;
    let flow = match reconnect_of {
        Some(id) => engine.begin_reconnect(&id).await?,
        None => engine.begin_create(&org_id, &nickname).await?,
    };
    if let Err(e) = app.opener().open_url(flow.authorize_url.clone(), None::<&str>) {
        tracing::warn!("could not open the system browser: {e}");
    }
    Ok(flow)
}

#[tauri::command]
#[specta::specta]
pub fn cancel_flow(engine: State<'_, AppEngine>, flow_id: String) -> CmdResult<bool> {
    Ok(engine.get()?.cancel_flow(&flow_id))
}

#[tauri::command]
#[specta::specta]
pub async fn delete_connection(engine: State<'_, AppEngine>, id: String) -> CmdResult<()> {
    engine.get()?.delete(&id).await
}

#[tauri::command]
#[specta::specta]
pub fn delete_connection_locally(engine: State<'_, AppEngine>, id: String) -> CmdResult<String> {
    engine.get()?.delete_locally(&id)
}

#[tauri::command]
#[specta::specta]
pub async fn test_connection(engine: State<'_, AppEngine>, id: String) -> CmdResult<TestResult> {
    engine.get()?.test_connection(&id).await
}

/// An org's settings as the Settings view shows them: never the client secret itself, only
/// whether one is in the keychain, and the exact redirect URL to register in the Zoom app.
#[derive(Serialize, Type)]
pub struct OrgSettings {
    pub org: Org,
    pub client_secret_saved: bool,
    pub redirect_url: String,
}

#[tauri::command]
#[specta::specta]
pub fn org_settings(engine: State<'_, AppEngine>, org_id: String) -> CmdResult<OrgSettings> {
    let engine = engine.get()?;
    let org = engine.org(&org_id)?;
    let client_secret_saved = engine.has_client_secret(&org_id)?;
    let redirect_url = zoom_connections_engine::registered_redirect_url(&org);
    Ok(OrgSettings { org, client_secret_saved, redirect_url })
}

/// Saves an org's settings; a client secret, when given, goes to the keychain only and is never
/// sent back.
#[tauri::command]
#[specta::specta]
pub fn save_org(engine: State<'_, AppEngine>, org: Org, client_secret: Option<String>) -> CmdResult<Org> {
    engine.get()?.save_org(org, client_secret.map(Secret::new))
}

#[tauri::command]
#[specta::specta]
pub fn get_settings(engine: State<'_, AppEngine>) -> CmdResult<AppSettings> {
    Ok(engine.get()?.settings())
}

/// Saves the app settings; launch at login is applied to the OS right away.
#[tauri::command]
#[specta::specta]
pub fn save_settings<R: Runtime>(app: AppHandle<R>, engine: State<'_, AppEngine>, settings: AppSettings) -> CmdResult<AppSettings> {
    let engine = engine.get()?;
    let before = engine.settings();
    let saved = engine.save_settings(settings)?;
    if saved.launch_at_login != before.launch_at_login {
        let autolaunch = app.autolaunch();
        let applied = if saved.launch_at_login { autolaunch.enable() } else { autolaunch.disable() };
        if let Err(e) = applied {
            return Err(EngineError::new(
                zoom_connections_engine::ErrorCode::InvalidSettings,
                format!("Launch at login could not be changed: {e}"),
            ));
        }
    }
    Ok(saved)
}

#[tauri::command]
#[specta::specta]
pub fn run_keepalive_now<R: Runtime>(app: AppHandle<R>) {
    crate::engine_state::run_keepalive_now(&app);
}

/// Opens the page where a Zoom user removes the app (Zoom App Marketplace → Manage → Added
/// Apps) in the system browser; for the sandbox org, the sandbox's own Added Apps page.
#[tauri::command]
#[specta::specta]
pub fn open_zoom_added_apps<R: Runtime>(app: AppHandle<R>, engine: State<'_, AppEngine>, org_id: String) -> CmdResult<String> {
    let engine = engine.get()?;
    let url = engine.added_apps_url(&org_id)?;
    app.opener().open_url(url.clone(), None::<&str>).map_err(|e| {
        EngineError::new(zoom_connections_engine::ErrorCode::InvalidSettings, format!("The browser could not be opened: {e}"))
    })?;
    Ok(url)
}

/// The last 24 hours of a connection's keepalive events, for the timeline.
#[tauri::command]
#[specta::specta]
pub fn connection_history(engine: State<'_, AppEngine>, id: String) -> CmdResult<Vec<HistoryEvent>> {
    let engine = engine.get()?;
    engine.connection(&id)?;
    Ok(engine.history(&id))
}
