//! Sandbox mode: the embedded Zoom emulator, started inside the app so that it works with no Zoom
//! account and no internet. It lives as long as the app (managed state).

use tauri::{AppHandle, Manager, Runtime};
use zoom_sandbox::{RunningSandbox, SandboxConfig};

pub struct EmbeddedSandbox(#[allow(dead_code)] pub RunningSandbox);

/// Returns the sandbox's base URL for the engine's sandbox org.
pub fn start<R: Runtime>(app: &AppHandle<R>) -> Option<String> {
    match tauri::async_runtime::block_on(zoom_sandbox::start(SandboxConfig::default())) {
        Ok(sandbox) => {
            let url = sandbox.base_url();
            tracing::info!(url = %url, "sandbox mode: the embedded Zoom sandbox is running");
            app.manage(EmbeddedSandbox(sandbox));
            Some(url)
        }
        // Never fatal: the list and real Zoom orgs still work.
        Err(e) => {
            tracing::error!("the embedded Zoom sandbox could not start: {e}");
            None
        }
    }
}
