// The list of commands: one source (src/command_names.rs).
include!("src/command_names.rs");

fn main() {
    // Commands are permission-gated like plugin commands: the capability in
    // src-tauri/capabilities/ allows the window exactly these.
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    // The config sits at the repository root (docs/architecture.md); the capabilities stay beside the shell.
    let attributes = tauri_build::Attributes::new().capabilities_path_pattern("src-tauri/capabilities/**/*").app_manifest(manifest);
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {e:#}");
    }
}
