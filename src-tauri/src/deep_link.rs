//! Deep links: `zoom-connections://oauth/callback?…` from a cold start (the app was launched with
//! the URL) or from a second process that single-instance forwarded. Both reach `handle_url`.

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_deep_link::DeepLinkExt;
use zoom_connections_engine::CallbackUrl;

use crate::engine_state::AppEngine;

pub fn init<R: Runtime>(app: &AppHandle<R>) {
    // `tauri dev` runs from the source tree, so nothing has told the OS about the scheme yet.
    // Built apps are installed from a package, whose desktop entry registers it (and a test
    // checks that registration, so a built app must not register itself behind its back).
    #[cfg(any(target_os = "linux", windows))]
    if tauri::is_dev() {
        if let Err(e) = app.deep_link().register_all() {
            tracing::warn!("could not register the zoom-connections:// scheme with the OS: {e}");
        }
    }

    let handle = app.clone();
    app.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            handle_url(&handle, url.as_str());
        }
    });

    match app.deep_link().get_current() {
        Ok(Some(urls)) => {
            for url in urls {
                handle_url(app, url.as_str());
            }
        }
        Ok(None) => {}
        Err(e) => tracing::warn!("could not read the link the app was started with: {e}"),
    }
}

/// The one entry point for every link the OS hands us. The URL is untrusted: it is validated by
/// the engine and logged only in its redacted form; the engine's callback then checks its state
/// against the pending flows (the outcome reaches the window as a `flow-ended` event).
pub fn handle_url<R: Runtime>(app: &AppHandle<R>, raw: &str) {
    let callback = match CallbackUrl::parse(raw) {
        Ok(callback) if callback.is_deep_link() => callback,
        Ok(_) => {
            tracing::warn!(error_code = "invalid_callback", "deep link refused: not a zoom-connections:// link");
            return;
        }
        Err(e) => {
            tracing::warn!(error_code = e.code.as_str(), "deep link refused: {e}");
            return;
        }
    };
    tracing::info!(url = %callback, "deep link received");
    crate::window::show_main(app);
    let Ok(engine) = app.state::<AppEngine>().get() else {
        tracing::error!("deep link dropped: the engine is not open");
        return;
    };
    let raw = raw.to_string();
    tauri::async_runtime::spawn(async move {
        if let Err(e) = engine.handle_callback(&raw).await {
            tracing::warn!(error_code = e.code.as_str(), "deep link not accepted: {e}");
        }
    });
}
