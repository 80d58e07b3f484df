//! The vault against the real OS keychain: a Secret Service (gnome-keyring) in the D-Bus session
//! that `make test` starts. Ignored in a plain `cargo test` (which may have no Secret Service);
//! `make test` runs them with `--include-ignored`.

use zoom_connections_engine::vault::{KeychainStore, SecretStore};
use zoom_connections_engine::Secret;

fn store() -> KeychainStore {
    KeychainStore::with_service(format!("zoom-connections-test-{}", rand::random::<u64>()))
}

#[test]
#[ignore = "needs a Secret Service: run through make test"]
fn tokens_round_trip_through_the_secret_service() {
    let store = store();
    let access = Secret::new(format!("zsa_{}", "a".repeat(48)));
    let refresh = Secret::new(format!("zsr_{}", "r".repeat(48)));
    store.set("conn/c1/access", &access).unwrap();
    store.set("conn/c1/refresh", &refresh).unwrap();
    assert_eq!(store.get("conn/c1/access").unwrap(), Some(access));
    assert_eq!(store.get("conn/c1/refresh").unwrap(), Some(refresh.clone()));
    // Rotation overwrites in place.
    let rotated = Secret::new("zsr_rotated");
    store.set("conn/c1/refresh", &rotated).unwrap();
    assert_eq!(store.get("conn/c1/refresh").unwrap(), Some(rotated));
    store.delete("conn/c1/access").unwrap();
    store.delete("conn/c1/access").unwrap();
    assert_eq!(store.get("conn/c1/access").unwrap(), None);
    store.delete("conn/c1/refresh").unwrap();
}

#[test]
#[ignore = "needs a Secret Service: run through make test"]
fn the_secret_service_really_holds_the_value() {
    // Read back with libsecret's own tool, outside this process.
    let service = format!("zoom-connections-test-{}", rand::random::<u64>());
    let store = KeychainStore::with_service(service.clone());
    store.set("conn/c2/refresh", &Secret::new("visible-to-secret-tool")).unwrap();
    let out = std::process::Command::new("secret-tool")
        .args(["lookup", "service", &service, "username", "conn/c2/refresh"])
        .output()
        .expect("secret-tool (libsecret-tools) is installed by make test");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "visible-to-secret-tool");
    store.delete("conn/c2/refresh").unwrap();
}

#[test]
#[ignore = "needs a Secret Service: run through make test"]
fn a_value_too_long_for_windows_is_refused_not_truncated() {
    let err = store().set("conn/c3/access", &Secret::new("x".repeat(1300))).unwrap_err();
    assert_eq!(err.code.as_str(), "keychain_unavailable");
}
