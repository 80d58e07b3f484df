//! When a script last borrowed a connection, read back from the broker's audit log (`audit.rs`):
//! the window's details and its delete dialog say it, so that an admin about to delete a
//! connection knows which script will stop working (docs/cli.md, The broker: Audit).
//!
//! Read on demand from the log itself rather than counted in memory: the log outlives the
//! process (the CLI's `serve`, an earlier run of the app), and it is at most two files of
//! `audit::MAX_BYTES`, read only when the user opens a connection's details or its Delete.

use std::io::{BufRead, BufReader};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::audit::AUDIT_LOG;

/// The last request the broker answered for a connection.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Borrowed {
    /// Unix seconds.
    pub at: i64,
    /// The caller's command line as the log has it (redacted there), when the OS told.
    pub command: Option<String>,
    pub pid: Option<i32>,
    /// `GET /v1/connections/…/token`, or the proxied call.
    pub method: String,
    pub path: String,
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
    method: String,
    #[serde(default)]
    path: String,
    #[serde(default)]
    connection: Option<String>,
    #[serde(default)]
    status: u16,
}

/// The newest successful request for `connection_id` in the audit log of `data_dir` (the
/// current file first, then the one it rotated to). None if it was never borrowed, or the log
/// cannot be read: this is information, never a reason to refuse anything.
pub fn last_borrowed(data_dir: &Path, connection_id: &str) -> Option<Borrowed> {
    let current = data_dir.join(AUDIT_LOG);
    [current.clone(), current.with_extension("log.1")].iter().find_map(|path| last_in(path, connection_id))
}

fn last_in(path: &Path, connection_id: &str) -> Option<Borrowed> {
    let file = std::fs::File::open(path).ok()?;
    let mut last = None;
    // A torn last line (a crash mid-write) or a line of another shape is skipped, not fatal.
    for line in BufReader::new(file).lines().map_while(std::result::Result::ok) {
        let Ok(entry) = serde_json::from_str::<Line>(&line) else { continue };
        if entry.connection.as_deref() == Some(connection_id) && (200..400).contains(&entry.status) {
            last = Some(entry);
        }
    }
    let entry = last?;
    let at = chrono::DateTime::parse_from_rfc3339(&entry.at).ok()?.timestamp();
    Some(Borrowed { at, command: entry.command, pid: entry.pid, method: entry.method, path: entry.path })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(at: &str, conn: &str, status: u16, command: &str) -> String {
        format!(
            r#"{{"at":"{at}","transport":"unix","uid":1000,"pid":42,"command":"{command}","peer":null,"method":"GET","path":"/v1/connections/{conn}/token","connection":"{conn}","status":{status},"ms":3}}"#
        )
    }

    #[test]
    fn the_newest_answered_request_of_that_connection_across_both_files() {
        let dir = tempfile::tempdir().unwrap();
        let older = [line("2026-12-01T10:00:00.000Z", "c1", 200, "cron-old")].join("\n");
        std::fs::write(dir.path().join("audit.log.1"), older).unwrap();
        assert_eq!(last_borrowed(dir.path(), "c1").unwrap().command.as_deref(), Some("cron-old"), "the rotated file when the current has none");
        let current = [
            line("2026-12-02T10:00:00.000Z", "c1", 200, "sync.py"),
            line("2026-12-02T11:00:00.000Z", "c1", 403, "refused"),
            line("2026-12-02T12:00:00.000Z", "c2", 200, "other"),
            r#"{"at":"2026-12-02T13:00:00.000Z","since":"x","refused_counts":{"origin":3}}"#.to_string(),
            "{\"at\":\"2026-12-02T14:0".to_string(),
        ]
        .join("\n");
        std::fs::write(dir.path().join(AUDIT_LOG), current).unwrap();
        let got = last_borrowed(dir.path(), "c1").unwrap();
        assert_eq!(got.command.as_deref(), Some("sync.py"), "a refused request is not a borrow");
        assert_eq!(got.at, chrono::DateTime::parse_from_rfc3339("2026-12-02T10:00:00Z").unwrap().timestamp());
        assert_eq!(got.pid, Some(42));
        assert_eq!(last_borrowed(dir.path(), "c3"), None);
    }

    #[test]
    fn no_log_is_no_borrow() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(last_borrowed(dir.path(), "c1"), None);
    }
}
