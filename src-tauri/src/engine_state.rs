//! The engine inside the app: opened at start on the app's data directory and the OS keychain,
//! pointed at the embedded sandbox, keepalive running for the app's lifetime, and its events
//! forwarded to the window, the tray and notifications.

use std::sync::Arc;

use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::Event;
use tauri_plugin_notification::NotificationExt;
use zoom_connections_engine::model::Status;

use crate::ipc::{ConnectionsChanged, FlowEnded};
use zoom_connections_engine::vault::KeychainStore;
use zoom_connections_engine::{Engine, EngineConfig, EngineError, EngineEvent, ErrorCode, DEFAULT_CONCURRENCY, DEFAULT_TICK};

/// The engine, or why it could not open (the window still starts and shows the error).
pub struct AppEngine(pub Result<Engine, EngineError>);

impl AppEngine {
    pub fn get(&self) -> Result<Engine, EngineError> {
        self.0.clone()
    }
}


pub fn open<R: Runtime>(app: &AppHandle<R>, sandbox_url: Option<String>) {
    let engine = app
        .path()
        .app_data_dir()
        .map_err(|e| EngineError::new(ErrorCode::Storage, format!("no data directory: {e}")))
        .and_then(|dir| {
            // The command line reaches sandbox connections through the running app's sandbox.
            if let Some(url) = &sandbox_url {
                let _ = std::fs::create_dir_all(&dir);
                if let Err(e) = std::fs::write(dir.join(crate::cli::SANDBOX_URL_FILE), url) {
                    tracing::warn!("could not record the sandbox address for the command line: {e}");
                }
            }
            let mut config = EngineConfig::new(dir, Arc::new(KeychainStore::new()));
            config.sandbox_url = sandbox_url;
            if let Some(clock) = crate::sandbox::time_travel_clock(app) {
                config.clock = clock;
            }
            Engine::open(config)
        });
    match &engine {
        Ok(engine) => {
            if let Some(warning) = engine.startup_warning() {
                tracing::error!(error_code = warning.code.as_str(), "{warning}");
            }
            forward_events(app, engine);
            let keepalive = engine.clone();
            tauri::async_runtime::spawn(async move { keepalive.run_keepalive(DEFAULT_TICK, DEFAULT_CONCURRENCY).await });
        }
        Err(e) => tracing::error!(error_code = e.code.as_str(), "the engine could not open: {e}"),
    }
    app.manage(AppEngine(engine));
}

/// "Run keepalive now" from the tray or the window.
pub fn run_keepalive_now<R: Runtime>(app: &AppHandle<R>) {
    let Ok(engine) = app.state::<AppEngine>().get() else { return };
    tauri::async_runtime::spawn(async move {
        let report = engine.check_now(DEFAULT_CONCURRENCY).await;
        tracing::info!(refreshed = report.refreshed, failed = report.failed, "keepalive run on request");
    });
}

fn notify<R: Runtime>(app: &AppHandle<R>, engine: &Engine, nickname: &str, from: Status, to: Status, reason: Option<&str>) {
    if !engine.settings().notifications {
        return;
    }
    let lost = matches!(to, Status::NeedsReconnect | Status::Superseded);
    let recovered = to == Status::Active && matches!(from, Status::NeedsReconnect | Status::Superseded | Status::Retrying);
    let (title, body) = if lost {
        (format!("“{nickname}” needs you"), format!("{}. Open Zoom Connections to reconnect it.", reason.unwrap_or("The connection ended")))
    } else if recovered {
        (format!("“{nickname}” is active again"), "The connection recovered; nothing to do.".to_string())
    } else {
        return;
    };
    tracing::info!(title = %title, "notification");
    if let Err(e) = app.notification().builder().title(&title).body(&body).show() {
        tracing::warn!("could not show a notification: {e}");
    }
}

fn forward_events<R: Runtime>(app: &AppHandle<R>, engine: &Engine) {
    let mut events = engine.subscribe();
    let app = app.clone();
    let engine = engine.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(EngineEvent::ConnectionsChanged) => {
                    crate::tray::refresh(&app);
                    let _ = ConnectionsChanged.emit(&app);
                }
                Ok(EngineEvent::StatusChanged { nickname, from, to, reason, .. }) => {
                    notify(&app, &engine, &nickname, from, to, reason.as_deref());
                }
                Ok(event @ EngineEvent::FlowEnded { .. }) => {
                    crate::window::show_main(&app);
                    if let Some(ended) = FlowEnded::from_engine(event) {
                        let _ = ended.emit(&app);
                    }
                }
                // Missed events: refresh everything.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    crate::tray::refresh(&app);
                    let _ = ConnectionsChanged.emit(&app);
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}
