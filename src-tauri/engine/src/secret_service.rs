//! Linux's keychain: the freedesktop Secret Service (GNOME Keyring, KWallet), reached over one
//! D-Bus connection and one encrypted session that live as long as the store.
//!
//! Why not a connection per call (what the `keyring` crate does): gnome-keyring 42 — Debian 12's
//! and Ubuntu's — aborts on a race when clients connect, call and disconnect in quick succession
//! (gnome-keyring#196: "gkd_secret_service_get_pkcs11_session: assertion 'client' failed"),
//! which takes every application's secrets offline until the daemon is restarted. The keepalive
//! and the window reach the keychain from several tasks at once; with a connection per call,
//! `tests/keychain.rs`'s burst test crashed the daemon in 2 runs out of 4. One long-lived
//! connection is also faster: no D-Bus handshake and no key exchange per call.
//!
//! The connection is owned by one thread that takes requests in order (so two writes of the same
//! key land in the order they were made) and drops a request whose caller has stopped waiting
//! instead of carrying it out late. A broken connection (the daemon restarted) is replaced once
//! per request.
//!
//! `keyring` 4 was evaluated to replace this (docs/architecture.md, Storage): its Secret Service
//! stores (keyring-core with `dbus-secret-service-keyring-store` or the zbus one) do keep one
//! connection per store now, which answers the crash. They were not taken because (1) a store
//! never reconnects: after the daemon restarts (a logout, a crash, `tests/keychain_restart.rs`)
//! every call fails until the app builds a new store, which means wrapping it in the same
//! reconnect logic as here; (2) a call blocks its thread for as long as an unlock prompt stays
//! up, with no way to give up on it, where this thread drops a request whose caller stopped
//! waiting (the timeout in `vault.rs`); (3) its items are found by service and user, but it
//! writes a different label and fewer attributes, so the move would need a migration of every
//! user's entries. Re-evaluate when the stores reconnect and time out by themselves.
//!
//! Items carry the attributes the `keyring` crate used (service, username, target, application),
//! so entries written by earlier versions of the app are found and `secret-tool lookup service
//! zoom-connections username <key>` reads them.

use std::collections::HashMap;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use dbus_secret_service::{EncryptionType, Error as SsError, Item, SecretService};

use crate::secret::Secret;

/// How long an unlock prompt may stay on screen before the keychain thread gives up on it. The
/// caller stops waiting sooner (vault's timeout); requests behind a prompt wait for it.
const PROMPT_TIMEOUT_SECS: u64 = 60;

pub(crate) enum Op {
    Set(Secret),
    Get,
    Delete,
}

struct Request {
    service: String,
    key: String,
    op: Op,
    deadline: Instant,
    reply: Sender<Result<Option<Secret>, String>>,
}

/// A handle on the keychain thread. Dropping the last handle ends the thread and closes the
/// connection.
pub(crate) struct SecretServiceClient {
    requests: Mutex<Sender<Request>>,
}

/// Why a call failed, in words that never contain a secret (D-Bus and Secret Service errors
/// name the failure, not a value).
pub(crate) enum Failure {
    TimedOut,
    Refused(String),
}

impl SecretServiceClient {
    pub(crate) fn start() -> Self {
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new().name("secret-service".into()).spawn(move || serve(rx)).ok();
        Self { requests: Mutex::new(tx) }
    }

    /// Carries out `op` on `service`/`key`; gives up waiting after `timeout`.
    pub(crate) fn call(&self, service: &str, key: &str, op: Op, timeout: Duration) -> Result<Option<Secret>, Failure> {
        let (reply, answer) = mpsc::channel();
        let request = Request { service: service.into(), key: key.into(), op, deadline: Instant::now() + timeout, reply };
        let sent = match self.requests.lock() {
            Ok(requests) => requests.send(request).is_ok(),
            Err(_) => false,
        };
        if !sent {
            return Err(Failure::Refused("the keychain thread is not running".into()));
        }
        match answer.recv_timeout(timeout) {
            Ok(result) => result.map_err(Failure::Refused),
            Err(RecvTimeoutError::Timeout) => Err(Failure::TimedOut),
            Err(RecvTimeoutError::Disconnected) => Err(Failure::Refused("the keychain thread stopped".into())),
        }
    }
}

fn serve(requests: Receiver<Request>) {
    let mut connection: Option<SecretService> = None;
    for request in requests {
        if Instant::now() >= request.deadline {
            // The caller has already been told the keychain did not answer; doing the write
            // now could put an older value over one written since.
            continue;
        }
        let mut result = attempt(&mut connection, &request);
        if matches!(result, Err(ref e) if worth_reconnecting(e)) {
            // The daemon went away or was restarted: one fresh connection, and if that fails
            // too, the next request starts from scratch again.
            connection = None;
            result = attempt(&mut connection, &request);
            if matches!(result, Err(ref e) if worth_reconnecting(e)) {
                connection = None;
            }
        }
        let _ = request.reply.send(result.map_err(|e| describe(&e)));
    }
}

/// What went wrong with one request.
enum Problem {
    Service(SsError),
    /// Several entries carry this name and they are not this app's to choose between.
    Ambiguous,
    NotText,
}

impl From<SsError> for Problem {
    fn from(e: SsError) -> Self {
        Problem::Service(e)
    }
}

fn attempt(connection: &mut Option<SecretService>, request: &Request) -> Result<Option<Secret>, Problem> {
    let ss = match connection {
        Some(ss) => ss,
        None => connection.insert(SecretService::connect_with_max_prompt_timeout(EncryptionType::Dh, PROMPT_TIMEOUT_SECS)?),
    };
    let attributes = attributes(&request.service, &request.key);
    let search = ss.search_items(search_attributes(&attributes))?;
    let items: Vec<&Item> = search.unlocked.iter().chain(search.locked.iter()).collect();
    for item in &search.locked {
        item.unlock()?;
    }
    match &request.op {
        Op::Get => {
            // Several entries under one name (another tool, an old version): the value only if
            // they all hold the same one — never a pick between a live token and a stale one.
            let mut values = Vec::with_capacity(items.len());
            for item in &items {
                values.push(item.get_secret()?);
            }
            match values.as_slice() {
                [] => Ok(None),
                [first, rest @ ..] if rest.iter().all(|v| v == first) => {
                    String::from_utf8(first.clone()).map(|v| Some(Secret::new(v))).map_err(|_| Problem::NotText)
                }
                _ => Err(Problem::Ambiguous),
            }
        }
        Op::Set(value) => {
            if items.is_empty() {
                let collection = ss.get_default_collection()?;
                collection.ensure_unlocked()?;
                let label = format!("Zoom Connections: {} ({})", request.key, request.service);
                let attrs: HashMap<&str, &str> = attributes.iter().map(|(k, v)| (*k, v.as_str())).collect();
                collection.create_item(&label, attrs, value.expose().as_bytes(), true, "text/plain")?;
            } else {
                // Every copy gets the value (there is normally one): a later read cannot find
                // a stale token under the same key.
                for item in &items {
                    item.set_secret(value.expose().as_bytes(), "text/plain")?;
                }
            }
            Ok(None)
        }
        Op::Delete => {
            for item in &items {
                item.delete()?;
            }
            Ok(None)
        }
    }
}

/// The attributes of an entry, as the `keyring` crate (v3) wrote them.
fn attributes(service: &str, key: &str) -> [(&'static str, String); 4] {
    [("service", service.to_string()), ("username", key.to_string()), ("target", "default".to_string()), ("application", "rust-keyring".to_string())]
}

fn search_attributes<'a>(attributes: &'a [(&'static str, String); 4]) -> HashMap<&'static str, &'a str> {
    attributes.iter().filter(|(k, _)| *k != "application").map(|(k, v)| (*k, v.as_str())).collect()
}

/// A failure that a fresh connection may cure: the daemon went away or was restarted (its
/// session, and so our session's key, are gone).
fn worth_reconnecting(e: &Problem) -> bool {
    matches!(e, Problem::Service(SsError::Dbus(_) | SsError::Crypto(_) | SsError::Unavailable | SsError::Path(_)))
}

fn describe(e: &Problem) -> String {
    match e {
        Problem::Ambiguous => "more than one keychain entry has this name, with different values (remove the extra ones with Seahorse or secret-tool)".into(),
        Problem::NotText => "the keychain entry is not text".into(),
        Problem::Service(SsError::Prompt) => "the keychain asked to be unlocked and the prompt was dismissed".into(),
        Problem::Service(other) => format!("Platform secure storage failure: {other}"),
    }
}
