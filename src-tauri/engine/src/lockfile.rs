//! Locks shared by every process on this machine that uses the same data directory (the app and
//! the `zoom-connections` command line): one file per connection for its refresh, one for the
//! metadata file's read-modify-write. OS advisory locks (flock on Unix, LockFileEx on Windows)
//! are released by the OS when a process dies, so a killed process never leaves a lock behind.
//!
//! Any process that can open a lock file can hold its lock, for ever: so lock files are 0600 in
//! a 0700 folder (`fsutil`), and no wait here is unbounded — a lock held past its wait is an
//! error that says so (docs/security.md, Another local user).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{EngineError, ErrorCode, Result};

/// An exclusive lock, held until dropped.
pub struct FileLock {
    file: File,
}

impl FileLock {
    /// Counts the turns taken at this lock by every process, in the lock file itself: returns
    /// the count before this turn and after it. A process that took a turn and died still
    /// counted, so a holder can tell whether anyone else held the lock since its own last turn.
    pub fn take_turn(&mut self) -> std::io::Result<(u64, u64)> {
        use std::io::{Read, Seek, SeekFrom, Write};
        let mut buf = [0u8; 8];
        self.file.seek(SeekFrom::Start(0))?;
        let read = self.file.read(&mut buf)?;
        let before = if read == buf.len() { u64::from_le_bytes(buf) } else { 0 };
        let after = before.wrapping_add(1);
        self.file.seek(SeekFrom::Start(0))?;
        self.file.write_all(&after.to_le_bytes())?;
        Ok((before, after))
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

fn open(path: &Path) -> Result<File> {
    if let Some(dir) = path.parent() {
        crate::fsutil::create_private_dir(dir).map_err(|e| EngineError::new(ErrorCode::Storage, format!("could not create {}: {e}", dir.display())))?;
    }
    crate::fsutil::private_options()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| EngineError::new(ErrorCode::Storage, format!("could not open the lock {}: {e}", path.display())))
}

/// How long a short critical section (a metadata write) waits for another process: such
/// sections take milliseconds, so a lock held this long is held by something that is not
/// writing (a hung or hostile process).
pub const SHORT_WAIT: Duration = Duration::from_secs(10);

/// `what`: "this connection" or "the list of connections".
pub(crate) fn held_too_long(what: &str, timeout: Duration) -> EngineError {
    EngineError::new(ErrorCode::LockTimeout, format!("something else has been working on {what} for over {} s; try again", timeout.as_secs()))
}

fn lock_name(path: &Path) -> &'static str {
    if path.parent().and_then(Path::file_name).is_some_and(|d| d == "locks") {
        "this connection"
    } else {
        "the list of connections"
    }
}

/// Waits, blocking this thread, until the lock is ours, up to `timeout`: for short critical
/// sections (a metadata write). Never call it with a process-wide mutex held.
pub fn lock_blocking(path: &Path, timeout: Duration) -> Result<FileLock> {
    let file = open(path)?;
    let deadline = Instant::now() + timeout;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(FileLock { file }),
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Err(std::fs::TryLockError::WouldBlock) => return Err(held_too_long(lock_name(path), timeout)),
            Err(std::fs::TryLockError::Error(e)) => return Err(EngineError::new(ErrorCode::Storage, format!("could not lock {}: {e}", path.display()))),
        }
    }
}

/// Waits (without blocking the runtime) until the lock is ours, up to `timeout`: for a refresh,
/// which another process may be in the middle of.
pub async fn lock_async(path: PathBuf, timeout: Duration) -> Result<FileLock> {
    let file = open(&path)?;
    let deadline = Instant::now() + timeout;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(FileLock { file }),
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(std::fs::TryLockError::WouldBlock) => return Err(held_too_long(lock_name(&path), timeout)),
            Err(std::fs::TryLockError::Error(e)) => return Err(EngineError::new(ErrorCode::Storage, format!("could not lock {}: {e}", path.display()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_holder_waits_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c1.lock");
        let first = lock_blocking(&path, SHORT_WAIT).unwrap();
        assert_eq!(lock_blocking(&path, Duration::from_millis(30)).err().map(|e| e.code), Some(ErrorCode::LockTimeout), "bounded, not for ever");
        let err = lock_async(path.clone(), Duration::from_millis(60)).await.err().expect("busy");
        assert_eq!(err.code, ErrorCode::LockTimeout);
        drop(first);
        let mut second = lock_async(path.clone(), Duration::from_millis(60)).await.unwrap();
        // Turns are counted across holders (here, two in a row).
        assert_eq!(second.take_turn().unwrap(), (0, 1));
        drop(second);
        let mut third = lock_async(path, Duration::from_millis(60)).await.unwrap();
        assert_eq!(third.take_turn().unwrap(), (1, 2));
    }
}
