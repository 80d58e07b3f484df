// The window's commands, listed once. build.rs includes this file to declare them to
// tauri-build (which generates their permissions); a test in ipc.rs checks that the capability
// file allows exactly these and that the specta builder exports exactly these.
pub const COMMANDS: &[&str] = &[
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
];
