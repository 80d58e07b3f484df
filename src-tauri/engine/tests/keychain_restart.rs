//! The keychain daemon restarted under the app (after a crash, or a session's keyring being
//! replaced): the store's long-lived connection is gone, and the next call must reach the new
//! daemon by itself. Its own test binary, because it replaces the D-Bus session's daemon.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use zoom_connections_engine::vault::{KeychainStore, SecretStore};
use zoom_connections_engine::Secret;

mod common;
use common::secret_service_pid;

#[test]
#[ignore = "needs a Secret Service: run through make test"]
fn a_restarted_secret_service_is_reached_again() {
    // make test's throwaway keyring: its password and where it keeps the login keyring.
    let password = std::env::var("ZC_KEYRING_PASSWORD").expect("make test names the test keyring's password");
    let keyring_home = std::env::var("ZC_KEYRING_DATA_HOME").expect("make test names the test keyring's directory");
    let store = KeychainStore::with_service(format!("zoom-connections-test-{}", rand::random::<u64>()));
    store.set("conn/r1/refresh", &Secret::new("before-restart")).unwrap();
    let before = secret_service_pid().expect("a Secret Service runs");

    let mut daemon = Command::new("gnome-keyring-daemon")
        .args(["--replace", "--unlock", "--components=secrets"])
        .env("XDG_DATA_HOME", keyring_home)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("gnome-keyring-daemon is installed by make test");
    daemon.stdin.take().unwrap().write_all(password.as_bytes()).unwrap();
    daemon.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while secret_service_pid().is_none_or(|pid| pid == before) {
        assert!(Instant::now() < deadline, "the keyring daemon was not replaced");
        std::thread::sleep(Duration::from_millis(50));
    }

    // The login keyring is on disk: the new daemon has the entry, and the store reaches it.
    assert_eq!(store.get("conn/r1/refresh").unwrap(), Some(Secret::new("before-restart")));
    store.set("conn/r1/refresh", &Secret::new("after-restart")).unwrap();
    assert_eq!(store.get("conn/r1/refresh").unwrap(), Some(Secret::new("after-restart")));
    store.delete("conn/r1/refresh").unwrap();
}
