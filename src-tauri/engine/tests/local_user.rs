//! Another local user against the data directory (docs/security.md, Another local user): run as
//! root, the attacker is a real second uid (`nobody`, 65534) started by the test, as the outside
//! review did it. Not as root, the attacks cannot be tried: said loudly, and a failure in CI.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use zoom_connections_engine::vault::MemoryStore;
use zoom_connections_engine::{Engine, EngineConfig, ErrorCode};

const NOBODY: u32 = 65534;

/// Whether this test may act as another user; panics in CI, where it must.
fn can_be_another_user() -> bool {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if !root {
        assert!(std::env::var_os("CI").is_none(), "CI runs as root: the other-user attacks must run there");
        eprintln!("NOT CHECKED: the other-user attacks need root to start a process as uid {NOBODY}");
    }
    root
}

/// `flock -n -x PATH true` as uid 65534: whether that user can take (and so could hold) the lock.
fn nobody_can_lock(path: &Path) -> bool {
    Command::new("flock")
        .args(["-n", "-x"])
        .arg(path)
        .arg("true")
        .uid(NOBODY)
        .gid(NOBODY)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("flock (util-linux) runs")
        .success()
}

fn open(dir: &Path) -> Engine {
    let config = EngineConfig::new(dir.to_path_buf(), Arc::new(MemoryStore::default()));
    Engine::open(config).unwrap()
}

fn loose_modes(dir: &Path) -> Vec<String> {
    let mut loose = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(at) = pending.pop() {
        let meta = std::fs::symlink_metadata(&at).unwrap();
        if meta.mode() & 0o077 != 0 {
            loose.push(format!("{} {:o}", at.display(), meta.mode() & 0o777));
        }
        if meta.is_dir() {
            pending.extend(std::fs::read_dir(&at).unwrap().map(|e| e.unwrap().path()));
        }
    }
    loose
}

/// An install made by an older version (the umask's 0755 and 0644), in a home-like folder that
/// other users may traverse: the attack works on it, and stops working once the app has started.
#[test]
fn another_user_cannot_take_the_lock_files_of_an_older_install() {
    let scratch = common::temp_dir();
    std::fs::set_permissions(scratch.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let dir = scratch.path().join("data");
    std::fs::create_dir_all(dir.join("locks")).unwrap();
    for d in [&dir, &dir.join("locks")] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let lock = dir.join("locks").join("c1.lock");
    std::fs::write(&lock, b"").unwrap();
    std::fs::set_permissions(&lock, std::fs::Permissions::from_mode(0o644)).unwrap();
    let attacker = can_be_another_user();
    if attacker {
        assert!(nobody_can_lock(&lock), "the older install is open to the attack (else this test proves nothing)");
    }

    let engine = open(&dir);
    assert_eq!(loose_modes(&dir), Vec::<String>::new(), "everything in the data directory is private after start");
    // What the engine writes from now on is private from its creation.
    let mut settings = engine.settings();
    settings.refresh_margin_secs = 600;
    engine.save_settings(settings).unwrap();
    assert_eq!(loose_modes(&dir), Vec::<String>::new());
    if attacker {
        assert!(!nobody_can_lock(&lock));
        assert!(!nobody_can_lock(&dir.join("connections.json.lock")));
    }
}

/// A fresh install: the data directory and every file are private from the start, even where
/// the umask would have made them readable.
#[test]
fn a_fresh_data_directory_is_private_from_the_start() {
    let scratch = common::temp_dir();
    let dir = scratch.path().join("nested").join("data");
    let engine = open(&dir);
    let mut settings = engine.settings();
    settings.refresh_margin_secs = 900;
    engine.save_settings(settings).unwrap();
    assert_eq!(std::fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
    assert_eq!(loose_modes(&dir), Vec::<String>::new());
}

/// A lock file held for ever (by a hung or hostile process) costs a change `LockTimeout`, and
/// never blocks the engine's list while it waits: the window goes on reading it.
#[test]
fn a_held_list_lock_is_waited_for_boundedly_and_never_under_the_list_mutex() {
    let scratch = common::temp_dir();
    let engine = open(scratch.path());
    let held = zoom_connections_engine::lockfile::lock_blocking(&scratch.path().join("connections.json.lock"), Duration::from_secs(1)).unwrap();
    let writer = {
        let engine = engine.clone();
        std::thread::spawn(move || {
            let mut settings = engine.settings();
            settings.refresh_margin_secs = 700;
            engine.save_settings(settings)
        })
    };
    // While the writer waits for the file lock (10 s), reading the list answers: it used to
    // wait with the writer, for as long as the lock was held.
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = {
        let (engine, done) = (engine.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let _ = engine.connections();
                let _ = tx.send(());
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    while !writer.is_finished() {
        rx.recv_timeout(Duration::from_secs(3)).expect("the list is readable while a change waits for the lock file");
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    reader.join().unwrap();
    let waited = writer.join().unwrap();
    assert_eq!(waited.err().map(|e| e.code), Some(ErrorCode::LockTimeout), "a lock held too long is an error, not a hang");
    drop(held);
    let mut settings = engine.settings();
    settings.refresh_margin_secs = 700;
    engine.save_settings(settings).unwrap();
}
