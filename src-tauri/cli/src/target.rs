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
        return Ok(from_file);
    }
    Err(crate::text::fill(text.no_target, &[("command", command)]))
}

/// The first `.zoom-connection` from `dir` upward: its first line that is not empty or a `#`
/// comment.
pub fn from_file(dir: &Path) -> Option<String> {
    let mut at: Option<PathBuf> = Some(dir.to_path_buf());
    while let Some(dir) = at {
        let file = dir.join(FILE);
        if trusted(&file) {
            if let Ok(text) = std::fs::read_to_string(&file) {
                return text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_string);
            }
        }
        at = dir.parent().map(Path::to_path_buf);
    }
    None
}

/// A file another user owns (in /tmp, say) does not choose this user's connection: only the
/// user's own files and root's count.
#[cfg(unix)]
fn trusted(file: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    std::fs::metadata(file).is_ok_and(|m| m.uid() == me || m.uid() == 0)
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
        assert_eq!(from_file(&deep).as_deref(), Some("Production"));
        std::fs::write(deep.join(FILE), "Staging").unwrap();
        assert_eq!(from_file(&deep).as_deref(), Some("Staging"));
    }
}
