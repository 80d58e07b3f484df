//! Sandbox mode: the embedded Zoom emulator, started inside the app so that it works with no Zoom
//! account and no internet. It runs as long as the app (managed state) and keeps its grants in
//! the app's data directory (tokens by hash only), so sandbox connections stay valid across
//! restarts like real ones.

use std::sync::Arc;

use tauri::{AppHandle, Manager, Runtime};
use zoom_connections_engine::clock::Clock;
use zoom_sandbox::{RunningSandbox, SandboxConfig};

pub struct EmbeddedSandbox(pub Arc<RunningSandbox>);

/// Set to 1, the app's clock follows the embedded sandbox's, so that the sandbox's time travel
/// (`POST /_sandbox/clock/advance`) moves keepalive through time too: for demos and tests. Off by
/// default, so that nothing on the loopback interface can move the clock of real Zoom orgs.
pub const SANDBOX_TIME_ENV: &str = "ZOOM_CONNECTIONS_SANDBOX_TIME";

/// The embedded sandbox's saved state, in the app's data directory.
pub const STATE_FILE: &str = "sandbox-state.json";

/// Set to 1, the embedded sandbox serves its control API (faults, time travel, the leak scan's
/// list) behind a secret of this run, written with its address to `CONTROL_FILE` (readable by
/// this user only): for tests and demos. Off by default, so that no web page can reach it.
pub const SANDBOX_CONTROL_ENV: &str = "ZOOM_CONNECTIONS_SANDBOX_CONTROL";
pub const CONTROL_FILE: &str = "sandbox-control.json";

/// Returns the sandbox's base URL for the engine's sandbox org.
pub fn start<R: Runtime>(app: &AppHandle<R>) -> Option<String> {
    let state_file = app.path().app_data_dir().ok().and_then(|dir| {
        zoom_connections_engine::fsutil::create_private_dir(&dir).ok()?;
        Some(dir.join(STATE_FILE))
    });
    if state_file.is_none() {
        tracing::warn!("no data directory: the sandbox keeps its grants in memory only");
    }
    let control = std::env::var(SANDBOX_CONTROL_ENV).as_deref() == Ok("1");
    let config = SandboxConfig { state_file: state_file.clone(), control, ..SandboxConfig::default() };
    match tauri::async_runtime::block_on(zoom_sandbox::start(config)) {
        Ok(sandbox) => {
            let url = sandbox.base_url();
            tracing::info!(url = %url, "sandbox mode: the embedded Zoom sandbox is running");
            if let Some(state) = &state_file {
                let file = state.with_file_name(CONTROL_FILE);
                match sandbox.control_secret() {
                    Some(secret) => {
                        let json = serde_json::json!({"url": url, "secret": secret}).to_string();
                        match zoom_connections_engine::fsutil::write_private(&file, json.as_bytes()) {
                            Ok(()) => tracing::warn!(file = %file.display(), "{SANDBOX_CONTROL_ENV}=1: the sandbox's control API is on"),
                            Err(e) => tracing::warn!("could not write the sandbox's control file: {e}"),
                        }
                    }
                    // A file of an earlier run would name a secret that no longer opens anything.
                    None => {
                        let _ = std::fs::remove_file(&file);
                    }
                }
            }
            app.manage(EmbeddedSandbox(Arc::new(sandbox)));
            Some(url)
        }
        // Never fatal: the list and real Zoom orgs still work.
        Err(e) => {
            tracing::error!("the embedded Zoom sandbox could not start: {e}");
            None
        }
    }
}

/// The sandbox's time as the engine's clock.
struct SandboxTime(Arc<RunningSandbox>);

impl Clock for SandboxTime {
    fn now(&self) -> i64 {
        self.0.now()
    }
}

/// The clock to give the engine instead of the wall clock, when asked for (see SANDBOX_TIME_ENV).
pub fn time_travel_clock<R: Runtime>(app: &AppHandle<R>) -> Option<Arc<dyn Clock>> {
    if std::env::var(SANDBOX_TIME_ENV).as_deref() != Ok("1") {
        return None;
    }
    let sandbox = app.try_state::<EmbeddedSandbox>()?;
    tracing::warn!("{SANDBOX_TIME_ENV}=1: the app's clock follows the embedded sandbox's (time travel)");
    Some(Arc::new(SandboxTime(sandbox.0.clone())))
}
