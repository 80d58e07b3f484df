//! The main window's life. Closing it destroys the window and its webview, so that WebKit's web
//! process ends with it and the app goes on in the tray with only its own process (keepalive,
//! the broker and alerts need no webview; docs/architecture.md, The window comes and goes).
//! *Open* builds it again from tauri.conf.json, and the UI puts back the view it showed
//! (view_memory.rs). Started at login (`--in-tray`), the app builds no window until it is opened.

use tauri::{AppHandle, Manager, Runtime, WebviewWindow, WebviewWindowBuilder, Window, WindowEvent};

/// The argument the login entry starts the app with: no window until the user opens it.
pub const IN_TRAY_ARG: &str = zoom_connections_cli::IN_TRAY_ARG;

pub fn on_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    if window.label() != crate::MAIN_WINDOW {
        return;
    }
    if let WindowEvent::Destroyed = event {
        tracing::info!("window closed: its webview is released; the app goes on in the tray");
        crate::idle_memory::release_after_close(window.app_handle());
    }
}

/// Whether the app was started to live in the tray only (its login entry).
pub fn starts_in_tray(args: &[String]) -> bool {
    args.iter().skip(1).any(|a| a == IN_TRAY_ARG)
}

/// Shows the main window, building it first when it was closed (or never opened).
pub fn show_main<R: Runtime>(app: &AppHandle<R>) {
    let window = match crate::main_window(app) {
        Some(window) => window,
        None => match build_main(app) {
            Ok(window) => window,
            // Two opens at once (a tray click and a deep link): the other one built it.
            Err(e) => match crate::main_window(app) {
                Some(window) => window,
                None => {
                    tracing::warn!("could not open the window: {e}");
                    return;
                }
            },
        },
    };
    for (what, result) in [("show", window.show()), ("unminimize", window.unminimize()), ("focus", window.set_focus())] {
        if let Err(e) = result {
            tracing::warn!("could not {what} the window: {e}");
        }
    }
}

/// Builds the main window as tauri.conf.json declares it (`create: false` there, so that the
/// app decides when).
pub fn build_main<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<WebviewWindow<R>> {
    // `make bench` times a window opened again from this line to the page's own.
    tracing::info!("window: opening");
    let config = app.config().app.windows.iter().find(|w| w.label == crate::MAIN_WINDOW).cloned().ok_or_else(|| tauri::Error::WindowNotFound)?;
    let window = WebviewWindowBuilder::from_config(app, &config)?.build()?;
    tracing::info!("window opened");
    Ok(window)
}

/// An entry written by an older version starts the app without `--in-tray` (with a window):
/// while launch at login is on, such an entry is written again as this version writes it. An
/// entry the user removed or switched off in the desktop's startup settings is left as it is.
pub fn refresh_login_entry<R: Runtime>(app: &AppHandle<R>) {
    use tauri_plugin_autostart::ManagerExt;
    let Ok(engine) = app.state::<crate::engine_state::AppEngine>().get() else { return };
    if !engine.settings().launch_at_login {
        return;
    }
    // Where the autostart plugin writes it (its `auto-launch` crate): ~/.config/autostart.
    let Some(home) = std::env::var_os("HOME") else { return };
    let entry = std::path::Path::new(&home).join(".config/autostart").join(format!("{}.desktop", app.package_info().name));
    let Ok(text) = std::fs::read_to_string(&entry) else { return };
    if needs_rewrite(&text) {
        if let Err(e) = app.autolaunch().enable() {
            tracing::warn!("could not rewrite the login entry: {e}");
        }
    }
}

/// An entry of ours without `--in-tray`, not switched off by the user.
fn needs_rewrite(entry: &str) -> bool {
    let off = entry.lines().any(|l| matches!(l.trim(), "Hidden=true" | "X-GNOME-Autostart-enabled=false"));
    let exec_in_tray = entry.lines().any(|l| l.starts_with("Exec=") && l.split_whitespace().any(|a| a == IN_TRAY_ARG));
    !off && !exec_in_tray
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_older_entry_that_is_on_is_written_again() {
        let old = "[Desktop Entry]\nType=Application\nName=Zoom Connections\nExec=\"/usr/bin/zoom-connections-app\"\n";
        assert!(needs_rewrite(old));
        assert!(!needs_rewrite(&old.replace("zoom-connections-app\"", "zoom-connections-app\" --in-tray")));
        assert!(!needs_rewrite(&format!("{old}X-GNOME-Autostart-enabled=false\n")));
        assert!(!needs_rewrite(&format!("{old}Hidden=true\n")));
    }

    #[test]
    fn the_login_entry_starts_in_the_tray_and_nothing_else_does() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(starts_in_tray(&args(&["zoom-connections-app", "--in-tray"])));
        assert!(!starts_in_tray(&args(&["zoom-connections-app"])));
        assert!(!starts_in_tray(&args(&["zoom-connections-app", "zoom-connections://oauth/callback?x=--in-tray"])));
        // argv[0] is the program, whatever it is called.
        assert!(!starts_in_tray(&args(&["--in-tray"])));
    }
}
