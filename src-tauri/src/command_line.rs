//! `zoom-connections`: the command line (src-tauri/cli), and without a command the app beside
//! it. Nothing here uses Tauri, so this binary does not load the window's libraries.

fn main() {
    // Lossy: an argument that is not UTF-8 cannot name a connection or a command anyway.
    let args: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    let code = zoom_connections_cli::run_if_command(&args).unwrap_or_else(|| zoom_connections_cli::launch_app(&args));
    std::process::exit(code);
}
