//! The keychain daemon restarted under the app (after a crash, or a session's keyring being
//! replaced): the store's long-lived connection is gone, and the next call must reach the new
//! daemon by itself. Its own test binary, because it replaces the D-Bus session's daemon.

use zoom_connections_engine::vault::{KeychainStore, SecretStore};
use zoom_connections_engine::Secret;

mod common;
use common::{restart_secret_service, secret_service_pid};

#[test]
#[ignore = "needs a Secret Service: run through make test"]
fn a_restarted_secret_service_is_reached_again() {
    let store = KeychainStore::with_service(format!("zoom-connections-test-{}", rand::random::<u64>()));
    store.set("conn/r1/refresh", &Secret::new("before-restart")).unwrap();
    assert!(secret_service_pid().is_some(), "a Secret Service runs");
    restart_secret_service();

    // The login keyring is on disk: the new daemon has the entry, and the store reaches it.
    assert_eq!(store.get("conn/r1/refresh").unwrap(), Some(Secret::new("before-restart")));
    store.set("conn/r1/refresh", &Secret::new("after-restart")).unwrap();
    assert_eq!(store.get("conn/r1/refresh").unwrap(), Some(Secret::new("after-restart")));
    store.delete("conn/r1/refresh").unwrap();
}
