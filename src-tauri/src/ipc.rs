//! The typed boundary between the window and the shell. Every command and event the UI may use is
//! registered here once; `ui/src/bindings.ts` is generated from these Rust types by tauri-specta,
//! and a test fails when that file is stale (regenerate: `make bindings`).

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri_specta::{collect_commands, collect_events, Builder, ErrorHandlingMode, Event};
use zoom_connections_engine::{EngineError, EngineEvent};

use crate::{commands, users_commands, view_memory};

/// The list of connections, an org or a status changed: the window reloads its overview.
#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
pub struct ConnectionsChanged;

/// A New Connection or Reconnect flow ended: `connection_id` on success, `error` otherwise.
#[derive(Debug, Clone, Serialize, Type, Event)]
pub struct FlowEnded {
    pub flow_id: String,
    pub connection_id: Option<String>,
    /// An older connection of the same Zoom user that Zoom has now invalidated (rule 1).
    pub superseded: Option<String>,
    pub error: Option<EngineError>,
}

impl FlowEnded {
    pub fn from_engine(event: EngineEvent) -> Option<Self> {
        match event {
            EngineEvent::FlowEnded { flow_id, connection_id, superseded, error } => Some(Self { flow_id, connection_id, superseded, error }),
            _ => None,
        }
    }
}

pub fn builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        // A rejected command throws the engine's `{code, message}`, as `invoke` does.
        .error_handling(ErrorHandlingMode::Throw)
        .commands(collect_commands![
            commands::overview,
            commands::begin_connect::<tauri::Wry>,
            commands::cancel_flow,
            commands::delete_connection,
            commands::delete_connection_locally,
            commands::test_connection,
            commands::org_settings,
            commands::check_org_settings,
            commands::save_org,
            commands::get_settings,
            commands::save_settings::<tauri::Wry>,
            commands::set_alert_webhook,
            commands::create_s2s_connection,
            commands::rotate_s2s_secret,
            commands::send_test_alert,
            commands::run_keepalive_now::<tauri::Wry>,
            commands::connection_history,
            commands::open_zoom_added_apps::<tauri::Wry>,
            commands::reopen_sign_in::<tauri::Wry>,
            commands::rename_connection,
            commands::remove_org,
            commands::last_borrowed,
            commands::broker_socket,
            view_memory::remember_view,
            view_memory::recall_view,
            users_commands::list_users,
            users_commands::list_groups,
            users_commands::get_user,
            users_commands::user_action,
            users_commands::remove_from_group,
            users_commands::plan_bulk,
            users_commands::start_bulk::<tauri::Wry>,
            users_commands::resume_bulk::<tauri::Wry>,
            users_commands::control_bulk,
            users_commands::undo_bulk,
            users_commands::bulk_runs,
            users_commands::export_bulk,
        ])
        .events(collect_events![ConnectionsChanged, FlowEnded, users_commands::BulkProgress, users_commands::BulkEnded])
}

#[cfg(test)]
mod tests {
    use super::*;
    use specta_typescript::{BigIntExportBehavior, Typescript};

    /// Where the generated bindings live, relative to the repository root.
    pub const BINDINGS_PATH: &str = "ui/src/bindings.ts";

    /// The TypeScript the UI imports. Times are Unix seconds: well inside a JS number.
    pub fn typescript() -> Typescript {
        Typescript::default()
            // The file is generated: it is not type-checked itself (it declares helpers it may not use).
            .header("// @ts-nocheck\n// Generated from the Rust types by tauri-specta (src-tauri/src/ipc.rs). Do not edit: run `make bindings`.\n")
            .bigint(BigIntExportBehavior::Number)
    }

    fn repo_path(rel: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
    }

    /// Fails when a command, an event or a type changed without regenerating the bindings.
    /// `ZC_WRITE_BINDINGS=1` writes them instead (what `make bindings` does).
    #[test]
    fn generated_bindings_are_up_to_date() {
        let generated = builder().export_str(typescript()).expect("bindings export");
        let path = repo_path(BINDINGS_PATH);
        if std::env::var_os("ZC_WRITE_BINDINGS").is_some() {
            // Writing is a developer's step: in CI it would make the check pass without checking.
            assert!(std::env::var_os("CI").is_none(), "ZC_WRITE_BINDINGS is for `make bindings`, not for CI");
            std::fs::write(&path, &generated).expect("write bindings");
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(committed == generated, "{BINDINGS_PATH} is stale: run `make bindings` and commit the result");
    }

    /// One list of commands (src/command_names.rs, which build.rs declares to tauri-build): the
    /// capability allows exactly these, and the specta builder exports exactly these.
    #[test]
    fn the_command_list_the_capability_and_the_builder_agree() {
        let listed: std::collections::BTreeSet<String> = crate::command_names::COMMANDS.iter().map(|c| c.to_string()).collect();
        let capability: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(repo_path("src-tauri/capabilities/main-window.json")).unwrap()).unwrap();
        let allowed: std::collections::BTreeSet<String> = capability["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str())
            .filter_map(|p| p.strip_prefix("allow-"))
            .map(|p| p.replace('-', "_"))
            .collect();
        assert_eq!(allowed, listed, "src-tauri/capabilities/main-window.json allows other commands than src/command_names.rs lists");
        let generated = builder().export_str(typescript()).expect("bindings export");
        let exported: std::collections::BTreeSet<String> =
            generated.split("TAURI_INVOKE(\"").skip(1).filter_map(|rest| rest.split('"').next()).map(String::from).collect();
        assert_eq!(exported, listed, "the specta builder (ipc.rs) exports other commands than src/command_names.rs lists");
    }
}
