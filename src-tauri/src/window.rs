//! Main window behaviour: closing hides it to the tray, because keepalive must go on.

use tauri::{AppHandle, Runtime, Window, WindowEvent};

pub fn on_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    if let WindowEvent::CloseRequested { api, .. } = event {
        if window.label() == crate::MAIN_WINDOW {
            api.prevent_close();
            if let Err(e) = window.hide() {
                tracing::warn!("could not hide the window: {e}");
            }
        }
    }
}

pub fn show_main<R: Runtime>(app: &AppHandle<R>) {
    let Some(window) = crate::main_window(app) else {
        tracing::warn!("the main window is gone");
        return;
    };
    for (what, result) in [("show", window.show()), ("unminimize", window.unminimize()), ("focus", window.set_focus())] {
        if let Err(e) = result {
            tracing::warn!("could not {what} the window: {e}");
        }
    }
}
