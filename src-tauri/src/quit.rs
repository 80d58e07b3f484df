//! Quitting without losing a rotation: *Quit* in the tray, SIGTERM (a logout, `systemctl`,
//! `kill`) and SIGINT all end here. The exit is held back until the engine has let every
//! rotation in flight finish (at most `QUIT_WAIT`) and has written to the keychain what it kept
//! in memory; then the app exits. A second signal exits at once.

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use tauri::{AppHandle, Manager, Runtime};

use crate::engine_state::AppEngine;

/// How long quitting waits for rotations in flight: a refresh's whole HTTP timeout (20 s,
/// `EngineConfig::http_timeout`) and then the refresh token's keychain write (10 s), with 2 s to
/// spare. Shorter, an answer Zoom sends late in the timeout — after it has rotated — would be
/// lost to the quit (docs/zoom.md, Tokens: a lost answer). Once quitting, no rotation starts and
/// none is asked again; what may still run past this (the access token's write, the probe of
/// Zoom after it) comes after the refresh token is stored.
pub const QUIT_WAIT: Duration = Duration::from_secs(32);

const RUNNING: u8 = 0;
const DRAINING: u8 = 1;
const DRAINED: u8 = 2;

/// Where quitting is (managed state).
#[derive(Default)]
pub struct Quitting(AtomicU8);

/// Asks the app to quit; the exit itself waits for the drain (`on_exit_requested`).
pub fn request<R: Runtime>(app: &AppHandle<R>) {
    app.exit(0);
}

/// `RunEvent::ExitRequested`: the first request starts the drain and holds the exit back; the
/// drain asks again when it is done, and that request goes through. A request without a code is
/// the last window closing (window.rs): the app lives on in the tray.
pub fn on_exit_requested<R: Runtime>(app: &AppHandle<R>, code: Option<i32>, api: &tauri::ExitRequestApi) {
    let state = app.state::<Quitting>();
    if code.is_none() && state.0.load(Ordering::SeqCst) == RUNNING {
        api.prevent_exit();
        return;
    }
    match state.0.compare_exchange(RUNNING, DRAINING, Ordering::SeqCst, Ordering::SeqCst) {
        Ok(_) => {
            api.prevent_exit();
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                app.state::<crate::engine_state::AppBroker>().stop().await;
                if let Ok(engine) = app.state::<AppEngine>().get() {
                    tracing::info!(wait_secs = QUIT_WAIT.as_secs(), "quitting: letting rotations in flight finish and saving kept tokens");
                    engine.shutdown(QUIT_WAIT).await;
                }
                app.state::<Quitting>().0.store(DRAINED, Ordering::SeqCst);
                app.exit(0);
            });
        }
        // Draining: the drain's own request will come.
        Err(DRAINING) => api.prevent_exit(),
        Err(_) => {}
    }
}

/// SIGTERM and SIGINT quit the way *Quit* does; a second one while draining exits at once.
#[cfg(unix)]
pub fn watch_signals<R: Runtime>(app: &AppHandle<R>) {
    use tokio::signal::unix::{signal, SignalKind};
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
            tracing::warn!("could not watch SIGTERM/SIGINT: the app exits on them without waiting for rotations");
            return;
        };
        loop {
            let name = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            };
            if app.state::<Quitting>().0.load(Ordering::SeqCst) != RUNNING {
                tracing::warn!("{name} again while quitting: exiting now");
                std::process::exit(1);
            }
            tracing::info!("{name}: quitting");
            request(&app);
        }
    });
}

#[cfg(not(unix))]
pub fn watch_signals<R: Runtime>(_app: &AppHandle<R>) {}
