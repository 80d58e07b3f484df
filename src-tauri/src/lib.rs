//! The shell: the Tauri app around the engine. It owns the window, the tray, the deep-link and
//! single-instance wiring and logging; every decision about connections is the engine's.

#[cfg(test)]
mod command_names;
mod commands;
mod deep_link;
mod display;
mod engine_state;
mod i18n;
mod idle_memory;
mod ipc;
mod logging;
mod quit;
mod sandbox;
mod tray;
mod users_commands;
mod view_memory;
mod window;

use tauri::Manager;

/// Runs a command of the command line (src-tauri/cli); None: start the app.
pub fn run_cli(args: &[String]) -> Option<i32> {
    zoom_connections_cli::run_if_command(args)
}

/// Starts the desktop app and returns the process exit code.
pub fn run() -> i32 {
    let args: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    let in_tray = window::starts_in_tray(&args);
    if let Err(why) = display::check() {
        eprintln!("zoom-connections: {why}");
        return 2;
    }

    let mut builder = tauri::Builder::default();
    // Single instance must be the first plugin: a second process (the OS opening a deep link)
    // hands its arguments to the running one and exits before anything else starts. With the
    // `deep-link` feature it forwards the URL to the deep-link plugin's `on_open_url`.
    #[cfg(desktop)]
    {
        builder = builder.plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            // The login entry starting a second time (a second login session) opens no window.
            if !window::starts_in_tray(&argv) {
                window::show_main(app);
            }
        }));
    }
    let ipc = ipc::builder();
    let invoke_handler = ipc.invoke_handler();
    let built = builder
        .manage(quit::Quitting::default())
        .manage(engine_state::AppBroker::default())
        .manage(users_commands::BulkRuns::default())
        .manage(view_memory::ViewMemory::default())
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_autostart::init(tauri_plugin_autostart::MacosLauncher::LaunchAgent, Some(vec![window::IN_TRAY_ARG])))
        .setup(move |app| {
            ipc.mount_events(app);
            logging::init(app.handle())?;
            tracing::info!(version = env!("CARGO_PKG_VERSION"), "Zoom Connections starting");
            let sandbox_url = sandbox::start(app.handle());
            engine_state::open(app.handle(), sandbox_url);
            tray::build(app.handle())?;
            deep_link::init(app.handle());
            quit::watch_signals(app.handle());
            window::refresh_login_entry(app.handle());
            if in_tray {
                tracing::info!("started at login: in the tray, no window until it is opened");
                idle_memory::release_after_close(app.handle());
            } else {
                window::show_main(app.handle());
            }
            Ok(())
        })
        .invoke_handler(invoke_handler)
        .on_window_event(window::on_event)
        .build(tauri::generate_context!());
    match built {
        Ok(app) => {
            app.run(|app, event| {
                if let tauri::RunEvent::ExitRequested { code, api, .. } = event {
                    quit::on_exit_requested(app, code, &api);
                }
            });
            0
        }
        Err(e) => {
            eprintln!("zoom-connections: the app could not start: {e}");
            1
        }
    }
}

/// The main window's label, as declared in tauri.conf.json.
pub(crate) const MAIN_WINDOW: &str = "main";

pub(crate) fn main_window<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Option<tauri::WebviewWindow<R>> {
    app.get_webview_window(MAIN_WINDOW)
}
