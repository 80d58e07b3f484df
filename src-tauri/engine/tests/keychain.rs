//! The vault against the real OS keychain: a Secret Service (gnome-keyring) in the D-Bus session
//! that `make test` starts. Ignored in a plain `cargo test` (which may have no Secret Service);
//! `make test` runs them with `--include-ignored`.

use zoom_connections_engine::vault::{KeychainStore, SecretStore};
use zoom_connections_engine::Secret;

mod common;
use common::secret_service_pid;

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

#[test]
#[ignore = "needs a Secret Service: run through make test"]
fn a_burst_of_concurrent_calls_leaves_the_secret_service_up() {
    // The keepalive's four workers and the window's commands all reach the keychain at once.
    // gnome-keyring aborts on a race when clients connect, call and disconnect in quick
    // succession (gnome-keyring#196: "gkd_secret_service_get_pkcs11_session: assertion 'client'
    // failed"), taking every user's secrets offline until it is restarted.
    let store = std::sync::Arc::new(store());
    store.set("conn/before/refresh", &Secret::new("warm-up")).unwrap();
    let daemon = secret_service_pid().expect("a Secret Service runs");
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..150 {
                    let key = format!("conn/burst{w}/refresh");
                    let value = Secret::new(format!("zsr_{w}_{i}"));
                    store.set(&key, &value).unwrap();
                    assert_eq!(store.get(&key).unwrap(), Some(value));
                }
                store.delete(&format!("conn/burst{w}/refresh")).unwrap();
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    // Still the same daemon (not one that D-Bus started again after a crash), answering.
    assert_eq!(secret_service_pid(), Some(daemon));
    store.delete("conn/before/refresh").unwrap();
    store.set("conn/after/refresh", &Secret::new("still-here")).unwrap();
    assert_eq!(store.get("conn/after/refresh").unwrap(), Some(Secret::new("still-here")));
    store.delete("conn/after/refresh").unwrap();
}
