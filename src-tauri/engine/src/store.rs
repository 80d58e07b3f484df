//! The metadata file (orgs and connections, no secrets) in the app's data directory, and one
//! small state file per connection. Written atomically (`fsutil`). A file this version cannot
//! read is never silently replaced: a corrupt list is set aside and reported by the app only
//! (the command line refuses to go on), and a list written by a newer version is left as it is
//! and nothing is written over it.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{EngineError, ErrorCode, Result};
use crate::fsutil::{overwrite_record, write_atomic};
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

/// The file as it is on disk now.
#[derive(Debug)]
pub enum OnDisk {
    Missing,
    Readable(Metadata),
    /// Not JSON of the list's shape (a crash of something else, a hand edit).
    Corrupt,
    /// Written by a newer version of the app (its format number).
    Newer(u32),
}

pub struct MetadataStore {
    path: PathBuf,
}

fn storage(what: &str, path: &Path, e: impl std::fmt::Display) -> EngineError {
    EngineError::new(ErrorCode::Storage, format!("could not {what} {}: {e}", path.display()))
}

/// Older lists named required scopes in a plain list (`"scopes": ["user:write:admin"]`); today
/// an org requires capabilities (`scopes.rs`).
fn migrate(json: &mut serde_json::Value) {
    let Some(orgs) = json.get_mut("orgs").and_then(|o| o.as_array_mut()) else { return };
    for org in orgs.iter_mut().filter_map(|o| o.as_object_mut()) {
        if org.contains_key("required") {
            continue;
        }
        let Some(scopes) = org.remove("scopes") else { continue };
        let scopes: Vec<String> = serde_json::from_value(scopes).unwrap_or_default();
        let (required, extra) = crate::scopes::from_legacy(&scopes);
        org.insert("required".into(), serde_json::json!(required));
        org.insert("extra_scopes".into(), serde_json::json!(extra));
    }
}

impl MetadataStore {
    pub fn new(data_dir: &Path) -> Self {
        Self { path: data_dir.join(FILE_NAME) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The orgs on disk, without the connections' state files (a `token` call's check of its
    /// loan reads only these). The sandbox org, which only the app writes, is always there.
    pub fn read_orgs(&self) -> Result<Vec<Org>> {
        let text = match fs::read(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![Org::sandbox()]),
            Err(e) => return Err(storage("read", &self.path, e)),
        };
        let unreadable = || EngineError::new(ErrorCode::Storage, format!("{} is unreadable.", self.path.display()));
        let mut json = serde_json::from_slice::<serde_json::Value>(&text).map_err(|_| unreadable())?;
        migrate(&mut json);
        let mut orgs: Vec<Org> =
            json.get_mut("orgs").map(serde_json::Value::take).map(serde_json::from_value).transpose().map_err(|_| unreadable())?.unwrap_or_default();
        if !orgs.iter().any(|o| o.sandbox) {
            orgs.insert(0, Org::sandbox());
        }
        Ok(orgs)
    }

    /// The list as it is on disk now, with every connection's state file laid over it.
    pub fn read(&self) -> Result<OnDisk> {
        let text = match fs::read(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(OnDisk::Missing),
            Err(e) => return Err(storage("read", &self.path, e)),
        };
        let Ok(mut json) = serde_json::from_slice::<serde_json::Value>(&text) else { return Ok(OnDisk::Corrupt) };
        let version = json.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
        if version > u64::from(VERSION) {
            return Ok(OnDisk::Newer(u32::try_from(version).unwrap_or(u32::MAX)));
        }
        migrate(&mut json);
        match serde_json::from_value::<Metadata>(json) {
            Ok(mut m) => {
                self.overlay_states(&mut m);
                Ok(OnDisk::Readable(m))
            }
            Err(_) => Ok(OnDisk::Corrupt),
        }
    }

    pub fn newer_error(&self, version: u32) -> EngineError {
        EngineError::new(
            ErrorCode::Storage,
            format!("{} was written by a newer version of Zoom Connections (format {version}); update the app. Nothing was changed.", self.path.display()),
        )
    }

    fn corrupt_error(&self) -> EngineError {
        EngineError::new(
            ErrorCode::Storage,
            format!("{} is unreadable. Nothing was changed; open the Zoom Connections app, which keeps the file aside and reports it.", self.path.display()),
        )
    }

    /// Loads at start. `may_set_aside`: the app sets a corrupt list aside and starts empty
    /// (reported through `corrupt_moved_to`); the command line refuses instead, so that it never
    /// writes a nearly empty list for the app to take in.
    pub fn load(&self, may_set_aside: bool) -> Result<Loaded> {
        match self.read()? {
            OnDisk::Missing => Ok(Loaded { metadata: Metadata { version: VERSION, ..Default::default() }, corrupt_moved_to: None }),
            OnDisk::Readable(metadata) => Ok(Loaded { metadata, corrupt_moved_to: None }),
            OnDisk::Newer(version) => Err(self.newer_error(version)),
            OnDisk::Corrupt if !may_set_aside => Err(self.corrupt_error()),
            OnDisk::Corrupt => {
                let aside = self.set_aside()?;
                Ok(Loaded { metadata: Metadata { version: VERSION, ..Default::default() }, corrupt_moved_to: Some(aside) })
            }
        }
    }

    /// Moves an unreadable list aside (kept for the user, never deleted).
    pub fn set_aside(&self) -> Result<PathBuf> {
        let aside = self.path.with_extension(format!("corrupt-{}-{}.json", std::process::id(), rand::random::<u32>()));
        fs::rename(&self.path, &aside).map_err(|e| storage("move aside the corrupt", &self.path, e))?;
        tracing::error!(moved_to = %aside.display(), "the metadata file was corrupt and was moved aside");
        Ok(aside)
    }

    fn state_path(&self, id: &str) -> PathBuf {
        // Ids are checked at the engine's edge (`model::check_id`); this filter is a second line.
        let safe: String = id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
        self.path.with_file_name("state").join(format!("{safe}.json"))
    }

    /// A connection's keepalive state as last written by any process. Missing or unreadable
    /// means: the list's own copy stands.
    pub fn read_state(&self, id: &str) -> Option<ConnectionState> {
        serde_json::from_slice(&fs::read(self.state_path(id)).ok()?).ok()
    }

    /// Rewrites a connection's state file: a cache, overwritten in place (fsutil says why; a torn
    /// one is unreadable and ignored by `read_state`).
    pub fn write_state(&self, id: &str, state: &ConnectionState) -> Result<()> {
        let path = self.state_path(id);
        let json = serde_json::to_vec(state).map_err(|e| storage("encode", &path, e))?;
        overwrite_record(&path, &json).map_err(|e| storage("write", &path, e))
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
        let mut m = metadata.clone();
        m.version = VERSION;
        let json = serde_json::to_vec_pretty(&m).map_err(|e| storage("encode", &self.path, e))?;
        write_atomic(&self.path, &json).map_err(|e| storage("write", &self.path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Org;

    fn tempdir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    #[test]
    fn saves_and_loads_atomically() {
        let dir = tempdir();
        let store = MetadataStore::new(dir.path());
        assert!(store.load(true).unwrap().metadata.orgs.is_empty());
        let m = Metadata { version: 1, orgs: vec![Org::sandbox()], connections: vec![], settings: Default::default() };
        store.save(&m).unwrap();
        assert_eq!(store.load(true).unwrap().metadata, m);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
    }

    #[test]
    fn a_corrupt_file_is_moved_aside_and_reported() {
        let dir = tempdir();
        let store = MetadataStore::new(dir.path());
        fs::write(store.path(), b"{ not json").unwrap();
        // The command line refuses and changes nothing.
        assert_eq!(store.load(false).unwrap_err().code, ErrorCode::Storage);
        assert_eq!(fs::read(store.path()).unwrap(), b"{ not json");
        let loaded = store.load(true).unwrap();
        let aside = loaded.corrupt_moved_to.expect("reported");
        assert_eq!(fs::read(&aside).unwrap(), b"{ not json", "the corrupt file is kept");
        assert!(!store.path().exists());
    }

    #[test]
    fn connection_state_files_overlay_the_list_and_bad_ones_are_ignored() {
        use crate::model::{Connection, Status, ZoomIdentity};
        let dir = tempdir();
        let store = MetadataStore::new(dir.path());
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
            kind: Default::default(),
            s2s: None,
            identity,
            granted_scopes: vec![],
            api_url: "x".into(),
            status: Status::Active,
            status_reason: None,
            reason: None,
            created_at: 0,
            granted_at: None,
            access_expires_at: 100,
            last_success_at: None,
            last_failure_at: None,
            next_attempt_at: None,
            consecutive_failures: 0,
            failing_since: None,
            generation: 0,
            handed_out_until: None,
            minted_at: None,
            served: 0,
            unanswered_refresh_at: None,
        };
        store.save(&Metadata { version: 1, orgs: vec![], connections: vec![conn.clone()], settings: Default::default() }).unwrap();
        let mut state = conn.state();
        state.access_expires_at = 5000;
        state.status = Status::Retrying;
        store.write_state("c1", &state).unwrap();
        let loaded = store.load(true).unwrap().metadata;
        assert_eq!((loaded.connections[0].access_expires_at, loaded.connections[0].status), (5000, Status::Retrying));
        fs::write(dir.path().join("state").join("c1.json"), b"{trunc").unwrap();
        let OnDisk::Readable(current) = store.read().unwrap() else { panic!("readable") };
        assert_eq!(current.connections[0].access_expires_at, 100);
        assert!(store.state_path("../x").starts_with(dir.path().join("state")));
    }

    #[test]
    fn a_newer_format_is_refused_not_overwritten() {
        let dir = tempdir();
        let store = MetadataStore::new(dir.path());
        let newer = br#"{"version": 99, "orgs": [], "connections": [], "something": "new"}"#;
        fs::write(store.path(), newer).unwrap();
        for may_set_aside in [true, false] {
            assert_eq!(store.load(may_set_aside).unwrap_err().code, ErrorCode::Storage);
        }
        assert!(matches!(store.read().unwrap(), OnDisk::Newer(99)));
        assert_eq!(fs::read(store.path()).unwrap(), newer, "left as it is");
    }

    #[test]
    fn an_older_list_of_required_scopes_becomes_capabilities() {
        let dir = tempdir();
        let store = MetadataStore::new(dir.path());
        let mut org = serde_json::to_value(Org::sandbox()).unwrap();
        let o = org.as_object_mut().unwrap();
        o.remove("required");
        o.remove("extra_scopes");
        o.insert("scopes".into(), serde_json::json!(["user:write:admin", "scim2", "meeting:read"]));
        fs::write(store.path(), serde_json::to_vec(&serde_json::json!({"version": 1, "orgs": [org], "connections": []})).unwrap()).unwrap();
        let loaded = store.load(false).unwrap().metadata;
        use crate::scopes::Capability;
        assert_eq!(loaded.orgs[0].required, vec![Capability::ManageUsers, Capability::Scim]);
        assert_eq!(loaded.orgs[0].extra_scopes, vec!["meeting:read".to_string()]);
    }
}
