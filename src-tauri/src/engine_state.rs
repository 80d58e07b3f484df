//! The engine inside the app: opened at start on the app's data directory and the OS keychain,
//! pointed at the embedded sandbox, keepalive running for the app's lifetime, and its events
//! forwarded to the window, the tray and notifications.

use std::sync::Arc;

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;
use tauri_specta::Event;
use zoom_connections_engine::model::Status;

use crate::i18n::{fill, Strings};
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
    let engine = app.path().app_data_dir().map_err(|e| EngineError::new(ErrorCode::Storage, format!("no data directory: {e}"))).and_then(|dir| {
        // The command line reaches sandbox connections through the running app's sandbox.
        if let Some(url) = &sandbox_url {
            if let Err(e) = zoom_connections_engine::fsutil::write_atomic(&dir.join(zoom_connections_cli::SANDBOX_URL_FILE), url.as_bytes()) {
                tracing::warn!("could not record the sandbox address for the command line: {e}");
            }
        }
        let mut config = EngineConfig::new(dir, Arc::new(KeychainStore::new()));
        config.sandbox_url = sandbox_url;
        // Time travel moves sandbox connections only; real ones keep the wall clock.
        config.sandbox_clock = crate::sandbox::time_travel_clock(app);
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
            serve_scripts(app, engine);
        }
        Err(e) => tracing::error!(error_code = e.code.as_str(), "the engine could not open: {e}"),
    }
    app.manage(AppEngine(engine));
}

/// The broker for scripts (docs/cli.md, The broker) and the alerts beyond the desktop, for as
/// long as the app runs. When `zoom-connections serve` already serves the broker, the app runs
/// without one (it says so in the log) and the two share connections through their locks.
fn serve_scripts<R: Runtime>(app: &AppHandle<R>, engine: &Engine) {
    let engine = engine.clone();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        // Inside the runtime: the alerts' task is spawned on it.
        let _alerts = engine.spawn_alerts();
        let mut config = zoom_connections_engine::broker::BrokerConfig::new(zoom_connections_engine::broker::default_dir());
        // Tools that cannot use a Unix socket reach the broker on 127.0.0.1 with this run's
        // secret when the user asks for it, as `serve --tcp` does (docs/cli.md, The broker);
        // without Unix sockets (Windows) always.
        config.tcp_port = broker_tcp_port(std::env::var(BROKER_TCP_ENV).ok().as_deref());
        let mut started = zoom_connections_engine::broker::start(engine.clone(), config.clone()).await;
        // A port that cannot be had (taken, privileged) costs the port, not the socket.
        if let (Err(e), Some(port), true) = (&started, config.tcp_port, cfg!(unix)) {
            tracing::warn!(port, error_code = e.code.as_str(), "the broker cannot listen on 127.0.0.1 ({e}); it serves its socket only");
            config.tcp_port = None;
            started = zoom_connections_engine::broker::start(engine, config).await;
        }
        match started {
            Ok(running) => {
                if let Ok(mut slot) = app.state::<AppBroker>().0.lock() {
                    *slot = Some(running);
                }
            }
            Err(e) => tracing::warn!(error_code = e.code.as_str(), "no broker for scripts: {e}"),
        }
    });
}

/// `ZOOM_CONNECTIONS_BROKER_TCP=PORT` (0: any free port): the app's broker also listens on
/// 127.0.0.1.
pub const BROKER_TCP_ENV: &str = "ZOOM_CONNECTIONS_BROKER_TCP";

/// The loopback port the broker listens on, if any: the variable's port; on Windows, which has
/// no Unix sockets here, any free port without it. A value that is not a port is said in the
/// log and ignored (the socket still serves).
fn broker_tcp_port(variable: Option<&str>) -> Option<u16> {
    match variable.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => match v.parse::<u16>() {
            Ok(port) => Some(port),
            Err(_) => {
                tracing::warn!("{BROKER_TCP_ENV} is not a port number (0 to 65535); it is ignored");
                cfg!(not(unix)).then_some(0)
            }
        },
        None => cfg!(not(unix)).then_some(0),
    }
}

/// The running broker; dropped (and its socket removed) when the app quits.
#[derive(Default)]
pub struct AppBroker(pub std::sync::Mutex<Option<zoom_connections_engine::broker::RunningBroker>>);

impl AppBroker {
    /// Stops taking requests: the first step of quitting.
    pub async fn stop(&self) {
        let running = self.0.lock().ok().and_then(|mut slot| slot.take());
        if let Some(running) = running {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), running.stop()).await;
        }
    }
}

/// "Run keepalive now" from the tray or the window.
pub fn run_keepalive_now<R: Runtime>(app: &AppHandle<R>) {
    let Ok(engine) = app.state::<AppEngine>().get() else { return };
    tauri::async_runtime::spawn(async move {
        let report = engine.check_now(DEFAULT_CONCURRENCY).await;
        tracing::info!(refreshed = report.refreshed, failed = report.failed, "keepalive run on request");
    });
}

/// What a status change tells the user, in the app's language (None: nothing to say).
pub fn notification(t: &Strings, nickname: &str, s2s: bool, from: Status, to: Status, reason: Option<&str>) -> Option<(String, String)> {
    let lost = matches!(to, Status::NeedsReconnect | Status::Superseded);
    let recovered = to == Status::Active && matches!(from, Status::NeedsReconnect | Status::Superseded | Status::Retrying);
    if lost {
        let reason = reason.unwrap_or(t.lost_reason_unknown);
        let body = if s2s { t.lost_body_s2s } else { t.lost_body };
        Some((fill(t.lost_title, &[("nickname", nickname)]), fill(body, &[("reason", &sentence_start(reason))])))
    } else if recovered {
        Some((fill(t.recovered_title, &[("nickname", nickname)]), t.recovered_body.to_string()))
    } else {
        None
    }
}

/// A reason worded to follow a colon ("deauthorized in Zoom"), as the first words of a sentence
/// (the notification's body starts with it). Scripts without case are left as they are.
fn sentence_start(reason: &str) -> String {
    let mut chars = reason.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn show<R: Runtime>(app: &AppHandle<R>, engine: &Engine, message: Option<(String, String)>) {
    let settings = engine.settings();
    let Some((title, body)) = message.filter(|_| settings.notifications) else { return };
    tracing::info!(title = %title, body = %body, "notification");
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
                Ok(EngineEvent::StatusChanged { connection_id, nickname, from, to, reason, why }) => {
                    let t = crate::i18n::strings(engine.settings().language.as_deref());
                    // The typed reason in the app's language; Zoom's English details otherwise.
                    let reason = why.as_ref().map(|w| zoom_connections_engine::reasons::words(w, t.japanese)).or(reason);
                    let s2s = engine.connection(&connection_id).is_ok_and(|c| c.is_s2s());
                    show(&app, &engine, notification(t, &nickname, s2s, from, to, reason.as_deref()));
                }
                Ok(EngineEvent::Attention { nickname, message, why, .. }) => {
                    let t = crate::i18n::strings(engine.settings().language.as_deref());
                    let message = why.as_ref().map(|w| zoom_connections_engine::reasons::words(w, t.japanese)).unwrap_or(message);
                    show(&app, &engine, Some((fill(t.attention_title, &[("nickname", &nickname)]), message)));
                }
                Ok(event @ EngineEvent::FlowEnded { .. }) => {
                    if let Some(ended) = FlowEnded::from_engine(event) {
                        // Kept first: a window closed while it waited is built again below, and
                        // its new page asks for the outcome it could not hear (view_memory.rs).
                        app.state::<crate::view_memory::ViewMemory>().ended(&ended);
                        crate::window::show_main(&app);
                        let _ = ended.emit(&app);
                    } else {
                        crate::window::show_main(&app);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loopback_port_is_asked_for_with_a_port_number() {
        assert_eq!(broker_tcp_port(Some("0")), Some(0));
        assert_eq!(broker_tcp_port(Some(" 47100 ")), Some(47100));
        let default = if cfg!(unix) { None } else { Some(0) };
        for ignored in [None, Some(""), Some("yes"), Some("70000"), Some("-1")] {
            assert_eq!(broker_tcp_port(ignored), default, "{ignored:?}");
        }
    }

    #[test]
    fn a_notification_says_what_to_do_for_each_kind_in_the_app_language() {
        let (title, body) = notification(&crate::i18n::EN, "Prod", false, Status::Active, Status::NeedsReconnect, Some("deauthorized in Zoom")).unwrap();
        assert_eq!((title.as_str(), body.as_str()), ("“Prod” needs you", "Deauthorized in Zoom. Open Zoom Connections to reconnect it."));
        let (_, body) = notification(&crate::i18n::JA, "本番", true, Status::Active, Status::NeedsReconnect, Some("Zoom アプリが無効化されています")).unwrap();
        assert!(body.contains("シークレットを差し替え") && !body.contains("再接続"), "{body}");
        assert!(notification(&crate::i18n::EN, "Prod", false, Status::Active, Status::Refreshing, None).is_none());
        let (title, _) = notification(&crate::i18n::JA, "本番", false, Status::NeedsReconnect, Status::Active, None).unwrap();
        assert_eq!(title, "「本番」が復旧しました");
    }
}
