//! The metadata file (orgs and connections, no secrets) in the app's data directory. Written
//! atomically: a temp file, fsync, rename, so a crash leaves the old or the new file, never half
//! of one. A corrupt file is moved aside and reported, never silently replaced by an empty list.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{EngineError, ErrorCode, Result};
use crate::model::{AppSettings, Connection, ConnectionState, Org};

pub const FILE_NAME: &str = "connections.json";
const VERSION: u32 = 1;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    pub version: u32,
    pub orgs: Vec<Org>,
    pub connections: Vec<Connection>,
    #[serde(default)]
    pub settings: AppSettings,
}

/// What loading found.
#[derive(Debug)]
pub struct Loaded {
    pub metadata: Metadata,
    /// Set when the file was corrupt: where it was moved, to report to the user.
    pub corrupt_moved_to: Option<PathBuf>,
}

pub struct MetadataStore {
    path: PathBuf,
}

fn storage(what: &str, path: &Path, e: impl std::fmt::Display) -> EngineError {
    EngineError::new(ErrorCode::Storage, format!("could not {what} {}: {e}", path.display()))
}

impl MetadataStore {
    pub fn new(data_dir: &Path) -> Self {
        Self { path: data_dir.join(FILE_NAME) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn load(&self) -> Result<Loaded> {
        let text = match fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Loaded { metadata: Metadata { version: VERSION, ..Default::default() }, corrupt_moved_to: None })
            }
            Err(e) => return Err(storage("read", &self.path, e)),
        };
        match serde_json::from_str::<Metadata>(&text) {
            Ok(mut m) if m.version <= VERSION => {
                self.overlay_states(&mut m);
                Ok(Loaded { metadata: m, corrupt_moved_to: None })
            }
            Ok(m) => Err(EngineError::new(
                ErrorCode::Storage,
                format!("{} was written by a newer version (format {}); update the app", self.path.display(), m.version),
            )),
            Err(_) => {
                let aside = self.path.with_extension(format!("corrupt-{}.json", std::process::id()));
                fs::rename(&self.path, &aside).map_err(|e| storage("move aside the corrupt", &self.path, e))?;
                tracing::error!(moved_to = %aside.display(), "the metadata file was corrupt and was moved aside");
                Ok(Loaded { metadata: Metadata { version: VERSION, ..Default::default() }, corrupt_moved_to: Some(aside) })
            }
        }
    }

    /// The file as it is now, if it is there and readable: another process may have written it.
    pub fn read_current(&self) -> Option<Metadata> {
        let text = fs::read_to_string(&self.path).ok()?;
        let mut m = serde_json::from_str::<Metadata>(&text).ok().filter(|m| m.version <= VERSION)?;
        self.overlay_states(&mut m);
        Some(m)
    }

    fn state_path(&self, id: &str) -> PathBuf {
        // Ids are engine-made (`c<digits>`); anything else cannot escape the folder.
        let safe: String = id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
        self.path.with_file_name("state").join(format!("{safe}.json"))
    }

    /// A connection's keepalive state as last written by any process. Missing or unreadable
    /// (a crash mid-write) means: the list's own copy stands.
    pub fn read_state(&self, id: &str) -> Option<ConnectionState> {
        serde_json::from_slice(&fs::read(self.state_path(id)).ok()?).ok()
    }

    /// Replaces a connection's state file (temp file + rename). Not fsynced: the state is a
    /// cache of what keepalive learned, and losing the last write to a crash costs at most an
    /// early refresh; the tokens themselves are in the keychain.
    pub fn write_state(&self, id: &str, state: &ConnectionState) -> Result<()> {
        let path = self.state_path(id);
        let dir = path.parent().ok_or_else(|| storage("find the folder of", &path, "no parent"))?;
        fs::create_dir_all(dir).map_err(|e| storage("create", dir, e))?;
        let json = serde_json::to_vec(state).map_err(|e| storage("encode", &path, e))?;
        let tmp = path.with_extension(format!("json.{}.tmp", std::process::id()));
        fs::write(&tmp, json).map_err(|e| storage("write", &tmp, e))?;
        fs::rename(&tmp, &path).map_err(|e| storage("replace", &path, e))
    }

    pub fn remove_state(&self, id: &str) {
        let _ = fs::remove_file(self.state_path(id));
    }

    fn overlay_states(&self, m: &mut Metadata) {
        for c in m.connections.iter_mut() {
            if let Some(state) = self.read_state(&c.id) {
                c.apply_state(state);
            }
        }
    }

    /// The lock file that serialises read-modify-write of the metadata across processes.
    pub fn lock_path(&self) -> PathBuf {
        self.path.with_extension("json.lock")
    }

    pub fn save(&self, metadata: &Metadata) -> Result<()> {
        let dir = self.path.parent().ok_or_else(|| storage("find the folder of", &self.path, "no parent"))?;
        fs::create_dir_all(dir).map_err(|e| storage("create", dir, e))?;
        let mut m = metadata.clone();
        m.version = VERSION;
        let json = serde_json::to_vec_pretty(&m).map_err(|e| storage("encode", &self.path, e))?;
        let tmp = self.path.with_extension("json.tmp");
        let mut file = File::create(&tmp).map_err(|e| storage("create", &tmp, e))?;
        file.write_all(&json).map_err(|e| storage("write", &tmp, e))?;
        file.sync_all().map_err(|e| storage("sync", &tmp, e))?;
        drop(file);
        fs::rename(&tmp, &self.path).map_err(|e| storage("replace", &self.path, e))?;
        // The rename itself is durable only once the directory is synced.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Org;

    fn tempdir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("zc-store-{}-{}", std::process::id(), rand::random::<u64>()));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn saves_and_loads_atomically() {
        let dir = tempdir();
        let store = MetadataStore::new(&dir);
        assert!(store.load().unwrap().metadata.orgs.is_empty());
        let m = Metadata { version: 1, orgs: vec![Org::sandbox()], connections: vec![], settings: Default::default() };
        store.save(&m).unwrap();
        assert_eq!(store.load().unwrap().metadata, m);
        assert!(!dir.join("connections.json.tmp").exists());
    }

    #[test]
    fn a_corrupt_file_is_moved_aside_and_reported() {
        let dir = tempdir();
        let store = MetadataStore::new(&dir);
        fs::write(store.path(), b"{ not json").unwrap();
        let loaded = store.load().unwrap();
        let aside = loaded.corrupt_moved_to.expect("reported");
        assert_eq!(fs::read(&aside).unwrap(), b"{ not json", "the corrupt file is kept");
        assert!(!store.path().exists());
    }

    #[test]
    fn connection_state_files_overlay_the_list_and_bad_ones_are_ignored() {
        use crate::model::{Connection, Status, ZoomIdentity};
        let dir = tempdir();
        let store = MetadataStore::new(&dir);
        let identity = ZoomIdentity {
            user_id: "u".into(),
            email: "e".into(),
            display_name: "d".into(),
            account_id: "a".into(),
            account_number: None,
            role_name: "Owner".into(),
            user_type: None,
        };
        let conn = Connection {
            id: "c1".into(),
            org_id: "o".into(),
            nickname: "n".into(),
            identity,
            granted_scopes: vec![],
            api_url: "x".into(),
            status: Status::Active,
            status_reason: None,
            created_at: 0,
            access_expires_at: 100,
            last_success_at: None,
            last_failure_at: None,
            next_attempt_at: None,
            consecutive_failures: 0,
        };
        store.save(&Metadata { version: 1, orgs: vec![], connections: vec![conn.clone()], settings: Default::default() }).unwrap();
        let mut state = conn.state();
        state.access_expires_at = 5000;
        state.status = Status::Retrying;
        store.write_state("c1", &state).unwrap();
        let loaded = store.load().unwrap().metadata;
        assert_eq!((loaded.connections[0].access_expires_at, loaded.connections[0].status), (5000, Status::Retrying));
        fs::write(dir.join("state").join("c1.json"), b"{trunc").unwrap();
        assert_eq!(store.read_current().unwrap().connections[0].access_expires_at, 100);
        assert!(store.state_path("../x").starts_with(dir.join("state")));
    }

    #[test]
    fn a_newer_format_is_refused_not_overwritten() {
        let dir = tempdir();
        let store = MetadataStore::new(&dir);
        fs::write(store.path(), br#"{"version": 99, "orgs": [], "connections": []}"#).unwrap();
        assert_eq!(store.load().unwrap_err().code, ErrorCode::Storage);
        assert!(store.path().exists());
    }
}
