//! The keepalive history of each connection, for the window's 24-hour timeline: one small
//! append-only file per connection (`history/<id>.jsonl`), so that recording an event never
//! rewrites the metadata file. Older events are dropped when the file is compacted.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Kept for the timeline.
pub const HISTORY_WINDOW: i64 = 24 * 3600;
/// A file grown past this is compacted to the last 24 hours as the next event is recorded
/// (a day of keepalive is about 30 events, 2 KiB).
const COMPACT_ABOVE: u64 = 16 * 1024;

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Tokens refreshed (and the probe answered).
    Refreshed,
    /// A transient failure; retried later.
    Failed,
    /// A permanent failure: the connection needs the user.
    NeedsReconnect,
    Superseded,
    /// Back to Active after a failure.
    Recovered,
    /// Created or reconnected.
    Authorized,
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEvent {
    pub at: i64,
    pub kind: EventKind,
    /// A human reason, in English with Zoom's details (never a token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The same reason typed, for the window to say in its own language (files written before
    /// it existed have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<crate::reasons::StatusReason>,
}

pub struct History {
    dir: PathBuf,
}

impl History {
    pub fn new(data_dir: &Path) -> Self {
        Self { dir: data_dir.join("history") }
    }

    fn path(&self, id: &str) -> PathBuf {
        // Ids are engine-made (`c<digits>`); anything else cannot escape the folder.
        let safe: String = id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
        self.dir.join(format!("{safe}.jsonl"))
    }

    /// Appends one event, compacting the file first when it has grown. History is best effort:
    /// a failure is logged, never fatal.
    pub fn record(&self, id: &str, event: &HistoryEvent) {
        if fs::metadata(self.path(id)).is_ok_and(|m| m.len() > COMPACT_ABOVE) {
            self.compact(id, event.at);
        }
        let write = || -> std::io::Result<()> {
            crate::fsutil::create_private_dir(&self.dir)?;
            let mut line = serde_json::to_vec(event).map_err(std::io::Error::other)?;
            line.push(b'\n');
            crate::fsutil::private_options().create(true).append(true).open(self.path(id))?.write_all(&line)
        };
        if let Err(e) = write() {
            tracing::warn!(connection = %id, "could not record keepalive history: {e}");
        }
    }

    /// The events of the last 24 hours, oldest first. Unreadable lines are skipped.
    pub fn read(&self, id: &str, now: i64) -> Vec<HistoryEvent> {
        let Ok(text) = fs::read_to_string(self.path(id)) else { return vec![] };
        text.lines().filter_map(|l| serde_json::from_str::<HistoryEvent>(l).ok()).filter(|e| now - e.at < HISTORY_WINDOW).collect()
    }

    /// Rewrites the file with the last 24 hours only.
    pub fn compact(&self, id: &str, now: i64) {
        let events = self.read(id, now);
        let mut text = String::new();
        for e in &events {
            if let Ok(line) = serde_json::to_string(e) {
                text.push_str(&line);
                text.push('\n');
            }
        }
        if crate::fsutil::write_atomic_cache(&self.path(id), text.as_bytes()).is_err() {
            tracing::warn!(connection = %id, "could not compact keepalive history");
        }
    }

    pub fn remove(&self, id: &str) {
        let _ = fs::remove_file(self.path(id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recording_compacts_a_grown_file_to_the_last_24_hours() {
        let dir = tempfile::tempdir().unwrap();
        let h = History::new(dir.path());
        // Three days of a refresh every 50 minutes, with a reason long enough to grow the file.
        let detail = Some("x".repeat(300));
        for i in 0..(3 * 24 * 60 / 50) {
            h.record("c1", &HistoryEvent { at: i * 3000, kind: EventKind::Refreshed, detail: detail.clone(), why: None });
        }
        let size = fs::metadata(h.path("c1")).unwrap().len();
        assert!(size <= COMPACT_ABOVE + 200, "the file keeps growing: {size} bytes");
        let text = fs::read_to_string(h.path("c1")).unwrap();
        let events: Vec<HistoryEvent> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let (oldest, newest) = (events[0].at, events[events.len() - 1].at);
        assert!(newest - oldest < 2 * HISTORY_WINDOW, "events older than the window were kept: {oldest}..{newest}");
    }

    #[test]
    fn keeps_the_last_24_hours() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        let h = History::new(dir);
        let ev = |at, kind| HistoryEvent { at, kind, detail: None, why: None };
        h.record("c1", &ev(1_000, EventKind::Authorized));
        h.record("c1", &ev(50_000, EventKind::Refreshed));
        h.record("c1", &ev(90_000, EventKind::Failed));
        assert_eq!(h.read("c1", 90_001).len(), 2);
        h.compact("c1", 90_001);
        assert_eq!(h.read("c1", 0).len(), 2);
        h.remove("c1");
        assert!(h.read("c1", 0).is_empty());
        assert!(h.path("../../etc/passwd").starts_with(&h.dir));
    }
}
