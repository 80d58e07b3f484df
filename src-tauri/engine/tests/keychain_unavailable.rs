//! No Secret Service reachable: a clear `keychain_unavailable` error, no plaintext fallback, and
//! the rest of the engine still works. Its own test binary, because it changes the process's
//! D-Bus address.

use std::sync::Arc;

use zoom_connections_engine::model::SANDBOX_ORG_ID;
use zoom_connections_engine::vault::{KeychainStore, SecretStore};
use zoom_connections_engine::{Engine, EngineConfig, ErrorCode, Secret};

#[tokio::test]
async fn without_a_secret_service_the_error_says_so_and_nothing_is_written() {
    // A bus that does not exist, and no X display to autolaunch one from.
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/zc-test-bus");
    std::env::remove_var("DISPLAY");
    let store = KeychainStore::with_service("zoom-connections-test-unavailable");
    let err = store.set("conn/x/refresh", &Secret::new("never-stored")).unwrap_err();
    assert_eq!(err.code, ErrorCode::KeychainUnavailable);
    assert!(err.message.starts_with("no keychain service reachable"), "{}", err.message);
    assert!(err.message.contains("Secret Service"), "says how to fix it: {}", err.message);
    assert!(!err.message.contains("never-stored"));

    let scratch = tempfile::Builder::new().prefix("zc-nokeychain-").tempdir().unwrap();
    let dir = scratch.path().to_path_buf();
    let engine = Engine::open(EngineConfig::new(dir.clone(), Arc::new(store))).unwrap();
    assert_eq!(engine.orgs()[0].id, SANDBOX_ORG_ID, "the app still starts and lists");
    assert!(engine.connections().is_empty());
    let text: String = std::fs::read_dir(&dir).unwrap().filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok()).collect();
    assert!(!text.contains("never-stored"), "no plaintext fallback");
}
