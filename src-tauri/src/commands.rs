//! The commands the window may call. Each is a thin call into the engine; errors cross as the
//! engine's `{code, message}`. Every command is async, and engine work that can block — a
//! keychain call (seconds, if the keychain is locked), a lock held across an fsync — runs on a
//! blocking thread (`blocking`), never on the main thread: the window must not freeze.

use serde::Serialize;
use specta::Type;
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_plugin_autostart::ManagerExt;
use tauri_plugin_opener::OpenerExt;
use zoom_connections_engine::broker::Borrowed;
use zoom_connections_engine::clock::{Clock, SystemClock};
use zoom_connections_engine::history::HistoryEvent;
use zoom_connections_engine::model::{AppSettings, Connection, Org};
use zoom_connections_engine::s2s::NewS2s;
use zoom_connections_engine::setup_check::SetupCheck;
use zoom_connections_engine::{Engine, EngineError, FlowStarted, Secret, TestResult};

use crate::engine_state::AppEngine;

type CmdResult<T> = Result<T, EngineError>;

/// Runs `f` with the engine on a blocking thread.
async fn blocking<T: Send + 'static>(engine: &State<'_, AppEngine>, f: impl FnOnce(Engine) -> CmdResult<T> + Send + 'static) -> CmdResult<T> {
    let engine = engine.get()?;
    tauri::async_runtime::spawn_blocking(move || f(engine))
        .await
        .map_err(|_| EngineError::new(zoom_connections_engine::ErrorCode::Storage, "the command was interrupted"))?
}

#[derive(Serialize, Type)]
pub struct Overview {
    pub orgs: Vec<Org>,
    pub connections: Vec<Connection>,
    /// A problem found at start (corrupt metadata moved aside, engine not opened).
    pub warning: Option<EngineError>,
    /// The wall clock (Unix seconds): relative times of real orgs' connections.
    pub now: i64,
    /// The embedded sandbox's time: relative times of sandbox connections (it differs from
    /// `now` when the app follows the sandbox's time travel).
    pub sandbox_now: i64,
}

#[tauri::command]
#[specta::specta]
pub async fn overview(engine: State<'_, AppEngine>) -> CmdResult<Overview> {
    if let Err(err) = engine.get() {
        return Ok(Overview { orgs: vec![], connections: vec![], warning: Some(err), now: SystemClock.now(), sandbox_now: SystemClock.now() });
    }
    blocking(&engine, |e| {
        Ok(Overview { orgs: e.orgs(), connections: e.connections(), warning: e.startup_warning(), now: e.now(), sandbox_now: e.sandbox_now() })
    })
    .await
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
    // Kept by the shell so that a window closed and opened again shows the same wait.
    app.state::<crate::view_memory::ViewMemory>().started(&flow);
    if let Err(e) = app.opener().open_url(flow.authorize_url.clone(), None::<&str>) {
        tracing::warn!("could not open the system browser: {e}");
    }
    Ok(flow)
}

#[tauri::command]
#[specta::specta]
pub async fn cancel_flow(engine: State<'_, AppEngine>, flow_id: String) -> CmdResult<bool> {
    Ok(engine.get()?.cancel_flow(&flow_id))
}

#[tauri::command]
#[specta::specta]
pub async fn delete_connection(engine: State<'_, AppEngine>, id: String) -> CmdResult<()> {
    engine.get()?.delete(&id).await
}

#[tauri::command]
#[specta::specta]
pub async fn delete_connection_locally(engine: State<'_, AppEngine>, id: String) -> CmdResult<String> {
    engine.get()?.delete_locally(&id).await
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
pub async fn org_settings(engine: State<'_, AppEngine>, org_id: String) -> CmdResult<OrgSettings> {
    blocking(&engine, move |engine| {
        let org = engine.org(&org_id)?;
        let client_secret_saved = engine.has_client_secret(&org_id)?;
        let redirect_url = zoom_connections_engine::registered_redirect_url(&org);
        Ok(OrgSettings { org, client_secret_saved, redirect_url })
    })
    .await
}

/// "Check settings": whether Zoom accepts the org's app (client id, redirect URL, app type)
/// before anyone signs in.
#[tauri::command]
#[specta::specta]
pub async fn check_org_settings(engine: State<'_, AppEngine>, org_id: String) -> CmdResult<SetupCheck> {
    engine.get()?.check_org_settings(&org_id).await
}

/// Saves an org's settings; a client secret, when given, goes to the keychain only and is never
/// sent back.
#[tauri::command]
#[specta::specta]
pub async fn save_org(engine: State<'_, AppEngine>, org: Org, client_secret: Option<String>) -> CmdResult<Org> {
    blocking(&engine, move |engine| engine.save_org(org, client_secret.map(Secret::new))).await
}

#[tauri::command]
#[specta::specta]
pub async fn get_settings(engine: State<'_, AppEngine>) -> CmdResult<AppSettings> {
    blocking(&engine, |engine| Ok(engine.settings())).await
}

/// Creates a Server-to-Server connection. The client secret goes to the keychain only and is
/// never sent back to the window.
#[tauri::command]
#[specta::specta]
pub async fn create_s2s_connection(engine: State<'_, AppEngine>, form: NewS2s, client_secret: String) -> CmdResult<Connection> {
    engine.get()?.create_s2s(form, Secret::new(client_secret)).await
}

/// Replaces a Server-to-Server connection's client secret once the new one mints a token.
#[tauri::command]
#[specta::specta]
pub async fn rotate_s2s_secret(engine: State<'_, AppEngine>, id: String, client_secret: String) -> CmdResult<Connection> {
    engine.get()?.rotate_s2s_secret(&id, Secret::new(client_secret)).await
}

/// Sets the alert webhook (None removes it). Its URL is a credential: it goes to the keychain
/// only, and the settings keep its host and kind.
#[tauri::command]
#[specta::specta]
pub async fn set_alert_webhook(engine: State<'_, AppEngine>, url: Option<String>) -> CmdResult<AppSettings> {
    engine.get()?.set_alert_webhook(url.filter(|u| !u.trim().is_empty()).map(Secret::new)).await
}

/// What a test alert reached.
#[derive(Serialize, Type)]
pub struct AlertSent {
    /// The webhook's HTTP status, when one is set.
    pub webhook_status: Option<u16>,
    /// Whether the system log took it (None: alerts to the system log are off).
    pub syslog: Option<bool>,
}

/// Sends a test alert to the webhook and the system log.
#[tauri::command]
#[specta::specta]
pub async fn send_test_alert(engine: State<'_, AppEngine>) -> CmdResult<AlertSent> {
    let delivery = engine.get()?.send_test_alert().await?;
    Ok(AlertSent { webhook_status: delivery.webhook.and_then(|w| w.ok()), syslog: delivery.syslog.map(|s| s.is_ok()) })
}

/// Saves the app settings; launch at login is applied to the OS right away.
#[tauri::command]
#[specta::specta]
pub async fn save_settings<R: Runtime>(app: AppHandle<R>, engine: State<'_, AppEngine>, settings: AppSettings) -> CmdResult<AppSettings> {
    let handle = app.clone();
    let saved = blocking(&engine, move |engine| {
        let before = engine.settings();
        let saved = engine.save_settings(settings)?;
        if saved.launch_at_login != before.launch_at_login {
            // The autostart entry is a file too.
            let autolaunch = handle.autolaunch();
            let applied = if saved.launch_at_login { autolaunch.enable() } else { autolaunch.disable() };
            applied.map_err(|e| EngineError::new(zoom_connections_engine::ErrorCode::InvalidSettings, format!("Launch at login could not be changed: {e}")))?;
        }
        Ok(saved)
    })
    .await?;
    // The tray follows the language setting.
    crate::tray::refresh(&app);
    Ok(saved)
}

#[tauri::command]
#[specta::specta]
pub async fn run_keepalive_now<R: Runtime>(app: AppHandle<R>) -> CmdResult<()> {
    crate::engine_state::run_keepalive_now(&app);
    Ok(())
}

/// Opens the page where a Zoom user removes the app (Zoom App Marketplace → Manage → Added
/// Apps) in the system browser; for the sandbox org, the sandbox's own Added Apps page.
#[tauri::command]
#[specta::specta]
pub async fn open_zoom_added_apps<R: Runtime>(app: AppHandle<R>, engine: State<'_, AppEngine>, org_id: String) -> CmdResult<String> {
    let url = blocking(&engine, move |engine| engine.added_apps_url(&org_id)).await?;
    app.opener()
        .open_url(url.clone(), None::<&str>)
        .map_err(|e| EngineError::new(zoom_connections_engine::ErrorCode::InvalidSettings, format!("The browser could not be opened: {e}")))?;
    Ok(url)
}

/// *Open in browser again* in the waiting dialog: the sign-in page of the flow the window
/// started, while the engine still waits for it (an ended or unknown flow opens nothing).
#[tauri::command]
#[specta::specta]
pub async fn reopen_sign_in<R: Runtime>(app: AppHandle<R>, engine: State<'_, AppEngine>, flow_id: String) -> CmdResult<()> {
    let pending = engine.get()?.is_flow_pending(&flow_id);
    let url = app.state::<crate::view_memory::ViewMemory>().authorize_url_of(&flow_id).filter(|_| pending);
    let url = url.ok_or_else(|| EngineError::new(zoom_connections_engine::ErrorCode::FlowExpired, "This sign-in has ended; start again."))?;
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| EngineError::new(zoom_connections_engine::ErrorCode::InvalidSettings, format!("The browser could not be opened: {e}")))
}

/// Rename: a new nickname for a connection (its tokens and id stay).
#[tauri::command]
#[specta::specta]
pub async fn rename_connection(engine: State<'_, AppEngine>, id: String, nickname: String) -> CmdResult<Connection> {
    blocking(&engine, move |engine| engine.rename(&id, &nickname)).await
}

/// Removes an org without connections (and its client secret from the keychain).
#[tauri::command]
#[specta::specta]
pub async fn remove_org(engine: State<'_, AppEngine>, org_id: String) -> CmdResult<()> {
    blocking(&engine, move |engine| engine.remove_org(&org_id)).await
}

/// When, and by which process, a script last borrowed the connection through the broker (its
/// audit log): the details and the delete dialog say it.
#[tauri::command]
#[specta::specta]
pub async fn last_borrowed(engine: State<'_, AppEngine>, id: String) -> CmdResult<Option<Borrowed>> {
    blocking(&engine, move |engine| {
        engine.connection(&id)?;
        Ok(zoom_connections_engine::broker::last_borrowed(engine.data_dir(), &id))
    })
    .await
}

/// Where scripts on this machine reach the broker (the details' `curl` line): the socket the
/// app, or `serve`, listens on in the broker's directory, if it is there.
#[tauri::command]
#[specta::specta]
pub async fn broker_socket() -> CmdResult<Option<String>> {
    use zoom_connections_engine::broker::{default_dir, SOCKET_FILE};
    let socket = default_dir().join(SOCKET_FILE);
    Ok(socket.exists().then(|| socket.display().to_string()))
}

/// The last 24 hours of a connection's keepalive events, for the timeline.
#[tauri::command]
#[specta::specta]
pub async fn connection_history(engine: State<'_, AppEngine>, id: String) -> CmdResult<Vec<HistoryEvent>> {
    blocking(&engine, move |engine| {
        engine.connection(&id)?;
        Ok(engine.history(&id))
    })
    .await
}

#[cfg(test)]
mod tests {
    /// Every command is async (the window must not freeze on a keychain call or a lock): a
    /// synchronous `#[tauri::command]` runs on the main thread.
    #[test]
    fn every_command_is_async() {
        // Every file with commands (a synchronous one would run on the main thread).
        let source = [include_str!("commands.rs"), include_str!("users_commands.rs"), include_str!("view_memory.rs")].join("\n");
        let mut lines = source.lines();
        let mut commands = 0;
        while let Some(line) = lines.next() {
            if line.trim() == "#[tauri::command]" {
                let signature = lines.by_ref().find(|l| l.contains(" fn ")).unwrap_or_default();
                assert!(signature.contains("async fn"), "a synchronous command: {signature}");
                commands += 1;
            }
        }
        assert!(commands >= 30, "found {commands} commands");
    }
}
