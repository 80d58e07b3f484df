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
//!
//! Every file and folder made here is this user's alone from the moment it exists (0600 files,
//! 0700 folders; docs/security.md, Another local user): a file made readable and narrowed after
//! is open for a moment to another user's inotify watcher, and a lock file another user can open
//! is a lock that user can hold (`lockfile.rs`). `make_tree_private` fixes what older versions
//! left readable.

use std::io::Write;
use std::path::Path;

use atomic_write_file::AtomicWriteFile;

/// Creates `dir`, and its missing parents, with every folder this makes private (0700) from
/// its creation. An existing folder is left as it is (`make_tree_private` narrows the data
/// directory's own).
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Options for a file only this user may read or write, whatever the umask (0600 on creation).
pub fn private_options() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

fn atomic_private(path: &Path) -> std::io::Result<AtomicWriteFile> {
    let mut options = AtomicWriteFile::options();
    #[cfg(unix)]
    {
        use atomic_write_file::unix::OpenOptionsExt as _;
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        // The replaced file's mode is not carried over: one from an older version may be 0644.
        options.preserve_mode(false);
    }
    options.open(path)
}

/// Replaces `path` with `bytes` durably, creating its folder if needed; the file is 0600 from
/// its creation.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    let mut file = atomic_private(path)?;
    file.write_all(bytes)?;
    file.commit()
}

/// The data directory and everything in it made this user's alone: the directory 0700, every
/// folder in it 0700 and every file 0600 (docs/security.md, Another local user). For installs of
/// versions that created them with the umask's modes; links are not followed, and what another
/// user owns is left alone (it cannot be changed, and is not read as ours: `store.rs`).
#[cfg(unix)]
pub fn make_tree_private(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    create_private_dir(dir)?;
    let me = crate::broker::current_uid();
    // The directory itself must be private (it keeps every other user out of all of it); an
    // entry that went away meanwhile or cannot be changed is said, and the rest goes on.
    let top = std::fs::symlink_metadata(dir)?;
    if top.uid() == me && top.mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(top.mode() & 0o700))?;
    }
    let mut pending: Vec<std::path::PathBuf> = std::fs::read_dir(dir)?.flatten().map(|e| e.path()).collect();
    while let Some(at) = pending.pop() {
        let narrowed = (|| -> std::io::Result<()> {
            let meta = std::fs::symlink_metadata(&at)?;
            if meta.file_type().is_symlink() || meta.uid() != me {
                return Ok(());
            }
            let wanted = if meta.is_dir() { 0o700 } else { 0o600 };
            if meta.mode() & 0o777 & !wanted != 0 {
                std::fs::set_permissions(&at, std::fs::Permissions::from_mode(meta.mode() & 0o777 & wanted))?;
            }
            if meta.is_dir() {
                pending.extend(std::fs::read_dir(&at)?.flatten().map(|e| e.path()));
            }
            Ok(())
        })();
        match narrowed {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => tracing::warn!("{} could not be made private: {e}", at.display()),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(not(unix))]
pub fn make_tree_private(dir: &Path) -> std::io::Result<()> {
    // The user's profile folder is private to the user on Windows.
    std::fs::create_dir_all(dir)
}

/// Replaces `path` with `bytes` atomically but without syncing (see the module's comment).
pub fn write_atomic_cache(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().ok_or_else(|| std::io::Error::other("no folder"))?;
    create_private_dir(dir)?;
    // tempfile creates its files 0600.
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

/// `write_atomic`, for a file that holds a secret of this run: the name says why it must stay
/// private (every file `write_atomic` makes is 0600 from its creation).
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic(path, bytes)
}

/// The data directory, this user's alone (docs/security.md, Another local user). The app and
/// `serve` narrow everything in it that an older version left readable; the command line,
/// which runs for every script's call, checks only the directory itself, which is what keeps
/// other users out of everything in it.
pub(crate) fn secure_data_dir(dir: &std::path::Path, whole_tree: bool) -> crate::error::Result<()> {
    let failed = |e: std::io::Error| {
        crate::error::EngineError::new(crate::error::ErrorCode::Storage, format!("The data directory {} cannot be made private: {e}", dir.display()))
    };
    if whole_tree {
        return make_tree_private(dir).map_err(failed);
    }
    create_private_dir(dir).map_err(failed)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let meta = std::fs::metadata(dir).map_err(failed)?;
        if meta.mode() & 0o077 != 0 && meta.uid() == crate::broker::current_uid() {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(meta.mode() & 0o700)).map_err(failed)?;
        }
    }
    Ok(())
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
            // A file an older version left readable is replaced by a private one.
            std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
            write_atomic(&secret, b"y").unwrap();
            assert_eq!(std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
