//! What only the real Secret Service does, against the gnome-keyring of `make test`'s layer: a
//! daemon that stops answering (SIGSTOP), a write its caller gave up on, two entries under one
//! name, and a locked collection whose unlock prompt nobody answers. Its own test binary, and
//! one test, because it stops, locks and finally replaces the session's daemon (with the layer's
//! throwaway password, as `keychain_restart.rs` does), which no other test may see.

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use zoom_connections_engine::vault::{KeychainStore, SecretStore};
use zoom_connections_engine::{ErrorCode, Secret};

mod common;
use common::{restart_secret_service, secret_service_pid};

fn signal(which: &str, pid: &str) {
    assert!(Command::new("kill").args([which, pid]).status().unwrap().success(), "kill {which} {pid}");
}

/// Lets the daemon run again when dropped, also when an assertion fails while it is stopped.
struct Resume(String);
impl Drop for Resume {
    fn drop(&mut self) {
        signal("-CONT", &self.0);
    }
}

/// Unlocks the layer's keyring when dropped (a new daemon with its password), also when an
/// assertion fails while it is locked.
struct Unlock;
impl Drop for Unlock {
    fn drop(&mut self) {
        restart_secret_service();
    }
}

/// The attributes the store files an entry under (src/secret_service.rs: those `keyring` wrote).
fn attributes<'a>(service: &'a str, key: &'a str) -> HashMap<&'a str, &'a str> {
    HashMap::from([("service", service), ("username", key), ("target", "default"), ("application", "rust-keyring")])
}

fn secret(v: &str) -> Secret {
    Secret::new(v)
}

#[test]
#[ignore = "needs a Secret Service: run through make test"]
fn a_stalled_a_duplicated_and_a_locked_keychain_each_fail_clearly_and_lose_nothing() {
    let service = format!("zoom-connections-test-{}", rand::random::<u64>());
    let pid = secret_service_pid().expect("a Secret Service runs");

    // 1. A daemon that stops answering: the call gives up at its deadline with a clear error.
    let store = KeychainStore::with_service(service.clone()).with_timeout(Duration::from_millis(500));
    store.set("conn/s/refresh", &secret("before")).unwrap();
    signal("-STOP", &pid);
    let resume = Resume(pid.clone());
    let started = Instant::now();
    let e = store.set("conn/s/refresh", &secret("in flight")).unwrap_err();
    assert_eq!(e.code, ErrorCode::KeychainUnavailable);
    assert!(e.message.contains("did not answer within 0.5 seconds"), "{}", e.message);
    assert!(started.elapsed() < Duration::from_secs(5), "the caller stopped waiting at its deadline");
    // 2. A write queued behind it, given up on by its caller: never carried out later. (The one
    // already at the daemon cannot be called back: it lands when the daemon wakes, which the
    // engine allows for by writing the pair it keeps again — tokens.rs, invariant 3.)
    let e = store.set("conn/s/refresh", &secret("given up")).unwrap_err();
    assert_eq!(e.code, ErrorCode::KeychainUnavailable);
    drop(resume);
    let read = (0..40).find_map(|_| store.get("conn/s/refresh").ok()).expect("the daemon answers again");
    assert_eq!(read, Some(secret("in flight")), "the write given up on before it started was not carried out late");

    // 3. Two entries under one name, as another tool or an old version may leave: never a pick
    // between two values; once written, both hold the one value and it reads back; Delete
    // removes both.
    let store = KeychainStore::with_service(service.clone());
    let ss = dbus_secret_service::SecretService::connect(dbus_secret_service::EncryptionType::Dh).unwrap();
    let login = ss.get_default_collection().unwrap();
    for value in ["stale", "live"] {
        login.create_item("a duplicate", attributes(&service, "conn/d/refresh"), value.as_bytes(), false, "text/plain").unwrap();
    }
    let e = store.get("conn/d/refresh").unwrap_err();
    assert_eq!(e.code, ErrorCode::KeychainUnavailable);
    assert!(e.message.contains("more than one keychain entry"), "{}", e.message);
    store.set("conn/d/refresh", &secret("rotated")).unwrap();
    assert_eq!(store.get("conn/d/refresh").unwrap(), Some(secret("rotated")));
    store.delete("conn/d/refresh").unwrap();
    assert_eq!(store.get("conn/d/refresh").unwrap(), None);
    assert!(ss.search_items(attributes(&service, "conn/d/refresh")).unwrap().unlocked.is_empty());

    // 4. A locked collection: the unlock prompt nobody answers (or none can be shown) ends in a
    // clear error, and nothing is read or written meanwhile.
    store.set("conn/l/refresh", &secret("kept")).unwrap();
    login.lock().unwrap();
    // Unlocked again however this part ends: the later test binaries share the keyring.
    let unlock = Unlock;
    let locked = KeychainStore::with_service(service.clone()).with_timeout(Duration::from_secs(2));
    let e = locked.get("conn/l/refresh").unwrap_err();
    assert_eq!(e.code, ErrorCode::KeychainUnavailable, "{}", e.message);
    let e = locked.set("conn/l/refresh", &secret("written while locked")).unwrap_err();
    assert_eq!(e.code, ErrorCode::KeychainUnavailable, "{}", e.message);

    // The layer's keyring unlocked again (a new daemon with its password), for what follows.
    drop(unlock);
    let unlocked = KeychainStore::with_service(service.clone());
    assert_eq!(unlocked.get("conn/l/refresh").unwrap(), Some(secret("kept")), "nothing was written while it was locked");
    unlocked.delete("conn/l/refresh").unwrap();
    unlocked.delete("conn/s/refresh").unwrap();
}
