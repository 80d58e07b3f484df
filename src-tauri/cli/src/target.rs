//! Which connection a command means: the one named, else `$ZOOM_CONNECTION`, else the first
//! `.zoom-connection` file from the current directory upward (a project's scripts name their
//! connection once, beside them). Never a global "current connection": two terminals, two
//! projects, two connections.

use std::path::{Path, PathBuf};

pub const ENV: &str = "ZOOM_CONNECTION";
pub const FILE: &str = ".zoom-connection";

/// The nickname or id to use, or the usage message saying how to name one.
pub fn resolve(named: Option<&str>, command: &str, text: &crate::text::Text) -> Result<String, String> {
    if let Some(named) = named.map(str::trim).filter(|n| !n.is_empty()) {
        return Ok(named.to_string());
    }
    if let Some(from_env) = std::env::var(ENV).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) {
        return Ok(from_env);
    }
    if let Some(from_file) = std::env::current_dir().ok().and_then(|dir| from_file(&dir)) {
        return from_file.map_err(|refused| {
            // The path's folders come from the repository too: quoted, control characters escaped.
            let path = format!("“{}”", refused.path.display().to_string().escape_debug());
            crate::text::fill(text.target_file, &[("path", &path), ("why", text.target_file_why[refused.why as usize])])
        });
    }
    Err(crate::text::fill(text.no_target, &[("command", command)]))
}

/// The most a `.zoom-connection` file may hold: a nickname and a comment or two.
const MAX_FILE_BYTES: u64 = 4096;

/// A `.zoom-connection` that was not used, and why (`Text::target_file_why`, in this order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    Unreadable = 0,
    NotARegularFile = 1,
    TooLarge = 2,
    NotText = 3,
    NoName = 4,
    NotAName = 5,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Refused {
    pub path: PathBuf,
    pub why: Why,
}

/// The first `.zoom-connection` from `dir` upward: its first line that is not empty or a `#`
/// comment. A cloned repository chooses what is in it (docs/security.md, A hostile repository):
/// only a small regular file counts (a link to `/proc/self/environ` or a FIFO does not), and
/// its line must be a nickname's characters and length; anything else is an error that shows
/// the file's path, never its content.
pub fn from_file(dir: &Path) -> Option<Result<String, Refused>> {
    let mut at: Option<PathBuf> = Some(dir.to_path_buf());
    while let Some(dir) = at {
        let file = dir.join(FILE);
        if std::fs::symlink_metadata(&file).is_ok() && trusted(&file) {
            return Some(read_name(&file));
        }
        at = dir.parent().map(Path::to_path_buf);
    }
    None
}

fn read_name(file: &Path) -> Result<String, Refused> {
    use std::io::Read;
    let refuse = |why| Refused { path: file.to_path_buf(), why };
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    // Not through a link (checked by the open itself, not before it), and without waiting on a
    // FIFO that no one writes.
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW | libc::O_NONBLOCK);
    let opened = options.open(file).map_err(|_| refuse(Why::Unreadable))?;
    let meta = opened.metadata().map_err(|_| refuse(Why::Unreadable))?;
    if !meta.is_file() {
        return Err(refuse(Why::NotARegularFile));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(refuse(Why::TooLarge));
    }
    let mut bytes = Vec::new();
    opened.take(MAX_FILE_BYTES).read_to_end(&mut bytes).map_err(|_| refuse(Why::Unreadable))?;
    let text = std::str::from_utf8(&bytes).map_err(|_| refuse(Why::NotText))?;
    let name = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).ok_or_else(|| refuse(Why::NoName))?;
    if name.chars().count() > zoom_connections_engine::NICKNAME_MAX || name.chars().any(char::is_control) {
        return Err(refuse(Why::NotAName));
    }
    Ok(name.to_string())
}

/// A file another user owns (in /tmp, say) does not choose this user's connection: only the
/// user's own files and root's count.
#[cfg(unix)]
fn trusted(file: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    std::fs::symlink_metadata(file).is_ok_and(|m| m.uid() == me || m.uid() == 0)
}

#[cfg(not(unix))]
fn trusted(file: &Path) -> bool {
    file.exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_file_upward_names_the_connection() {
        let root = tempfile::tempdir().unwrap();
        let deep = root.path().join("project/scripts/nightly");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(from_file(&deep), None);
        std::fs::write(root.path().join("project").join(FILE), "# the tenant these scripts manage\n\n  Production \n").unwrap();
        assert_eq!(from_file(&deep), Some(Ok("Production".to_string())));
        std::fs::write(deep.join(FILE), "Staging").unwrap();
        assert_eq!(from_file(&deep), Some(Ok("Staging".to_string())));
    }

    /// A cloned repository's `.zoom-connection` that links to the environment, is not a file,
    /// is large, or holds no nickname is refused without a byte of it shown.
    #[cfg(unix)]
    #[test]
    fn a_hostile_file_is_refused_and_never_echoed() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join(FILE);
        let refused = |expected: Why| {
            let err = from_file(root.path()).expect("found").expect_err("refused");
            assert_eq!(err, Refused { path: file.clone(), why: expected });
        };
        std::os::unix::fs::symlink("/proc/self/environ", &file).unwrap();
        refused(Why::Unreadable);
        std::fs::remove_file(&file).unwrap();
        std::os::unix::fs::symlink(root.path().join("elsewhere"), &file).unwrap();
        std::fs::write(root.path().join("elsewhere"), "Production").unwrap();
        refused(Why::Unreadable); // a link to a good file too
        std::fs::remove_file(&file).unwrap();
        std::fs::create_dir(&file).unwrap();
        refused(Why::NotARegularFile);
        std::fs::remove_dir(&file).unwrap();
        let fifo = std::ffi::CString::new(file.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        refused(Why::NotARegularFile); // a FIFO, without waiting for a writer
        std::fs::remove_file(&file).unwrap();
        std::fs::write(&file, "x".repeat(5000)).unwrap();
        refused(Why::TooLarge);
        std::fs::write(&file, "Prod\u{1b}]0;owned\u{7}").unwrap();
        refused(Why::NotAName); // escape sequences
        std::fs::write(&file, "n".repeat(65)).unwrap();
        refused(Why::NotAName); // longer than a nickname
        std::fs::write(&file, "# only a comment\n").unwrap();
        refused(Why::NoName);
        std::fs::write(&file, "  Production\n").unwrap();
        assert_eq!(from_file(root.path()), Some(Ok("Production".to_string())));
    }
}
