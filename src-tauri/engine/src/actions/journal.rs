//! A bulk run's journal (docs/cli.md, Bulk runs): one JSON line per event in
//! `<data dir>/journal/<run id>.jsonl` (folder 0700, file 0600) — the run and the users it acts
//! on, then for each user `sent` before the call goes out and `answered` after Zoom answered.
//! Each line is written and synced before the call it announces, so a run cut off anywhere (a
//! crash, SIGKILL, a lost network, a quit) resumes exactly: users answered are never sent again,
//! users never sent are sent, and a user sent but not answered is read back from Zoom before
//! anything is sent again (`bulk.rs`). No token, and of a user only what identifies them and what
//! changed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::bulk::BulkAction;
use crate::engine::lock;
use crate::error::{EngineError, ErrorCode, Result};

/// The journal folder in the data directory.
pub const FOLDER: &str = "journal";
/// A journal of a run larger than any account is not ours.
const MAX_TARGETS: usize = 1_000_000;

/// A user the run acts on: how the admin named them, and who Zoom said that is.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// As given (an email or an id).
    pub key: String,
    /// Zoom's id, when the plan found one (a pending user has none in Zoom's list).
    pub user_id: Option<String>,
    pub email: String,
    /// The user was an invitation (pending) when the run was planned.
    #[serde(default)]
    pub pending: bool,
}

impl Target {
    /// What to name the user by in calls: the id when known.
    pub fn call_key(&self) -> &str {
        self.user_id.as_deref().unwrap_or(&self.email)
    }
}

/// How a user's call ended.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Done,
    /// Already as asked when read back after a run was cut off: nothing sent again.
    AlreadyDone,
    Failed {
        code: ErrorCode,
        message: String,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entry {
    Run {
        run_id: String,
        connection_id: String,
        nickname: String,
        action: Box<BulkAction>,
        targets: Vec<Target>,
        created_at: i64,
    },
    Sent {
        row: usize,
    },
    Answered {
        row: usize,
        #[serde(flatten)]
        outcome: Outcome,
    },
    /// The admin cancelled: the rest stays unsent (a resume goes on with it).
    Cancelled {
        at: i64,
    },
}

/// Where each user of a run stands.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RowState {
    NotSent,
    /// Sent, and no answer written: it may or may not have happened at Zoom.
    Unanswered,
    Answered(Outcome),
}

/// A journal read back.
#[derive(Debug, Clone)]
pub struct RunRecord {
    pub run_id: String,
    pub connection_id: String,
    pub nickname: String,
    pub action: BulkAction,
    pub targets: Vec<Target>,
    pub created_at: i64,
    pub rows: Vec<RowState>,
    pub cancelled: bool,
}

impl RunRecord {
    pub fn finished(&self) -> bool {
        self.rows.iter().all(|r| matches!(r, RowState::Answered(_)))
    }
}

/// A run's journal, open for writing: its file is locked (an OS advisory lock, released when the
/// process ends) for as long as this lives, so one run is never driven by two processes — or
/// twice by one — at once.
pub struct Journal {
    path: PathBuf,
    file: Mutex<JournalFile>,
}

struct JournalFile {
    file: std::fs::File,
    /// A write failed part-way and could not be undone: nothing more is written.
    broken: bool,
}

/// Takes the run's lock, or says that the run is going on elsewhere.
fn lock_run(file: &std::fs::File) -> Result<()> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => {
            Err(EngineError::new(ErrorCode::LockTimeout, "This bulk run is going on already (in this app or another process)."))
        }
        Err(std::fs::TryLockError::Error(e)) => Err(storage("locked", e)),
    }
}

/// Where a run's journal is.
pub fn path_of(data_dir: &Path, run_id: &str) -> Result<PathBuf> {
    if run_id.is_empty() || run_id.len() > 64 || !run_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(EngineError::new(ErrorCode::NotFound, "No bulk run has this id."));
    }
    Ok(data_dir.join(FOLDER).join(format!("{run_id}.jsonl")))
}

fn storage(what: &str, e: impl std::fmt::Display) -> EngineError {
    EngineError::new(ErrorCode::Storage, format!("The bulk run's journal could not be {what}: {e}"))
}

impl Journal {
    /// A new journal for a run (its first line written and synced before this returns).
    pub fn create(data_dir: &Path, run: &Entry) -> Result<Self> {
        let Entry::Run { run_id, .. } = run else {
            return Err(EngineError::new(ErrorCode::InvalidSettings, "A journal starts with its run."));
        };
        let path = path_of(data_dir, run_id)?;
        crate::fsutil::create_private_dir(&data_dir.join(FOLDER)).map_err(|e| storage("created", e))?;
        let file = crate::fsutil::private_options().append(true).create_new(true).open(&path).map_err(|e| storage("created", e))?;
        lock_run(&file)?;
        let journal = Self { path, file: Mutex::new(JournalFile { file, broken: false }) };
        journal.append(run)?;
        Ok(journal)
    }

    /// The journal of `run_id`, to go on with, and where it stands.
    pub fn open(data_dir: &Path, run_id: &str) -> Result<(Self, RunRecord)> {
        let path = path_of(data_dir, run_id)?;
        let file = crate::fsutil::private_options().append(true).open(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => EngineError::new(ErrorCode::NotFound, "No bulk run has this id."),
            _ => storage("opened", e),
        })?;
        // Locked before it is read: what is read is what no one else is adding to.
        lock_run(&file)?;
        let record = read(&path)?;
        // A line cut off mid-way goes, or the next one would be written onto it.
        let bytes = std::fs::read(&path).map_err(|e| storage("read", e))?;
        if !bytes.ends_with(b"\n") {
            let keep = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            file.set_len(keep as u64).map_err(|e| storage("repaired", e))?;
        }
        Ok((Self { path, file: Mutex::new(JournalFile { file, broken: false }) }, record))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// One line, written whole and synced: what it says has happened before anything after it.
    /// A write that fails part-way (a full disk) is cut back off, so that the journal stays
    /// readable; if even that fails, nothing more is written to it.
    pub fn append(&self, entry: &Entry) -> Result<()> {
        let mut line = serde_json::to_vec(entry).map_err(|e| storage("written", e))?;
        line.push(b'\n');
        let mut journal = lock(&self.file);
        if journal.broken {
            return Err(storage("written", "an earlier write failed part-way"));
        }
        let before = journal.file.metadata().map_err(|e| storage("written", e))?.len();
        let written = journal.file.write_all(&line).and_then(|()| journal.file.sync_data());
        if let Err(e) = written {
            if journal.file.set_len(before).and_then(|()| journal.file.sync_data()).is_err() {
                journal.broken = true;
            }
            return Err(storage("written", e));
        }
        Ok(())
    }
}

/// A journal read back. A last line cut off mid-way (the process died while writing it) is
/// as if not written: what it announced was not sent.
pub fn read(path: &Path) -> Result<RunRecord> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(EngineError::new(ErrorCode::NotFound, "No bulk run has this id.")),
        Err(e) => return Err(storage("read", e)),
    };
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    let Ok(Entry::Run { run_id, connection_id, nickname, action, targets, created_at }) = serde_json::from_str::<Entry>(first.trim_end()) else {
        return Err(storage("read", "its first line is not a run"));
    };
    if targets.len() > MAX_TARGETS {
        return Err(storage("read", "it names more users than any account has"));
    }
    let mut record =
        RunRecord { rows: vec![RowState::NotSent; targets.len()], run_id, connection_id, nickname, action: *action, targets, created_at, cancelled: false };
    for line in lines {
        if !line.ends_with('\n') {
            break;
        }
        match serde_json::from_str::<Entry>(line.trim_end()) {
            Ok(Entry::Sent { row }) if row < record.rows.len() => {
                if record.rows[row] == RowState::NotSent {
                    record.rows[row] = RowState::Unanswered;
                }
            }
            Ok(Entry::Answered { row, outcome }) if row < record.rows.len() => record.rows[row] = RowState::Answered(outcome),
            Ok(Entry::Cancelled { .. }) => record.cancelled = true,
            _ => return Err(storage("read", "a line in it is not the app's")),
        }
    }
    Ok(record)
}

/// The runs in the journal folder, newest first (for the window's recent actions).
pub fn list(data_dir: &Path) -> Vec<RunRecord> {
    let Ok(entries) = std::fs::read_dir(data_dir.join(FOLDER)) else { return Vec::new() };
    let mut runs: Vec<RunRecord> =
        entries.filter_map(|e| e.ok()).filter(|e| e.path().extension().is_some_and(|x| x == "jsonl")).filter_map(|e| read(&e.path()).ok()).collect();
    runs.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.run_id.cmp(&a.run_id)));
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(targets: usize) -> Entry {
        Entry::Run {
            run_id: "r1".into(),
            connection_id: "c".into(),
            nickname: "n".into(),
            action: Box::new(BulkAction::Deactivate),
            targets: (0..targets)
                .map(|i| Target { key: format!("u{i}@x.example"), user_id: Some(format!("u{i}")), email: format!("u{i}@x.example"), pending: false })
                .collect(),
            created_at: 1,
        }
    }

    #[test]
    fn a_journal_reads_back_where_each_user_stands() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::create(dir.path(), &run(3)).unwrap();
        journal.append(&Entry::Sent { row: 0 }).unwrap();
        journal.append(&Entry::Answered { row: 0, outcome: Outcome::Done }).unwrap();
        journal.append(&Entry::Sent { row: 1 }).unwrap();
        let path = journal.path().to_path_buf();
        assert_eq!(read(&path).unwrap().rows, vec![RowState::Answered(Outcome::Done), RowState::Unanswered, RowState::NotSent]);
        drop(journal);
        let (_, record) = Journal::open(dir.path(), "r1").unwrap();
        assert_eq!(record.rows, vec![RowState::Answered(Outcome::Done), RowState::Unanswered, RowState::NotSent]);
        assert!(!record.finished());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        // A second run of the same id is refused, not appended to.
        assert!(Journal::create(dir.path(), &run(1)).is_err());
    }

    #[test]
    fn a_line_cut_off_mid_way_is_as_if_not_written_and_a_foreign_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::create(dir.path(), &run(2)).unwrap();
        journal.append(&Entry::Sent { row: 0 }).unwrap();
        std::fs::OpenOptions::new().append(true).open(journal.path()).unwrap().write_all(b"{\"kind\":\"sent\",\"ro").unwrap();
        let record = read(journal.path()).unwrap();
        assert_eq!(record.rows, vec![RowState::Unanswered, RowState::NotSent]);
        // Going on with it drops the cut line before writing the next one; while it is open, no
        // one else can open it.
        drop(journal);
        let (resumed, _) = Journal::open(dir.path(), "r1").unwrap();
        assert_eq!(Journal::open(dir.path(), "r1").err().map(|e| e.code), Some(ErrorCode::LockTimeout));
        resumed.append(&Entry::Answered { row: 0, outcome: Outcome::Done }).unwrap();
        assert_eq!(read(resumed.path()).unwrap().rows[0], RowState::Answered(Outcome::Done));
        let path = resumed.path().to_path_buf();
        drop(resumed);
        std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"{\"kind\":\"sent\",\"row\":99}\n").unwrap();
        assert_eq!(read(&path).unwrap_err().code, ErrorCode::Storage);
        assert_eq!(path_of(dir.path(), "../etc").unwrap_err().code, ErrorCode::NotFound);
    }
}
