//! Where secrets live: the OS keychain, and nowhere else. `SecretStore` is the seam; the
//! keychain implementation is the real one, the in-memory one serves unit tests only.
//! No plaintext fallback: an unreachable keychain is the error `keychain_unavailable`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::error::{EngineError, ErrorCode, Result};
use crate::secret::Secret;

/// The keychain service name every entry is filed under.
pub const SERVICE: &str = "zoom-connections";
/// A locked keychain with a display may wait for a password prompt forever: give up after this.
const KEYCHAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Secrets by key (`conn/<id>/access`, `conn/<id>/refresh`, `org/<id>/client_secret`).
pub trait SecretStore: Send + Sync + 'static {
    fn set(&self, key: &str, value: &Secret) -> Result<()>;
    fn get(&self, key: &str) -> Result<Option<Secret>>;
    /// Removing an absent key is not an error.
    fn delete(&self, key: &str) -> Result<()>;
}

pub type SharedStore = Arc<dyn SecretStore>;

/// In-memory secrets for unit tests. `fail` makes every call fail like an unreachable keychain,
/// `fail_writes` only the writes (a keychain that locks between a read and a write).
#[derive(Default)]
pub struct MemoryStore {
    map: Mutex<HashMap<String, String>>,
    pub fail: std::sync::atomic::AtomicBool,
    pub fail_writes: std::sync::atomic::AtomicBool,
}

impl MemoryStore {
    fn check(&self) -> Result<()> {
        if self.fail.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(EngineError::new(ErrorCode::KeychainUnavailable, "no keychain service reachable: test failure"));
        }
        Ok(())
    }
    pub fn len(&self) -> usize {
        self.map.lock().map(|m| m.len()).unwrap_or(0)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl SecretStore for MemoryStore {
    fn set(&self, key: &str, value: &Secret) -> Result<()> {
        self.check()?;
        if self.fail_writes.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(EngineError::new(ErrorCode::KeychainUnavailable, "no keychain service reachable: test write failure"));
        }
        self.map.lock().map_err(|_| poisoned())?.insert(key.into(), value.expose().into());
        Ok(())
    }
    fn get(&self, key: &str) -> Result<Option<Secret>> {
        self.check()?;
        Ok(self.map.lock().map_err(|_| poisoned())?.get(key).map(Secret::new))
    }
    fn delete(&self, key: &str) -> Result<()> {
        self.check()?;
        self.map.lock().map_err(|_| poisoned())?.remove(key);
        Ok(())
    }
}

fn poisoned() -> EngineError {
    EngineError::new(ErrorCode::KeychainUnavailable, "the in-memory secret store is unusable")
}

/// The OS keychain through the `keyring` crate: Secret Service on Linux, Keychain on macOS,
/// Credential Manager on Windows. Each value is one entry (tokens are far below Windows' limit
/// of about 1,280 characters; a longer value is refused rather than truncated).
pub struct KeychainStore {
    service: String,
}

/// Windows Credential Manager refuses larger values.
const MAX_VALUE_LEN: usize = 1200;

impl KeychainStore {
    pub fn new() -> Self {
        Self { service: SERVICE.into() }
    }

    /// Under another service name: lets tests use the real keychain without touching real entries.
    pub fn with_service(service: impl Into<String>) -> Self {
        Self { service: service.into() }
    }

    /// Runs a keychain call on its own thread with a timeout, so a hung keychain (a locked
    /// keyring waiting for a prompt) cannot block the caller forever.
    fn call<T: Send + 'static>(
        &self,
        key: &str,
        f: impl FnOnce(keyring::Entry) -> std::result::Result<T, keyring::Error> + Send + 'static,
    ) -> Result<T> {
        let entry = keyring::Entry::new(&self.service, key).map_err(unavailable)?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f(entry));
        });
        match rx.recv_timeout(KEYCHAIN_TIMEOUT) {
            Ok(result) => result.map_err(unavailable),
            Err(_) => Err(EngineError::new(
                ErrorCode::KeychainUnavailable,
                "no keychain service reachable: the keychain did not answer within 10 seconds (is it locked?). \
                 Unlock your login keyring and try again.",
            )),
        }
    }
}

impl Default for KeychainStore {
    fn default() -> Self {
        Self::new()
    }
}

/// A keychain error as the user should read it. keyring's messages name the platform failure,
/// never a stored value.
fn unavailable(e: keyring::Error) -> EngineError {
    let hint = if cfg!(target_os = "linux") {
        " On Linux the app needs a Secret Service (GNOME Keyring or KWallet) in your desktop session, unlocked."
    } else {
        ""
    };
    EngineError::new(ErrorCode::KeychainUnavailable, format!("no keychain service reachable: {e}.{hint}"))
}

impl SecretStore for KeychainStore {
    fn set(&self, key: &str, value: &Secret) -> Result<()> {
        if value.expose().len() > MAX_VALUE_LEN {
            return Err(EngineError::new(ErrorCode::KeychainUnavailable, "a secret is too long for the OS keychain"));
        }
        let value = value.expose().to_string();
        self.call(key, move |entry| entry.set_password(&value))
    }

    fn get(&self, key: &str) -> Result<Option<Secret>> {
        self.call(key, |entry| match entry.get_password() {
            Ok(v) => Ok(Some(Secret::new(v))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        })
    }

    fn delete(&self, key: &str) -> Result<()> {
        self.call(key, |entry| match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_store_round_trips_and_fails_on_demand() {
        let store = MemoryStore::default();
        store.set("k", &Secret::new("v")).unwrap();
        assert_eq!(store.get("k").unwrap().unwrap().expose(), "v");
        store.delete("k").unwrap();
        store.delete("k").unwrap();
        assert!(store.get("k").unwrap().is_none());
        store.fail.store(true, std::sync::atomic::Ordering::SeqCst);
        assert_eq!(store.get("k").unwrap_err().code, ErrorCode::KeychainUnavailable);
    }
}
