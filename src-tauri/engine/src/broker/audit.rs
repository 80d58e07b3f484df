//! The broker's audit log (docs/cli.md, The broker: Audit): one JSON line per request, refused ones
//! included — when, who (uid, pid and command line where the OS tells; the peer address on the
//! loopback port), what (method and path, redacted), which connection, the answer and how long
//! it took. Never a token: paths and command lines pass through the log redaction, and the
//! broker's answers are not logged. Mode 0600, in the data directory; above `MAX_BYTES` it moves
//! to `audit.log.1` (one previous file kept).
//!
//! Whoever is refused must not be able to push the log out (docs/security.md, The broker): every
//! field is bounded, and refused requests are counted, not written one by one — the first of
//! each minute in full, the rest as one line of counts per reason, written with the first request
//! after the minute or when the broker stops.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

/// The longest method written (every method Zoom's API knows has at most 7 letters).
const MAX_METHOD: usize = 16;
const MAX_PATH: usize = 300;
/// How long refused requests are counted before their line is written.
const REFUSED_WINDOW: Duration = Duration::from_secs(60);

/// Refused requests of the current minute.
#[derive(Default)]
struct Refusals {
    since: Option<Instant>,
    started_at: String,
    counts: BTreeMap<&'static str, u64>,
}

#[derive(Serialize)]
struct RefusedSummary<'a> {
    at: String,
    since: &'a str,
    /// Refused requests after the first of the minute (which has a line of its own), per reason.
    refused_counts: &'a BTreeMap<&'static str, u64>,
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
            method: method.chars().take(MAX_METHOD).collect(),
            path: crate::redact::redact(path_and_query).chars().take(MAX_PATH).collect(),
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
    refusals: Mutex<Refusals>,
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
        Self { path, file: Mutex::new(None), refusals: Mutex::new(Refusals::default()) }
    }

    /// One request: its line, or for a refused one, its count (see the module's comment).
    pub fn write(&self, entry: &Entry) {
        let summary = {
            let mut refusals = crate::engine::lock(&self.refusals);
            let over = refusals.since.is_some_and(|t| t.elapsed() >= REFUSED_WINDOW);
            let summary = if over { self.take_summary(&mut refusals) } else { None };
            match entry.refused {
                Some(why) if refusals.since.is_some() => {
                    *refusals.counts.entry(why).or_default() += 1;
                    return self.append_all(summary.into_iter().collect());
                }
                Some(_) => {
                    refusals.since = Some(Instant::now());
                    refusals.started_at = entry.at.clone();
                }
                None => {}
            }
            summary
        };
        let Ok(line) = serde_json::to_vec(entry) else { return };
        self.append_all(summary.into_iter().chain([line]).collect());
    }

    /// Writes the minute's counts, if any, and ends the minute.
    pub fn flush(&self) {
        let summary = self.take_summary(&mut crate::engine::lock(&self.refusals));
        self.append_all(summary.into_iter().collect());
    }

    fn take_summary(&self, refusals: &mut Refusals) -> Option<Vec<u8>> {
        let taken = std::mem::take(refusals);
        if taken.counts.is_empty() {
            return None;
        }
        serde_json::to_vec(&RefusedSummary { at: rfc3339_now(), since: &taken.started_at, refused_counts: &taken.counts }).ok()
    }

    fn append_all(&self, lines: Vec<Vec<u8>>) {
        for mut line in lines {
            line.push(b'\n');
            self.append(&line);
        }
    }

    /// Appends one line. A log that cannot be written is said in the app's log, and the request
    /// is still served: refusing every script because the disk is full would lose more.
    fn append(&self, line: &[u8]) {
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
            match file.write_all(line) {
                Ok(()) => *len += line.len() as u64,
                Err(e) => {
                    tracing::warn!("the broker's audit log {} cannot be written: {e}", self.path.display());
                    *slot = None;
                }
            }
        }
    }
}

impl Drop for AuditLog {
    /// The broker stopping ends the minute: its counts are not lost.
    fn drop(&mut self) {
        self.flush();
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
        // Refused requests, however long their method and path, are counted, not each written.
        let flooded = AuditLog::new(dir.path().join("flooded.log"));
        let stranger = Caller::Tcp { addr: "127.0.0.1:40000".parse().unwrap() };
        for _ in 0..1000 {
            let mut refused = Entry::new(&stranger, &"M".repeat(10_000), &format!("/{}", "p".repeat(10_000)));
            refused.refused = Some("secret");
            refused.status = 401;
            flooded.write(&refused);
        }
        flooded.write(&entry);
        flooded.flush();
        let text = std::fs::read_to_string(dir.path().join("flooded.log")).unwrap();
        assert!(text.len() < 2048, "{} bytes", text.len());
        let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 3, "the first refusal, the request served, the count: {text}");
        assert_eq!(lines[0]["method"].as_str().unwrap().len(), MAX_METHOD);
        assert_eq!(lines[1]["status"], 200);
        assert_eq!(lines[2]["refused_counts"]["secret"], 999);

        // A full log moves to audit.log.1 and a new one starts.
        *crate::engine::lock(&log.file) = Some((open(&path).unwrap().0, MAX_BYTES));
        log.write(&entry);
        assert!(dir.path().join("audit.log.1").exists());
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 1);
    }
}
