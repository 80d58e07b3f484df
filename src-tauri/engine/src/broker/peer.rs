//! Who is calling the broker, and the broker's private files (docs/security.md, The broker).

use std::net::SocketAddr;
use std::path::Path;

use crate::error::{EngineError, ErrorCode, Result};

/// How a request reached the broker, and what the OS says about its sender.
#[derive(Clone, Debug)]
pub(crate) enum Caller {
    /// The Unix socket: the kernel names the peer's uid and pid (`SO_PEERCRED`).
    Unix { uid: Option<u32>, pid: Option<i32> },
    /// The loopback port: only an address; who it is is proven by the secret.
    Tcp { addr: SocketAddr },
}

#[cfg(unix)]
pub(crate) fn current_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

#[cfg(not(unix))]
pub(crate) fn current_uid() -> u32 {
    0
}

fn dir_error(dir: &Path, why: impl std::fmt::Display) -> EngineError {
    EngineError::new(ErrorCode::Storage, format!("The broker's directory {} cannot be used: {why}.", dir.display()))
}

/// Creates the broker's directory, or checks the one that is there: a real directory (not a
/// link), owned by this user, and private to it. In a shared temporary directory another user
/// could have made it first.
#[cfg(unix)]
pub(crate) fn prepare_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
    if let Some(parent) = dir.parent() {
        crate::fsutil::create_private_dir(parent).map_err(|e| dir_error(dir, e))?;
    }
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(dir_error(dir, e)),
    }
    let meta = std::fs::symlink_metadata(dir).map_err(|e| dir_error(dir, e))?;
    if !meta.file_type().is_dir() {
        return Err(dir_error(dir, "it is not a directory"));
    }
    if meta.uid() != current_uid() {
        return Err(dir_error(dir, format!("it belongs to another user (uid {})", meta.uid())));
    }
    if meta.mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(|e| dir_error(dir, e))?;
    }
    Ok(())
}

#[cfg(not(unix))]
pub(crate) fn prepare_dir(dir: &Path) -> Result<()> {
    // The user's temporary directory is private to the user on Windows.
    std::fs::create_dir_all(dir).map_err(|e| dir_error(dir, e))
}

/// Whether `path` is this user's own and nobody else's: not a link, owned by this user, no
/// access for group or others. What a client checks before it trusts the broker's directory and
/// discovery file: in a shared temporary directory another user could have made them.
#[cfg(unix)]
pub(crate) fn private_to_us(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path).is_ok_and(|m| !m.file_type().is_symlink() && m.uid() == current_uid() && m.mode() & 0o077 == 0)
}

#[cfg(not(unix))]
pub(crate) fn private_to_us(path: &Path) -> bool {
    path.exists()
}

/// Whether `path` (the socket) is this user's, not a link.
#[cfg(unix)]
pub(crate) fn owned_by_us(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path).is_ok_and(|m| !m.file_type().is_symlink() && m.uid() == current_uid())
}

/// Whether a process of this user with this pid runs (the discovery file may be stale, and a
/// freed loopback port could be another user's by now).
#[cfg(unix)]
pub(crate) fn alive(pid: u32) -> bool {
    // SAFETY: signal 0 only checks that the process exists and may be signalled by us.
    i32::try_from(pid).is_ok_and(|pid| unsafe { libc::kill(pid, 0) } == 0)
}

#[cfg(not(unix))]
pub(crate) fn alive(_pid: u32) -> bool {
    true
}

#[cfg(unix)]
pub(crate) fn make_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

/// This run's secret for the loopback port: 256 random bits.
pub(crate) fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Equal without saying where they differ (a secret compared byte by byte leaks its prefix
/// through timing).
pub(crate) fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The command line of a process, for the audit log: redacted (a script may carry a token in
/// its arguments) and bounded. Only Linux tells this without privileges.
pub(crate) fn command_line(pid: i32) -> Option<String> {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let text: String = String::from_utf8_lossy(&raw).split('\0').filter(|a| !a.is_empty()).collect::<Vec<_>>().join(" ");
    Some(crate::redact::redact(&text).chars().take(300).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_by_value_only() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"ab"));
        assert_ne!(new_secret(), new_secret());
        assert_eq!(new_secret().len(), 64);
    }

    #[cfg(unix)]
    #[test]
    fn the_directory_is_made_private_and_a_link_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("broker");
        prepare_dir(&dir).unwrap();
        assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        prepare_dir(&dir).unwrap();
        assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        assert!(private_to_us(&dir));
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&dir, &link).unwrap();
        assert!(prepare_dir(&link).is_err());
        assert!(!private_to_us(&link), "a link is not trusted");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(!private_to_us(&dir), "readable by others is not private");
        assert!(alive(std::process::id()));
    }

    #[test]
    fn command_lines_are_redacted() {
        // This test process's own command line is readable on Linux.
        if cfg!(target_os = "linux") {
            assert!(command_line(std::process::id() as i32).is_some());
        }
        assert_eq!(command_line(-1), None);
    }
}
