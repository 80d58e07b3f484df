// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    let args: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    // The app's binary runs commands too (an old autostart entry, a script written for it).
    if let Some(code) = zoom_connections_lib::run_cli(&args) {
        std::process::exit(code);
    }
    std::process::exit(zoom_connections_lib::run());
}
