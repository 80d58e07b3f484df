//! Deep links: `zoom-connections://oauth/callback?…` from a cold start (the app was launched with
//! the URL) or from a second process that single-instance forwarded. Both reach `handle_url`.

use tauri::{AppHandle, Runtime};
use tauri_plugin_deep_link::DeepLinkExt;
use zoom_connections_engine::CallbackUrl;

pub fn init<R: Runtime>(app: &AppHandle<R>) {
    // Development builds are not installed, so nothing has told the OS about the scheme yet.
    // Release packages register it through their desktop entry instead.
    #[cfg(all(debug_assertions, any(target_os = "linux", windows)))]
    if let Err(e) = app.deep_link().register_all() {
        tracing::warn!("could not register the zoom-connections:// scheme with the OS: {e}");
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
/// the engine and logged only in its redacted form.
pub fn handle_url<R: Runtime>(app: &AppHandle<R>, raw: &str) {
    match CallbackUrl::parse(raw) {
        Ok(callback) => {
            tracing::info!(url = %callback, "deep link received");
            crate::window::show_main(app);
        }
        Err(e) => tracing::warn!(error_code = e.code.as_str(), "deep link refused: {e}"),
    }
}
