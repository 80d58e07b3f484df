//! The engine inside the app: opened at start on the app's data directory and the OS keychain,
//! pointed at the embedded sandbox, with its events forwarded to the window.

use std::sync::Arc;

use tauri::{AppHandle, Emitter, Manager, Runtime};
use zoom_connections_engine::vault::KeychainStore;
use zoom_connections_engine::{Engine, EngineConfig, EngineError, EngineEvent, ErrorCode};

/// The engine, or why it could not open (the window still starts and shows the error).
pub struct AppEngine(pub Result<Engine, EngineError>);

impl AppEngine {
    pub fn get(&self) -> Result<Engine, EngineError> {
        self.0.clone()
    }
}

/// Events the window listens to.
pub const EVENT_CONNECTIONS_CHANGED: &str = "connections-changed";
pub const EVENT_FLOW_ENDED: &str = "flow-ended";

pub fn open<R: Runtime>(app: &AppHandle<R>, sandbox_url: Option<String>) {
    let engine = app
        .path()
        .app_data_dir()
        .map_err(|e| EngineError::new(ErrorCode::Storage, format!("no data directory: {e}")))
        .and_then(|dir| {
            let mut config = EngineConfig::new(dir, Arc::new(KeychainStore::new()));
            config.sandbox_url = sandbox_url;
            Engine::open(config)
        });
    match &engine {
        Ok(engine) => {
            if let Some(warning) = engine.startup_warning() {
                tracing::error!(error_code = warning.code.as_str(), "{warning}");
            }
            forward_events(app, engine);
        }
        Err(e) => tracing::error!(error_code = e.code.as_str(), "the engine could not open: {e}"),
    }
    app.manage(AppEngine(engine));
}

fn forward_events<R: Runtime>(app: &AppHandle<R>, engine: &Engine) {
    let mut events = engine.subscribe();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event @ EngineEvent::ConnectionsChanged) => {
                    let _ = app.emit(EVENT_CONNECTIONS_CHANGED, event);
                }
                Ok(event @ EngineEvent::FlowEnded { .. }) => {
                    crate::window::show_main(&app);
                    let _ = app.emit(EVENT_FLOW_ENDED, event);
                }
                // Missed events: the window re-reads the list on the next change anyway.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    let _ = app.emit(EVENT_CONNECTIONS_CHANGED, EngineEvent::ConnectionsChanged);
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}
