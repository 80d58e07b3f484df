//! Where secrets live: the OS keychain, and nowhere else. `SecretStore` is the seam; the
//! keychain implementation is the real one, the in-memory one serves unit tests only.
//! No plaintext fallback: an unreachable keychain is the error `keychain_unavailable`.

use std::sync::Arc;
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

#[cfg(any(test, feature = "test-util"))]
pub use memory::{Injected, MemoryStore};

/// Only for tests (feature `test-util`).
#[cfg(any(test, feature = "test-util"))]
mod memory {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use super::SecretStore;
    use crate::error::{EngineError, ErrorCode, Result};
    use crate::secret::Secret;

    /// In-memory secrets for unit tests. `fail` makes every call fail like an unreachable keychain,
    /// `fail_writes` only the writes (a keychain that locks between a read and a write).
    #[derive(Default)]
    pub struct MemoryStore {
        map: Mutex<HashMap<String, String>>,
        pub fail: std::sync::atomic::AtomicBool,
        pub fail_writes: std::sync::atomic::AtomicBool,
        /// How many reads were asked of it (tests of what the engine spares the keychain).
        pub reads: std::sync::atomic::AtomicUsize,
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
            self.reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
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

    /// Any store — the real keychain in `make test` — with failures injected in front of it:
    /// `fail` fails every call as an unreachable keychain does, `fail_writes` only the writes,
    /// and `reads` counts what was asked of it. The same test bodies run on the in-memory store
    /// and on the real Secret Service this way.
    pub struct Injected {
        inner: super::SharedStore,
        pub fail: std::sync::atomic::AtomicBool,
        pub fail_writes: std::sync::atomic::AtomicBool,
        /// Fails only the writes of keys ending so (`/access`: a process dying between a
        /// rotation's two writes).
        pub fail_writes_of: std::sync::Mutex<Option<String>>,
        pub reads: std::sync::atomic::AtomicUsize,
    }

    impl Injected {
        pub fn over(inner: super::SharedStore) -> Self {
            Self { inner, fail: Default::default(), fail_writes: Default::default(), fail_writes_of: Default::default(), reads: Default::default() }
        }

        fn check(&self) -> Result<()> {
            if self.fail.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(EngineError::new(ErrorCode::KeychainUnavailable, "no keychain service reachable: test failure"));
            }
            Ok(())
        }
    }

    impl SecretStore for Injected {
        fn set(&self, key: &str, value: &Secret) -> Result<()> {
            self.check()?;
            let refused = self.fail_writes_of.lock().map_err(|_| poisoned())?.as_ref().is_some_and(|suffix| key.ends_with(suffix.as_str()));
            if refused || self.fail_writes.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(EngineError::new(ErrorCode::KeychainUnavailable, "no keychain service reachable: test write failure"));
            }
            self.inner.set(key, value)
        }
        fn get(&self, key: &str) -> Result<Option<Secret>> {
            self.reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            self.check()?;
            self.inner.get(key)
        }
        fn delete(&self, key: &str) -> Result<()> {
            self.check()?;
            self.inner.delete(key)
        }
    }
}

/// The OS keychain: the Secret Service on Linux (over one long-lived connection, see
/// `secret_service`), Keychain on macOS and Credential Manager on Windows (through the `keyring`
/// crate). Each value is one entry (tokens are far below Windows' limit of about 1,280
/// characters; a longer value is refused rather than truncated).
pub struct KeychainStore {
    service: String,
    /// How long a call is waited for (`KEYCHAIN_TIMEOUT`; tests shorten it).
    timeout: Duration,
    #[cfg(target_os = "linux")]
    client: crate::secret_service::SecretServiceClient,
}

/// Windows Credential Manager refuses larger values.
const MAX_VALUE_LEN: usize = 1200;

impl KeychainStore {
    pub fn new() -> Self {
        Self::with_service(SERVICE)
    }

    /// Under another service name: lets tests use the real keychain without touching real entries.
    pub fn with_service(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
            timeout: KEYCHAIN_TIMEOUT,
            #[cfg(target_os = "linux")]
            client: crate::secret_service::SecretServiceClient::start(),
        }
    }

    /// The same store, waiting `timeout` for each call: tests of a keychain that does not answer.
    #[cfg(any(test, feature = "test-util"))]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

impl Default for KeychainStore {
    fn default() -> Self {
        Self::new()
    }
}

fn timed_out(timeout: Duration) -> EngineError {
    EngineError::new(
        ErrorCode::KeychainUnavailable,
        format!(
            "no keychain service reachable: the keychain did not answer within {} seconds (is it locked?). \
             Unlock your login keyring and try again.",
            timeout.as_secs_f32()
        ),
    )
}

/// A keychain error as the user should read it. The platform's messages name the failure,
/// never a stored value.
fn unavailable(e: impl std::fmt::Display) -> EngineError {
    let hint =
        if cfg!(target_os = "linux") { " On Linux the app needs a Secret Service (GNOME Keyring or KWallet) in your desktop session, unlocked." } else { "" };
    EngineError::new(ErrorCode::KeychainUnavailable, format!("no keychain service reachable: {e}.{hint}"))
}

#[cfg(target_os = "linux")]
impl KeychainStore {
    fn call(&self, key: &str, op: crate::secret_service::Op) -> Result<Option<Secret>> {
        use crate::secret_service::Failure;
        self.client.call(&self.service, key, op, self.timeout).map_err(|f| match f {
            Failure::TimedOut => timed_out(self.timeout),
            Failure::Refused(why) => unavailable(why),
        })
    }
}

#[cfg(target_os = "linux")]
impl SecretStore for KeychainStore {
    fn set(&self, key: &str, value: &Secret) -> Result<()> {
        check_len(value)?;
        self.call(key, crate::secret_service::Op::Set(value.clone())).map(|_| ())
    }
    fn get(&self, key: &str) -> Result<Option<Secret>> {
        self.call(key, crate::secret_service::Op::Get)
    }
    fn delete(&self, key: &str) -> Result<()> {
        self.call(key, crate::secret_service::Op::Delete).map(|_| ())
    }
}

fn check_len(value: &Secret) -> Result<()> {
    if value.expose().len() > MAX_VALUE_LEN {
        return Err(EngineError::new(ErrorCode::KeychainUnavailable, "a secret is too long for the OS keychain"));
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
impl KeychainStore {
    /// Runs a keychain call on its own thread with a timeout, so a hung keychain (waiting for a
    /// prompt) cannot block the caller forever.
    fn call<T: Send + 'static>(&self, key: &str, f: impl FnOnce(keyring::Entry) -> std::result::Result<T, keyring::Error> + Send + 'static) -> Result<T> {
        let entry = keyring::Entry::new(&self.service, key).map_err(unavailable)?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f(entry));
        });
        match rx.recv_timeout(self.timeout) {
            Ok(result) => result.map_err(unavailable),
            Err(_) => Err(timed_out(self.timeout)),
        }
    }
}

#[cfg(not(target_os = "linux"))]
impl SecretStore for KeychainStore {
    fn set(&self, key: &str, value: &Secret) -> Result<()> {
        check_len(value)?;
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
