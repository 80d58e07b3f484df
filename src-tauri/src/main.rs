// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // A subcommand (token, list, keepalive, help) runs without a window and exits.
    if let Some(code) = zoom_connections_lib::run_cli(&args) {
        std::process::exit(code);
    }
    std::process::exit(zoom_connections_lib::run());
}
