fn main() {
    // Commands are permission-gated like plugin commands: the capability in
    // src-tauri/capabilities/ allows the window exactly these.
    let manifest = tauri_build::AppManifest::new().commands(&[
        "overview",
        "begin_connect",
        "cancel_flow",
        "delete_connection",
        "delete_connection_locally",
        "test_connection",
        "org_settings",
        "check_org_settings",
        "save_org",
        "get_settings",
        "save_settings",
        "set_alert_webhook",
        "create_s2s_connection",
        "rotate_s2s_secret",
        "send_test_alert",
        "run_keepalive_now",
        "connection_history",
        "open_zoom_added_apps",
    ]);
    // The config sits at the repository root (docs/architecture.md); the capabilities stay beside the shell.
    let attributes = tauri_build::Attributes::new().capabilities_path_pattern("src-tauri/capabilities/**/*").app_manifest(manifest);
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {e:#}");
    }
}
