//! When a script last borrowed a connection, read back from the broker's audit log (`audit.rs`):
//! the window's details and its delete dialog say it, so that an admin about to delete a
//! connection knows which script will stop working (docs/cli.md, The broker: Audit).
//!
//! Read on demand from the log itself rather than counted in memory: the log outlives the
//! process (the CLI's `serve`, an earlier run of the app), and it is at most two files of
//! `audit::MAX_BYTES`, read only when the user opens a connection's details or its Delete. Only
//! the program's name is given back, never its arguments (see `Borrowed::program`).

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::audit::AUDIT_LOG;

/// The last request the broker served for a connection.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Borrowed {
    /// Unix seconds.
    pub at: i64,
    /// Which program asked, never its whole command line: a command line may carry a secret
    /// the log's redaction does not know (`PGPASSWORD=…`, `-u user:pass`), and this goes to the
    /// window. The program's file name, and for an interpreter the script's.
    pub program: Option<String>,
    pub pid: Option<i32>,
}

/// The fields of an audit line this reads; the rest (and summary lines) are ignored.
#[derive(Deserialize)]
struct Line {
    at: String,
    #[serde(default)]
    command: Option<String>,
    #[serde(default)]
    pid: Option<i32>,
    #[serde(default)]
    connection: Option<String>,
    #[serde(default)]
    refused: Option<String>,
}

/// Read no more than this of a file: the broker keeps each under 10 MiB (`audit.rs`); anything
/// larger is not its log.
const MAX_READ: u64 = 16 * 1024 * 1024;
/// A program name longer than this is cut.
const MAX_PROGRAM: usize = 80;

/// The newest request served for `connection_id` in the audit log of `data_dir` (the current
/// file first, then the one it rotated to). None if it was never borrowed, or the log cannot be
/// read: this is information, never a reason to refuse anything.
pub fn last_borrowed(data_dir: &Path, connection_id: &str) -> Option<Borrowed> {
    let current = data_dir.join(AUDIT_LOG);
    [current.clone(), current.with_extension("log.1")].iter().find_map(|path| last_in(path, connection_id))
}

fn last_in(path: &Path, connection_id: &str) -> Option<Borrowed> {
    // A regular file only (not a FIFO or a device put in its place), read up to MAX_READ.
    if !std::fs::symlink_metadata(path).ok()?.is_file() {
        return None;
    }
    let file = std::fs::File::open(path).ok()?.take(MAX_READ);
    let mut last = None;
    // A torn last line (a crash mid-write) or a line of another shape is skipped, not fatal.
    for line in BufReader::new(file).lines().map_while(std::result::Result::ok) {
        let Ok(entry) = serde_json::from_str::<Line>(&line) else { continue };
        // Served, whatever Zoom answered through the proxy: refused requests never reached it.
        if entry.connection.as_deref() != Some(connection_id) || entry.refused.is_some() {
            continue;
        }
        let Ok(at) = chrono::DateTime::parse_from_rfc3339(&entry.at) else { continue };
        last = Some(Borrowed { at: at.timestamp(), program: entry.command.as_deref().and_then(program_of), pid: entry.pid });
    }
    last
}

/// Interpreters whose script is what names the program.
const INTERPRETERS: &[&str] = &["sh", "bash", "zsh", "dash", "python", "python3", "node", "deno", "bun", "ruby", "perl", "php", "pwsh", "env"];

/// The program of a command line: its first word's file name, and for an interpreter the first
/// word after it that is not an option or an assignment; printable characters only, bounded.
fn program_of(command: &str) -> Option<String> {
    let mut words = command.split_whitespace();
    let name = |w: &str| w.rsplit('/').next().unwrap_or(w).to_string();
    let first = name(words.next()?);
    let base = first.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    let shown = if INTERPRETERS.contains(&first.as_str()) || INTERPRETERS.contains(&base) {
        // A script is a file name; inline code (`-c '…'`, `-e …`) is never shown.
        let inline = command.split_whitespace().any(|w| matches!(w, "-c" | "-e" | "--eval" | "-Command" | "-EncodedCommand"));
        let is_file = |w: &&str| w.chars().all(|c| c.is_ascii_alphanumeric() || "._/-".contains(c));
        match words.find(|w| !w.starts_with('-') && !w.contains('=')).filter(is_file).filter(|_| !inline) {
            Some(script) => format!("{first} {}", name(script)),
            None => first,
        }
    } else {
        first
    };
    let clean: String =
        shown.chars().filter(|c| !c.is_control() && !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')).take(MAX_PROGRAM).collect();
    (!clean.is_empty()).then_some(clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(at: &str, conn: &str, refused: Option<&str>, command: &str) -> String {
        let refused = refused.map(|r| format!(r#","refused":"{r}""#)).unwrap_or_default();
        format!(
            r#"{{"at":"{at}","transport":"unix","uid":1000,"pid":42,"command":"{command}","peer":null,"method":"GET","path":"/v1/connections/{conn}/token","connection":"{conn}","status":200,"ms":3{refused}}}"#
        )
    }

    #[test]
    fn the_newest_served_request_of_that_connection_across_both_files() {
        let dir = tempfile::tempdir().unwrap();
        let older = [line("2026-12-01T10:00:00.000Z", "c1", None, "/usr/bin/cron-job")].join("\n");
        std::fs::write(dir.path().join("audit.log.1"), older).unwrap();
        assert_eq!(last_borrowed(dir.path(), "c1").unwrap().program.as_deref(), Some("cron-job"), "the rotated file when the current has none");
        let current = [
            line("2026-12-02T10:00:00.000Z", "c1", None, "/usr/bin/python3 -u /srv/sync.py --all"),
            line("2026-12-02T11:00:00.000Z", "c1", Some("origin"), "refused"),
            line("2026-12-02T12:00:00.000Z", "c2", None, "other"),
            line("not a time", "c1", None, "bad-time"),
            r#"{"at":"2026-12-02T13:00:00.000Z","since":"x","refused_counts":{"origin":3}}"#.to_string(),
            "{\"at\":\"2026-12-02T14:0".to_string(),
        ]
        .join("\n");
        std::fs::write(dir.path().join(AUDIT_LOG), current).unwrap();
        let got = last_borrowed(dir.path(), "c1").unwrap();
        assert_eq!(got.program.as_deref(), Some("python3 sync.py"), "a refused request is no borrow; a line without a time is skipped");
        assert_eq!(got.at, chrono::DateTime::parse_from_rfc3339("2026-12-02T10:00:00Z").unwrap().timestamp());
        assert_eq!(got.pid, Some(42));
        assert_eq!(last_borrowed(dir.path(), "c3"), None);
    }

    #[test]
    fn only_the_program_reaches_the_window_never_the_arguments() {
        for (command, program) in [
            ("env PGPASSWORD=hunter2 API_TOKEN=abc psql -h db", "env psql"),
            ("curl -u admin:hunter2 https://x", "curl"),
            ("/opt/tools/sync --password hunter2", "sync"),
            ("bash -c 'echo secret'", "bash"),
            ("sh -c \"PGPASSWORD=x psql\"", "sh"),
            ("python3 'my script.py' --token x", "python3"),
            ("node\u{202e}evil", "nodeevil"),
        ] {
            let got = program_of(command).unwrap();
            assert_eq!(got, program, "{command}");
            assert!(!got.contains("hunter2") && !got.contains("abc"), "{got}");
        }
        assert_eq!(program_of(&"a".repeat(500)).unwrap().chars().count(), MAX_PROGRAM);
        assert_eq!(program_of("   "), None);
    }

    #[test]
    fn no_log_or_a_log_that_is_not_a_file_is_no_borrow() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(last_borrowed(dir.path(), "c1"), None);
        std::fs::create_dir(dir.path().join(AUDIT_LOG)).unwrap();
        assert_eq!(last_borrowed(dir.path(), "c1"), None);
    }
}
