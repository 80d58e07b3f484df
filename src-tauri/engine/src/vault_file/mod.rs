//! The vault file: where a host without a keychain keeps its secrets (docs/cli.md, On a server).
//! Chosen explicitly (`--vault file`), never a silent fallback: without it, no keychain stays the
//! error `keychain_unavailable`, and nothing is written in plain text.
//!
//! Two files in the data directory, both in age's format (age-encryption.org/v1, the `age`
//! crate):
//! - `vault-key.age`: a random X25519 key, sealed with the passphrase (scrypt). Opened once, at
//!   start: a wrong passphrase fails here, before anything else is read or written.
//! - `vault.age`: every secret (`conn/<id>/refresh`, …) as one JSON map, sealed to that key.
//!   scrypt costs about a second by design; sealing to a key costs microseconds, so a rotation's
//!   write stays as fast as a keychain's (docs/benchmarks.md, On a server).
//!
//! Every write is a read-modify-write of the whole map under `locks/vault.lock`, shared by every
//! process on the data directory (the running `serve`, a `connect`, cron's `keepalive`), and
//! replaces the file atomically (`fsutil::write_atomic`, synced): a process killed at any moment
//! leaves the previous map or the new one, never a mix, as with the keychain (the SIGKILL test
//! runs against both).

mod seal;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{EngineError, ErrorCode, Result};
use crate::lockfile;
use crate::secret::Secret;
use crate::vault::SecretStore;

pub use seal::MIN_PASSPHRASE_CHARS;

/// The sealed key, in the data directory.
pub const KEY_FILE: &str = "vault-key.age";
/// The sealed secrets, in the data directory.
pub const VAULT_FILE: &str = "vault.age";
const LOCK: &str = "locks/vault.lock";

/// Whether a vault file was made in this data directory.
pub fn exists(data_dir: &Path) -> bool {
    data_dir.join(KEY_FILE).exists()
}

fn unusable(why: impl std::fmt::Display) -> EngineError {
    EngineError::new(ErrorCode::KeychainUnavailable, format!("the vault file cannot be used: {why}"))
}

/// The vault file, opened with its passphrase. Every read goes to the file: no cache, because
/// another process (a `connect`, cron's `keepalive`) may have rotated a token a moment ago, and
/// nothing cheaper than the file's bytes tells two versions apart for sure (an inode number is
/// reused at once, a modification time has the kernel's tick). The file is small: a read and an
/// X25519 unseal cost tens of microseconds.
pub struct FileVault {
    dir: PathBuf,
    key: seal::Key,
}

impl FileVault {
    /// Opens the vault of `data_dir`, or makes one when there is none and `create` says so.
    /// A wrong passphrase is refused before any file is written.
    pub fn open(data_dir: &Path, passphrase: &Secret, create: bool) -> Result<Self> {
        let key_path = data_dir.join(KEY_FILE);
        let key = match std::fs::read(&key_path) {
            Ok(sealed) => seal::Key::unseal(&sealed, passphrase)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                let _held = lockfile::lock_blocking(&data_dir.join(LOCK), lockfile::SHORT_WAIT)?;
                // Another process may have made it meanwhile: its passphrase is the one.
                match std::fs::read(&key_path) {
                    Ok(sealed) => seal::Key::unseal(&sealed, passphrase)?,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        // Secrets without their key: a new key would make them unreadable for good.
                        if data_dir.join(VAULT_FILE).exists() {
                            return Err(unusable(format!("{} is missing but {VAULT_FILE} is there: restore the key file from a backup", key_path.display())));
                        }
                        let (key, sealed) = seal::Key::generate(passphrase)?;
                        crate::fsutil::write_atomic(&key_path, &sealed).map_err(|e| unusable(format!("{}: {e}", key_path.display())))?;
                        tracing::info!(file = %key_path.display(), "vault file created");
                        key
                    }
                    Err(e) => return Err(unusable(format!("{}: {e}", key_path.display()))),
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(unusable(format!("there is none in {} (create it with --vault file on a terminal, or give a passphrase)", data_dir.display())))
            }
            Err(e) => return Err(unusable(format!("{}: {e}", key_path.display()))),
        };
        let vault = Self { dir: data_dir.to_path_buf(), key };
        // A vault the key cannot open (another key's, or damaged) is refused now, not at the
        // first rotation.
        vault.read()?;
        Ok(vault)
    }

    /// A new vault whose key is sealed with a cheap scrypt (work factor 2^10): for tests that
    /// open it in many processes (the SIGKILL test) and measure rotations, not scrypt. Every
    /// later open reads the work factor from the key file.
    #[cfg(any(test, feature = "test-util"))]
    pub fn create_cheap(data_dir: &Path, passphrase: &Secret) -> Result<Self> {
        let (key, sealed) = seal::Key::generate_with(passphrase, Some(10))?;
        crate::fsutil::write_atomic(&data_dir.join(KEY_FILE), &sealed).map_err(|e| unusable(e.to_string()))?;
        Ok(Self { dir: data_dir.to_path_buf(), key })
    }

    fn vault_path(&self) -> PathBuf {
        self.dir.join(VAULT_FILE)
    }

    /// The map as the file holds it now.
    fn read(&self) -> Result<BTreeMap<String, String>> {
        let path = self.vault_path();
        let sealed = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(e) => return Err(unusable(format!("{}: {e}", path.display()))),
        };
        let plain = self.key.open(&sealed)?;
        serde_json::from_slice(plain.as_slice()).map_err(|_| unusable(format!("{} is not a vault this key wrote", path.display())))
    }

    /// Read, change, seal and replace, under the lock every process shares.
    fn change(&self, edit: impl FnOnce(&mut BTreeMap<String, String>)) -> Result<()> {
        let _held = lockfile::lock_blocking(&self.dir.join(LOCK), lockfile::SHORT_WAIT)?;
        let mut map = self.read()?;
        edit(&mut map);
        let plain = seal::Plain::new(serde_json::to_vec(&map).map_err(unusable)?);
        let sealed = self.key.seal(&plain)?;
        let path = self.vault_path();
        crate::fsutil::write_atomic(&path, &sealed).map_err(|e| unusable(format!("{}: {e}", path.display())))
    }
}

impl SecretStore for FileVault {
    fn set(&self, key: &str, value: &Secret) -> Result<()> {
        self.change(|m| {
            m.insert(key.to_string(), value.expose().to_string());
        })
    }
    fn get(&self, key: &str) -> Result<Option<Secret>> {
        Ok(self.read()?.get(key).map(Secret::new))
    }
    fn delete(&self, key: &str) -> Result<()> {
        self.change(|m| {
            m.remove(key);
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(s: &str) -> Secret {
        Secret::new(s)
    }

    #[test]
    fn round_trips_across_processes_and_never_holds_a_secret_in_plain_text() {
        let dir = tempfile::tempdir().unwrap();
        let a = FileVault::open(dir.path(), &pass("correct horse battery"), true).unwrap();
        a.set("conn/c1/refresh", &Secret::new("zrt_visible_secret_value")).unwrap();
        // Another process on the same directory sees it, and its own write is seen back.
        let b = FileVault::open(dir.path(), &pass("correct horse battery"), false).unwrap();
        assert_eq!(b.get("conn/c1/refresh").unwrap().unwrap().expose(), "zrt_visible_secret_value");
        b.set("conn/c2/refresh", &Secret::new("zrt_second")).unwrap();
        assert_eq!(a.get("conn/c2/refresh").unwrap().unwrap().expose(), "zrt_second");
        a.delete("conn/c1/refresh").unwrap();
        a.delete("conn/c1/refresh").unwrap();
        assert!(b.get("conn/c1/refresh").unwrap().is_none());
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                let bytes = std::fs::read(&path).unwrap();
                for needle in ["zrt_second", "correct horse", "conn/c2"] {
                    assert!(!bytes.windows(needle.len()).any(|w| w == needle.as_bytes()), "{needle} in {}", path.display());
                }
                #[cfg(unix)]
                assert_eq!(std::os::unix::fs::PermissionsExt::mode(&path.metadata().unwrap().permissions()) & 0o777, 0o600);
            }
        }
    }

    /// Two writes in a row by one process (a rotation's refresh token, then its access token)
    /// are what the other process reads next, each time: nothing is served from an older file.
    #[test]
    fn every_read_sees_the_last_write_of_any_process() {
        let dir = tempfile::tempdir().unwrap();
        let a = FileVault::open(dir.path(), &pass("correct horse battery"), true).unwrap();
        let b = FileVault::open(dir.path(), &pass("correct horse battery"), false).unwrap();
        for i in 0..200 {
            // Same lengths every round: only the bytes differ.
            b.set("conn/c1/refresh", &Secret::new(format!("zrt_{i:06}"))).unwrap();
            b.set("conn/c1/access", &Secret::new(format!("zat_{i:06}"))).unwrap();
            assert_eq!(a.get("conn/c1/refresh").unwrap().unwrap().expose(), format!("zrt_{i:06}"));
            a.set("conn/c2/refresh", &Secret::new(format!("zrt_{i:06}"))).unwrap();
            // A's write kept B's latest.
            assert_eq!(b.get("conn/c1/access").unwrap().unwrap().expose(), format!("zat_{i:06}"));
        }
    }

    #[test]
    fn a_lost_key_file_is_never_replaced_over_existing_secrets() {
        let dir = tempfile::tempdir().unwrap();
        FileVault::open(dir.path(), &pass("the right passphrase"), true).unwrap().set("k", &Secret::new("v")).unwrap();
        std::fs::remove_file(dir.path().join(KEY_FILE)).unwrap();
        let err = FileVault::open(dir.path(), &pass("the right passphrase"), true).err().unwrap();
        assert!(err.message.contains("restore the key file"), "{}", err.message);
        assert!(!dir.path().join(KEY_FILE).exists());
    }

    #[test]
    fn a_wrong_passphrase_reads_nothing_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let vault = FileVault::open(dir.path(), &pass("the right passphrase"), true).unwrap();
        vault.set("k", &Secret::new("v")).unwrap();
        let before: Vec<Vec<u8>> = [KEY_FILE, VAULT_FILE].iter().map(|f| std::fs::read(dir.path().join(f)).unwrap()).collect();
        let err = FileVault::open(dir.path(), &pass("a wrong passphrase!"), true).err().unwrap();
        assert_eq!(err.code, ErrorCode::KeychainUnavailable);
        assert!(err.message.contains("passphrase"), "{}", err.message);
        let after: Vec<Vec<u8>> = [KEY_FILE, VAULT_FILE].iter().map(|f| std::fs::read(dir.path().join(f)).unwrap()).collect();
        assert_eq!(before, after);
    }

    #[test]
    fn no_vault_is_made_unless_asked_and_a_damaged_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = FileVault::open(dir.path(), &pass("the right passphrase"), false).err().unwrap();
        assert!(err.message.contains("there is none"), "{}", err.message);
        assert!(!exists(dir.path()));
        let vault = FileVault::open(dir.path(), &pass("the right passphrase"), true).unwrap();
        vault.set("k", &Secret::new("v")).unwrap();
        let path = dir.path().join(VAULT_FILE);
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let err = FileVault::open(dir.path(), &pass("the right passphrase"), false).err().unwrap();
        assert_eq!(err.code, ErrorCode::KeychainUnavailable);
    }
}
