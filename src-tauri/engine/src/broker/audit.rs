//! The broker's audit log (docs/cli.md, The broker: Audit): one JSON line per request, refused ones
//! included — when, who (uid, pid and command line where the OS tells; the peer address on the
//! loopback port), what (method and path, redacted), which connection, the answer and how long
//! it took. Never a token: paths and command lines pass through the log redaction, and the
//! broker's answers are not logged. Mode 0600, in the data directory; above `MAX_BYTES` it moves
//! to `audit.log.1` (one previous file kept).

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use serde::Serialize;

use super::peer::{command_line, Caller};

pub const AUDIT_LOG: &str = "audit.log";
const MAX_BYTES: u64 = 10 * 1024 * 1024;

#[derive(Debug, Serialize)]
pub(crate) struct Entry {
    pub at: String,
    pub transport: &'static str,
    pub uid: Option<u32>,
    pub pid: Option<i32>,
    pub command: Option<String>,
    pub peer: Option<String>,
    pub method: String,
    pub path: String,
    pub connection: Option<String>,
    pub status: u16,
    pub ms: u64,
    /// Why a request was refused before it reached a connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<&'static str>,
}

impl Entry {
    pub fn new(caller: &Caller, method: &str, path_and_query: &str) -> Self {
        let (transport, uid, pid, peer) = match caller {
            Caller::Unix { uid, pid } => ("unix", *uid, *pid, None),
            Caller::Tcp { addr } => ("tcp", None, None, Some(addr.to_string())),
        };
        Entry {
            at: rfc3339_now(),
            transport,
            uid,
            pid,
            command: pid.and_then(command_line),
            peer,
            method: method.to_string(),
            path: crate::redact::redact(path_and_query).chars().take(500).collect(),
            connection: None,
            status: 0,
            ms: 0,
            refused: None,
        }
    }
}

fn rfc3339_now() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    chrono::DateTime::from_timestamp(now.as_secs() as i64, now.subsec_nanos()).map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()).unwrap_or_default()
}

pub(crate) struct AuditLog {
    path: PathBuf,
    file: Mutex<Option<(File, u64)>>,
}

fn open(path: &PathBuf) -> std::io::Result<(File, u64)> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path)?;
    let len = file.metadata()?.len();
    Ok((file, len))
}

impl AuditLog {
    pub fn new(path: PathBuf) -> Self {
        Self { path, file: Mutex::new(None) }
    }

    /// Appends one line. A log that cannot be written is said in the app's log, and the request
    /// is still served: refusing every script because the disk is full would lose more.
    pub fn write(&self, entry: &Entry) {
        let Ok(mut line) = serde_json::to_vec(entry) else { return };
        line.push(b'\n');
        let mut slot = crate::engine::lock(&self.file);
        if slot.as_ref().is_some_and(|(_, len)| *len + line.len() as u64 > MAX_BYTES) {
            *slot = None;
            let _ = std::fs::rename(&self.path, self.path.with_extension("log.1"));
        }
        if slot.is_none() {
            match open(&self.path) {
                Ok(opened) => *slot = Some(opened),
                Err(e) => {
                    tracing::warn!("the broker's audit log {} cannot be written: {e}", self.path.display());
                    return;
                }
            }
        }
        if let Some((file, len)) = slot.as_mut() {
            match file.write_all(&line) {
                Ok(()) => *len += line.len() as u64,
                Err(e) => {
                    tracing::warn!("the broker's audit log {} cannot be written: {e}", self.path.display());
                    *slot = None;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_one_redacted_line_per_request_and_moves_a_full_log_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(AUDIT_LOG);
        let log = AuditLog::new(path.clone());
        let caller = Caller::Unix { uid: Some(1000), pid: Some(std::process::id() as i32) };
        let mut entry = Entry::new(&caller, "GET", "/zoom/Prod/v2/users?access_token=AbCdEf0123456789");
        entry.status = 200;
        log.write(&entry);
        let text = std::fs::read_to_string(&path).unwrap();
        let line: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(line["uid"], 1000);
        assert_eq!(line["transport"], "unix");
        assert!(!text.contains("AbCdEf0123456789"), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        // A full log moves to audit.log.1 and a new one starts.
        *crate::engine::lock(&log.file) = Some((open(&path).unwrap().0, MAX_BYTES));
        log.write(&entry);
        assert!(dir.path().join("audit.log.1").exists());
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 1);
    }
}
