//! The tray icon, built in code so that its menu and icon can follow connection status.
//! On Linux a tray has no tooltip and no click event: the menu is where everything lives.

use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Runtime};

const TRAY_ID: &str = "main";
const MENU_OPEN: &str = "open";
const MENU_QUIT: &str = "quit";

/// Icon variants, worst status wins.
#[allow(dead_code)] // Warning and Error are shown once keepalive reports status.
#[derive(Debug, Clone, Copy)]
pub enum TrayStatus {
    Ok,
    Warning,
    Error,
}

fn icon(status: TrayStatus) -> tauri::Result<Image<'static>> {
    let bytes: &'static [u8] = match status {
        TrayStatus::Ok => include_bytes!("../../icons/tray/ok.png"),
        TrayStatus::Warning => include_bytes!("../../icons/tray/warning.png"),
        TrayStatus::Error => include_bytes!("../../icons/tray/error.png"),
    };
    Image::from_bytes(bytes)
}

pub fn build<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let menu = Menu::with_items(
        app,
        &[
            &MenuItem::with_id(app, MENU_OPEN, "Open Zoom Connections", true, None::<&str>)?,
            &PredefinedMenuItem::separator(app)?,
            &MenuItem::with_id(app, MENU_QUIT, "Quit", true, None::<&str>)?,
        ],
    )?;
    // Where no tray host runs (a bare X server, some desktops) building still succeeds and
    // nothing is shown; the window remains the way in.
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon(TrayStatus::Ok)?)
        .tooltip("Zoom Connections")
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| match event.id().as_ref() {
            MENU_OPEN => crate::window::show_main(app),
            MENU_QUIT => {
                tracing::info!("quit from the tray");
                app.exit(0);
            }
            other => tracing::warn!("unknown tray menu item {other}"),
        })
        .build(app)?;
    Ok(())
}
