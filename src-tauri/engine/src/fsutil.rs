//! The one way the app replaces a file: a temporary file with a random name beside it, then a
//! rename over the old one, so a crash leaves the old file or the new one, never half of one, and
//! no two writers share a temporary name. Two durabilities, chosen by the caller:
//! - `write_atomic` (`atomic-write-file`): the file and its folder are synced before it returns,
//!   so the new contents survive a power cut — the list of connections, anything that is the only
//!   copy of something;
//! - `write_atomic_cache` (`tempfile`): no sync — what only caches what can be learned again (a
//!   compacted history file).
//!
//! And one that is deliberately not atomic, `overwrite_record`, for a connection's state file,
//! which keepalive rewrites on every refresh: creating a file costs ~0.8 ms on the machines
//! measured (docs/benchmarks.md), more than the rest of a rotation, so the existing file is
//! overwritten in place. A torn record (a crash mid-write, a reader racing the writer) is not
//! JSON, is ignored by its readers (the list's own copy stands, store.rs), and costs at most an
//! early refresh: the tokens are in the keychain.

use std::io::Write;
use std::path::Path;

use atomic_write_file::AtomicWriteFile;

/// Replaces `path` with `bytes` durably, creating its folder if needed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = AtomicWriteFile::open(path)?;
    file.write_all(bytes)?;
    file.commit()
}

/// Replaces `path` with `bytes` atomically but without syncing (see the module's comment).
pub fn write_atomic_cache(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().ok_or_else(|| std::io::Error::other("no folder"))?;
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Overwrites `path` from its start with `bytes`, padded with spaces to at least the file's
/// current length (JSON ignores trailing whitespace), so that no truncation or new file is
/// needed after the first write (see the module's comment).
pub fn overwrite_record(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom};
    let mut file = match std::fs::OpenOptions::new().write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return write_atomic_cache(path, bytes),
        Err(e) => return Err(e),
    };
    let old = usize::try_from(file.metadata()?.len()).unwrap_or(usize::MAX);
    let mut record = bytes.to_vec();
    if record.len() < old {
        record.resize(old, b' ');
    }
    file.seek(SeekFrom::Start(0))?;
    file.write_all(&record)
}

/// `write_atomic`, readable by this user only (a file that holds a secret of this run).
#[cfg(unix)]
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = AtomicWriteFile::open(path)?;
    file.as_file().set_permissions(std::fs::Permissions::from_mode(0o600))?;
    file.write_all(bytes)?;
    file.commit()
}

#[cfg(not(unix))]
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    // The user's profile folder is private to the user on Windows.
    write_atomic(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_files_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("f.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        write_atomic_cache(&path, b"three").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"three");
        overwrite_record(&path, br#"{"a":1}"#).unwrap();
        overwrite_record(&path, br#"{}"#).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), serde_json::json!({}));
        assert_eq!(std::fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let secret = dir.path().join("s");
            write_private(&secret, b"x").unwrap();
            assert_eq!(std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
