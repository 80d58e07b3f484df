//! The one owner of a connection's tokens: reading them, rotating them, writing them to the
//! keychain, keeping in memory what the keychain refused, handing them out, replacing them
//! (Reconnect) and revoking them (Delete). Every path that touches a connection's tokens —
//! keepalive, Run keepalive now, Test, `token`/`exec`, Reconnect, Delete, Delete locally, the
//! command line — holds the connection through `Engine::hold` and acts through `Held`.
//!
//! Invariants (docs/architecture.md, Token invariants):
//! 1. Lock order: the connection's in-process mutex, then its lock file `locks/<id>.lock`
//!    (shared with every process on the data directory). Then only briefly, never across an
//!    await: the engine's std mutexes (metadata, pending pairs) and the metadata lock file.
//!    No code holds two connections at once.
//! 2. Only a `Held` reads or writes the connection's keychain entries, its pending pair and its
//!    state file, and it first re-reads the state file: another process may have rotated.
//! 3. A rotation writes the refresh token first, then the access token. Until both are written
//!    the pair is kept in `pending` (memory) and served from there; the next holder writes it
//!    before anything else. A 2xx answer's refresh token is written even when the rest of the
//!    answer is unusable: Zoom has already rotated.
//! 4. `generation` counts rotations. A caller that wants a new token because Zoom refused the
//!    one it saw at generation g rotates only if the generation is still g after locking, so
//!    concurrent triggers share one rotation.
//! 5. Keepalive decides "due" again after locking, never "rotate regardless": what another
//!    process has just rotated is not rotated again.
//! 6. A handout promises `HANDOUT_MIN_LIFETIME`; keepalive waits for it except within
//!    `ROTATION_FLOOR` of the expiry (`Connection::next_keepalive_at`), and so does the app's
//!    own use (`use_token`). Another handout breaks it only when the token cannot carry a
//!    second promise; a handout with no promise outstanding rotates early enough that a second
//!    one within its promise can share the token.
//! 7. Quitting: once `shutdown` starts, no rotation starts; holders are waited for (bounded),
//!    then every pending pair is written.
//! 8. A pair read from the keychain is reused by the same process, without reading again, only
//!    if no other process has held the connection since (the lock file counts every holder's
//!    turn, and a process that wrote the keychain and died before writing the generation still
//!    took its turn), the generation is the one it was read at, and for at most `READ_REUSE`;
//!    this process's own writes drop the copy. Handouts to scripts then cost no keychain trip.
//! 9. The entry points that may rotate (`refresh`, `hand_out`, `use_token`) run on a task of
//!    their own: a caller that goes away (a script hanging up on the broker) stops waiting, not
//!    the rotation.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::engine::{lock, Engine, EngineEvent};
use crate::error::{EngineError, ErrorCode, Result};
use crate::history::{EventKind, HistoryEvent};
use crate::lockfile::FileLock;
use crate::model::{access_key, check_id, refresh_key, Connection, Status, HANDOUT_MIN_LIFETIME, ROTATION_FLOOR};
use crate::reasons::StatusReason;
use crate::secret::Secret;
use crate::zoom::{FailureClass, GrantEnd, Revocation, TokenSet, ZoomFailure};

/// How long a pair read from the keychain is reused (invariant 8).
const READ_REUSE: Duration = Duration::from_secs(5);

/// How long to wait for another process's work on the same connection.
pub(crate) const CROSS_PROCESS_WAIT: Duration = Duration::from_secs(60);
/// Ambiguous answers (docs/zoom.md, Errors) turn a connection Needs reconnect only once this
/// many in a row have come over at least this long.
pub const AMBIGUOUS_ATTEMPTS: u32 = 12;
pub const AMBIGUOUS_SPAN: i64 = 2 * 3600;

/// Named moments of a connection's token lifecycle. Tests that must make two paths interleave in
/// one exact order (a Delete arriving while a rotation waits for the keychain) hold a path at
/// one through `EngineConfig::pauses` (feature `test-util`); the app is built without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Moment {
    /// Another path holds the connection: this one is about to wait for it (tests wait for
    /// this instead of sleeping to see that a path waits).
    Contended,
    /// Both locks are held (before anything is read).
    Locked,
    /// A refresh is about to be sent to Zoom.
    RotationRequested,
    /// Zoom has answered a refresh; nothing is written yet (the loss window).
    RotationAnswered,
    /// A revocation is about to be sent to Zoom.
    RevokeRequested,
}

#[cfg(any(test, feature = "test-util"))]
pub trait Pauses: Send + Sync + 'static {
    fn at(&self, moment: Moment, connection_id: &str) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;
}

/// A pair this process read from the keychain, and when (invariant 8).
pub(crate) struct ReadPair {
    generation: u64,
    /// The lock-file turn of the holder that read or last reused it.
    turn: u64,
    at: Instant,
    pair: TokenPair,
}

/// A connection's two tokens.
#[derive(Debug, Clone)]
pub(crate) struct TokenPair {
    pub access: Secret,
    pub refresh: Secret,
}

/// What a caller wants of a connection's tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// Keepalive: rotate if due (within `margin` of the expiry, or a retry is due).
    Due { margin: i64 },
    /// An access token valid for at least this many more seconds.
    AtLeast(i64),
    /// Zoom refused the access token of generation `generation`: rotate unless someone has.
    Replace { generation: u64 },
}

/// What a refresh did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refreshed {
    /// Not due (any more): another caller or process had already rotated.
    NotDue,
    Rotated,
}

/// An access token handed out, with what was promised about it.
#[derive(Debug, Clone)]
pub struct Handout {
    pub access: Secret,
    pub expires_at: i64,
    /// The token is not rotated before this (unless it is about to die).
    pub valid_until: i64,
    pub api_url: String,
    pub generation: u64,
}

/// A connection held under both of its locks (see the invariants above).
pub(crate) struct Held {
    pub(crate) engine: Engine,
    pub(crate) id: String,
    /// This holder's turn at the lock file (before, after), for invariant 8; None if the lock
    /// file could not count it (then nothing read earlier is reused).
    turn: Option<(u64, u64)>,
    _file: FileLock,
    _mem: tokio::sync::OwnedMutexGuard<()>,
    _holding: Holding,
}

/// Counts holders, for the drain at shutdown.
struct Holding(Arc<crate::engine::Inner>);

impl Drop for Holding {
    fn drop(&mut self) {
        if self.0.holders.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.released.notify_waiters();
        }
    }
}

fn needs_user_error(conn: &Connection) -> ZoomFailure {
    let reason = conn.status_reason.as_deref().unwrap_or("its grant ended");
    let message = if conn.is_s2s() {
        format!("“{}” needs you: {reason}. Fix the app in the Zoom App Marketplace, then Test or Rotate secret in Zoom Connections", conn.nickname)
    } else {
        format!("“{}” needs to be reconnected: {reason}", conn.nickname)
    };
    ZoomFailure {
        error: EngineError::new(ErrorCode::ZoomInvalidGrant, message),
        class: FailureClass::GrantEnded(GrantEnd::Ended),
        retry_after: None,
        reason: None,
    }
}

fn interrupted(what: &str) -> EngineError {
    EngineError::new(ErrorCode::KeychainUnavailable, format!("the {what} was interrupted"))
}

impl Engine {
    /// Takes a connection's two locks (invariant 1), without reading anything: for a connection
    /// being created.
    pub(crate) async fn lock_connection(&self, id: &str) -> Result<Held> {
        let id = check_id(id)?.to_string();
        // Bounded like the lock file: holders queued here each wait their turn, and no turn is
        // longer than CROSS_PROCESS_WAIT plus the work (docs/security.md, Another local user).
        let mutex = self.connection_mutex(&id);
        let mem = match mutex.clone().try_lock_owned() {
            Ok(mem) => mem,
            Err(_) => {
                self.pause(Moment::Contended, &id).await;
                tokio::time::timeout(CROSS_PROCESS_WAIT * 2, mutex.lock_owned())
                    .await
                    .map_err(|_| crate::lockfile::held_too_long("this connection", CROSS_PROCESS_WAIT * 2))?
            }
        };
        let path = self.data_dir().join("locks").join(format!("{id}.lock"));
        let mut file = crate::lockfile::lock_async(path, CROSS_PROCESS_WAIT).await?;
        let turn = file.take_turn().ok();
        self.inner.holders.fetch_add(1, Ordering::SeqCst);
        let held = Held { engine: self.clone(), id, turn, _file: file, _mem: mem, _holding: Holding(self.inner.clone()) };
        self.pause(Moment::Locked, &held.id).await;
        Ok(held)
    }

    pub(crate) async fn pause(&self, moment: Moment, id: &str) {
        #[cfg(any(test, feature = "test-util"))]
        if let Some(pauses) = &self.inner.config.pauses {
            pauses.at(moment, id).await;
        }
        #[cfg(not(any(test, feature = "test-util")))]
        let _ = (moment, id);
    }

    /// Holds an existing connection: both locks, its state as last written by any process, and
    /// any pending pair written first (invariants 2 and 3).
    pub(crate) async fn hold(&self, id: &str) -> Result<Held> {
        let held = self.lock_connection(id).await?;
        held.reread()?;
        held.write_pending().await;
        Ok(held)
    }

    /// A keychain call off the async threads: keychain calls block (D-Bus round trips), and a
    /// blocked executor thread would hold up every other connection's refresh.
    pub(crate) async fn secret_get(&self, key: String) -> Result<Option<Secret>> {
        let secrets = self.inner.config.secrets.clone();
        tokio::task::spawn_blocking(move || secrets.get(&key)).await.map_err(|_| interrupted("keychain call"))?
    }

    /// Several keychain calls in one trip to a blocking thread.
    pub(crate) async fn keychain<T: Send + 'static>(&self, calls: impl FnOnce(&dyn crate::vault::SecretStore) -> T + Send + 'static) -> Result<T> {
        let secrets = self.inner.config.secrets.clone();
        tokio::task::spawn_blocking(move || calls(secrets.as_ref())).await.map_err(|_| interrupted("keychain call"))
    }

    pub(crate) async fn secret_delete(&self, key: String) -> Result<()> {
        let secrets = self.inner.config.secrets.clone();
        tokio::task::spawn_blocking(move || secrets.delete(&key)).await.map_err(|_| interrupted("keychain call"))?
    }

    /// Runs `work` on a task of its own and waits for it (invariant 9): a caller that goes away
    /// — a script hanging up on the broker, a request timing out — drops only the waiting, never
    /// a rotation between Zoom's answer and the keychain write.
    async fn detached<T: Send + 'static>(&self, what: &str, work: impl std::future::Future<Output = Result<T>> + Send + 'static) -> Result<T> {
        tokio::spawn(work).await.unwrap_or_else(|_| Err(interrupted(what)))
    }

    /// Refreshes as `want` asks, deciding after taking the locks (invariants 4 and 5).
    pub async fn refresh(&self, id: &str, want: Want) -> std::result::Result<(Connection, Refreshed), ZoomFailure> {
        let (engine, id) = (self.clone(), id.to_string());
        match tokio::spawn(async move { engine.refresh_held(&id, want).await }).await {
            Ok(result) => result,
            Err(_) => Err(interrupted("refresh").into()),
        }
    }

    async fn refresh_held(&self, id: &str, want: Want) -> std::result::Result<(Connection, Refreshed), ZoomFailure> {
        let held = self.hold(id).await?;
        let conn = held.connection()?;
        if conn.needs_user() {
            return Err(needs_user_error(&conn));
        }
        let now = self.now_for(&conn);
        let due = match want {
            Want::Due { margin } => conn.next_keepalive_at(margin).is_some_and(|at| at <= now),
            Want::AtLeast(secs) => conn.access_expires_at - now < secs,
            Want::Replace { generation } => conn.generation == generation,
        };
        if !due {
            return Ok((conn, Refreshed::NotDue));
        }
        held.rotate().await.map(|c| (c, Refreshed::Rotated))
    }

    /// An access token for a script (`token`, `exec`, the broker): valid for at least
    /// `HANDOUT_MIN_LIFETIME`, and promised not to be rotated away before then (invariant 6).
    pub async fn hand_out(&self, id: &str) -> Result<Handout> {
        let (engine, id) = (self.clone(), id.to_string());
        self.detached("handout", async move { engine.hand_out_held(&id).await }).await
    }

    async fn hand_out_held(&self, id: &str) -> Result<Handout> {
        let held = self.hold(id).await?;
        // With a promise outstanding, the token is rotated (breaking that promise) only when it
        // cannot carry one more. With none, it is rotated while it still could, when it would
        // not carry a second handout within this one's promise: two scripts starting minutes
        // apart then share a token instead of the second killing the first's (docs/zoom.md).
        // Tokens too short-lived to ever carry two promises are rotated only when they must.
        let one = HANDOUT_MIN_LIFETIME + ROTATION_FLOOR;
        let two = one + HANDOUT_MIN_LIFETIME;
        let conn = held.connection()?;
        let lifetime = conn.last_success_at.map_or(i64::MAX, |issued| conn.access_expires_at - issued);
        let needed = if held.promise_outstanding()? || lifetime < two { one } else { two };
        let handout = match held.fresh(needed).await {
            Ok(handout) => handout,
            // Rotating early is a nicety: when Zoom does not answer it, the token there still
            // carries this promise if it has `one` left (`fresh` then rotates nothing).
            Err(e) if needed > one => {
                tracing::info!(connection = %id, error_code = e.code.as_str(), "an early rotation for a handout failed; the current token is handed out");
                held.fresh(one).await?
            }
            Err(e) => return Err(e),
        };
        let until = self.now_for(&held.connection()?) + HANDOUT_MIN_LIFETIME;
        held.set_state(move |c| {
            c.handed_out_until = Some(c.handed_out_until.map_or(until, |u| u.max(until)));
            c.served += 1;
        })
        .await?;
        Ok(Handout { valid_until: until, ..handout })
    }

    /// The app's own use of a token (Test, the proxy): valid for `min_secs`, no promise
    /// recorded. While a script's promise runs, the token lives at least `ROTATION_FLOOR` more
    /// (invariant 6), which is enough for one call: the app's own use never rotates it away.
    pub(crate) async fn use_token(&self, id: &str, min_secs: i64) -> Result<Handout> {
        let (engine, id) = (self.clone(), id.to_string());
        self.detached("token", async move {
            let held = engine.hold(&id).await?;
            let needed = if held.promise_outstanding()? { min_secs.min(ROTATION_FLOOR) } else { min_secs };
            held.fresh(needed).await
        })
        .await
    }

    /// A valid access token, for the command line's `token`.
    pub async fn access_token(&self, id: &str) -> Result<Secret> {
        self.hand_out(id).await.map(|h| h.access)
    }

    /// The current access token and its generation without taking the locks: for probes that
    /// only read (Run keepalive now). The generation is read first, so a rotation in between
    /// makes a later `Want::Replace` a no-op rather than an extra rotation.
    pub(crate) async fn peek(&self, id: &str) -> Option<(Secret, u64)> {
        let generation = self.connection(id).ok()?.generation;
        let pending = lock(&self.inner.pending).get(id).map(|p| p.access.clone());
        let access = match pending {
            Some(a) => a,
            None => self.secret_get(access_key(id)).await.ok().flatten()?,
        };
        Some((access, generation))
    }

    pub(crate) fn has_pending(&self, id: &str) -> bool {
        lock(&self.inner.pending).contains_key(id)
    }

    /// Quitting (invariant 7): waits up to `wait` for every holder to finish, then writes every
    /// pending pair. Says in the log what it did.
    pub async fn shutdown(&self, wait: Duration) -> ShutdownReport {
        self.inner.closing.store(true, Ordering::SeqCst);
        let started = Instant::now();
        let deadline = started + wait;
        while self.inner.holders.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            let notified = self.inner.released.notified();
            if self.inner.holders.load(Ordering::SeqCst) == 0 {
                break;
            }
            let _ = tokio::time::timeout(deadline.saturating_duration_since(Instant::now()), notified).await;
        }
        let still_holding = self.inner.holders.load(Ordering::SeqCst);
        let ids: Vec<String> = lock(&self.inner.pending).keys().cloned().collect();
        for id in &ids {
            // `hold` writes the pending pair first; a lock still busy at the deadline is skipped.
            let remaining = deadline.saturating_duration_since(Instant::now()).max(Duration::from_secs(1));
            let _ = tokio::time::timeout(remaining, self.hold(id)).await;
        }
        let unsaved = lock(&self.inner.pending).len();
        let report = ShutdownReport { waited: started.elapsed(), still_holding, unsaved };
        if still_holding == 0 && unsaved == 0 {
            tracing::info!(
                waited_ms = report.waited.as_millis() as u64,
                pending_written = ids.len(),
                "quitting: no rotation in flight, every token is in the keychain"
            );
        } else {
            tracing::error!(
                still_holding,
                unsaved,
                "quitting with work unfinished: still_holding rotations were in progress (one whose refresh token was not yet stored may need a Reconnect) and unsaved rotated pairs are not in the keychain (those connections must be reconnected)"
            );
        }
        report
    }

    pub(crate) fn closing(&self) -> bool {
        self.inner.closing.load(Ordering::SeqCst)
    }
}

/// What quitting found.
#[derive(Debug, Clone, Copy)]
pub struct ShutdownReport {
    pub waited: Duration,
    /// Holders still at work at the deadline.
    pub still_holding: usize,
    /// Rotated pairs that could not be written to the keychain.
    pub unsaved: usize,
}

impl Held {
    pub fn connection(&self) -> Result<Connection> {
        self.engine.connection(&self.id)
    }

    /// The state as last written by any process; the whole list if the state file is gone (a
    /// delete by another process).
    pub(crate) fn reread(&self) -> Result<()> {
        if !self.engine.reload_state(&self.id) {
            self.engine.reload();
        }
        self.connection().map(|_| ())
    }

    /// The pair to use: one the keychain refused (kept in memory), else the keychain's.
    pub(crate) async fn tokens(&self) -> Result<Option<TokenPair>> {
        if let Some(pair) = lock(&self.engine.inner.pending).get(&self.id) {
            return Ok(Some(pair.clone()));
        }
        let generation = self.connection()?.generation;
        if let Some((before, after)) = self.turn {
            let mut reads = lock(&self.engine.inner.read_pairs);
            if let Some(read) = reads.get_mut(&self.id) {
                // Reused only if no other process has held the connection since (it may have
                // written the keychain and died before writing the generation): read or reused
                // in the turn before this one, or earlier in this one.
                if read.generation == generation && (read.turn == before || read.turn == after) && read.at.elapsed() < READ_REUSE {
                    read.turn = after;
                    return Ok(Some(read.pair.clone()));
                }
            }
        }
        // Both reads in one trip to a blocking thread (keychain calls block; the trip itself
        // costs more than an in-memory store's read).
        let (refresh_key, access_key) = (refresh_key(&self.id), access_key(&self.id));
        let (refresh, access) = self.engine.keychain(move |secrets| Ok::<_, EngineError>((secrets.get(&refresh_key)?, secrets.get(&access_key)?))).await??;
        let s2s = self.connection()?.is_s2s();
        let pair = match (access, refresh) {
            (Some(access), Some(refresh)) => Some(TokenPair { access, refresh }),
            // An access token alone is useless after the hour; a refresh token alone gets a new one.
            (None, Some(refresh)) => Some(TokenPair { access: Secret::new(""), refresh }),
            // Server-to-Server: no refresh token ever; without an access token one is minted.
            (access, None) if s2s => Some(TokenPair { access: access.unwrap_or_else(|| Secret::new("")), refresh: Secret::new("") }),
            _ => None,
        };
        if let (Some(pair), Some((_, after))) = (&pair, self.turn) {
            lock(&self.engine.inner.read_pairs).insert(self.id.clone(), ReadPair { generation, turn: after, at: Instant::now(), pair: pair.clone() });
        }
        Ok(pair)
    }

    /// This process is about to change the keychain's pair: its read copy goes first.
    fn forget_read_pair(&self) {
        lock(&self.engine.inner.read_pairs).remove(&self.id);
    }

    pub(crate) async fn require_tokens(&self) -> Result<TokenPair> {
        self.tokens()
            .await?
            .ok_or_else(|| EngineError::new(ErrorCode::ZoomInvalidGrant, "This connection's tokens are missing from the keychain; reconnect it."))
    }

    /// Writes a pair, refresh token first (invariant 3), in one trip to a blocking thread; on
    /// failure keeps it in memory. Returns when the refresh token was in the keychain (the end of
    /// a rotation's loss window), and logs that moment as it happens.
    pub(crate) async fn persist_pair(&self, pair: &TokenPair) -> (Result<()>, Option<Instant>) {
        self.forget_read_pair();
        let (id, refresh, access) = (self.id.clone(), pair.refresh.clone(), pair.access.clone());
        let outcome = self
            .engine
            .keychain(move |secrets| {
                // Server-to-Server connections have no refresh token.
                if !refresh.expose().is_empty() {
                    if let Err(e) = secrets.set(&refresh_key(&id), &refresh) {
                        return (Err(e), None);
                    }
                }
                let durable = Instant::now();
                tracing::debug!(connection = %id, "rotation persisted");
                (secrets.set(&access_key(&id), &access), Some(durable))
            })
            .await;
        let (result, durable) = outcome.unwrap_or_else(|e| (Err(e), None));
        let mut pending = lock(&self.engine.inner.pending);
        match &result {
            Ok(()) => pending.remove(&self.id),
            Err(_) => pending.insert(self.id.clone(), pair.clone()),
        };
        (result, durable)
    }

    pub(crate) async fn persist(&self, pair: &TokenPair) -> Result<()> {
        self.persist_pair(pair).await.0
    }

    /// Writes the pending pair, if any; a connection Retrying only for that is Active again.
    async fn write_pending(&self) -> bool {
        let Some(pair) = lock(&self.engine.inner.pending).get(&self.id).cloned() else { return true };
        if self.persist(&pair).await.is_err() {
            return false;
        }
        tracing::info!(connection = %self.id, "the rotated tokens were saved to the keychain");
        let _ = self
            .set_state(|c| {
                // The keychain's pair changed: other processes must not reuse what they read
                // before (invariant 8).
                c.generation += 1;
                // Zoom's answer is kept now: no refresh is unanswered (model.rs).
                c.unanswered_refresh_at = None;
                if c.status == Status::Retrying && c.next_attempt_at.is_none() {
                    c.status = Status::Active;
                    c.status_reason = None;
                    c.reason = None;
                }
            })
            .await;
        true
    }

    /// Replaces the tokens with a new grant's (Reconnect, create): whatever was pending belonged
    /// to the old grant, which the new sign-in ended at Zoom.
    pub(crate) async fn replace_grant(&self, tokens: &TokenSet) -> Result<()> {
        let refresh = tokens.refresh.clone().ok_or_else(|| EngineError::new(ErrorCode::ZoomBadResponse, "no refresh token"))?;
        lock(&self.engine.inner.pending).remove(&self.id);
        self.persist(&TokenPair { access: tokens.access.clone(), refresh }).await.inspect_err(|_| {
            // Nothing was stored for the new grant: do not keep it in memory either.
            lock(&self.engine.inner.pending).remove(&self.id);
        })
    }

    /// Changes the connection's keepalive state: its own small file, overwritten in place (no
    /// new file, no sync: fsutil says why), so it is written here rather than on a blocking
    /// thread, whose round trip would cost more than the write.
    pub(crate) async fn set_state(&self, f: impl FnOnce(&mut Connection) + Send + 'static) -> Result<Connection> {
        self.engine.write_connection_state(&self.id, f)
    }

    pub(crate) fn record(&self, kind: EventKind, detail: Option<String>, why: Option<StatusReason>) {
        let at = self.connection().map(|c| self.engine.now_for(&c)).unwrap_or_else(|_| self.engine.now());
        self.engine.inner.history.record(&self.id, &HistoryEvent { at, kind, detail, why });
    }

    /// Whether a script was promised the current access token until a time still to come.
    fn promise_outstanding(&self) -> Result<bool> {
        let conn = self.connection()?;
        let now = self.engine.now_for(&conn);
        Ok(conn.handed_out_until.is_some_and(|until| until > now))
    }

    /// An access token valid for at least `min_secs`, rotating first if needed.
    async fn fresh(&self, min_secs: i64) -> Result<Handout> {
        let mut conn = self.connection()?;
        if conn.needs_user() {
            return Err(needs_user_error(&conn).error);
        }
        let tokens = self.tokens().await?;
        let stale = conn.access_expires_at - self.engine.now_for(&conn) < min_secs;
        if stale || tokens.as_ref().is_none_or(|t| t.access.expose().is_empty()) {
            conn = self.rotate().await?;
        }
        let access = self.require_tokens().await?.access;
        Ok(Handout {
            access,
            expires_at: conn.access_expires_at,
            valid_until: conn.access_expires_at,
            api_url: self.engine.api_url_of(&conn),
            generation: conn.generation,
        })
    }

    /// Ends the grant at Zoom with an access token, as Zoom documents revocation. Ok means
    /// revoked, or proven gone (a refresh answered `invalid_grant`); anything else is an error
    /// and nothing may be deleted.
    pub(crate) async fn revoke(&self) -> std::result::Result<(), ZoomFailure> {
        let conn = self.connection()?;
        let Some(pair) = self.tokens().await? else {
            // Nothing in the keychain: there is no grant this computer could end.
            return Ok(());
        };
        let app = self.engine.credentials(&self.engine.org(&conn.org_id)?).await?;
        let usable = !conn.needs_user() && !pair.access.expose().is_empty() && conn.access_expires_at - self.engine.now_for(&conn) > 60;
        let access = if usable { pair.access } else { self.rotated_or_gone().await? };
        let Some(access) = Some(access).filter(|a| !a.expose().is_empty()) else { return Ok(()) };
        self.engine.pause(Moment::RevokeRequested, &self.id).await;
        match self.engine.inner.zoom.revoke(&app, &access).await? {
            Revocation::Revoked => Ok(()),
            // A dead token proves nothing about the grant, nor does a 2xx that is not Zoom's
            // answer; a refresh does: `invalid_grant` means gone, a new token is revoked again.
            Revocation::TokenRejected | Revocation::Unconfirmed => {
                let access = self.rotated_or_gone().await?;
                if access.expose().is_empty() {
                    return Ok(());
                }
                match self.engine.inner.zoom.revoke(&app, &access).await? {
                    Revocation::Revoked => Ok(()),
                    Revocation::TokenRejected | Revocation::Unconfirmed => Err(ZoomFailure {
                        error: EngineError::new(ErrorCode::ZoomError, "Zoom did not confirm that it revoked an access token it had just issued"),
                        class: FailureClass::Ambiguous,
                        retry_after: None,
                        reason: None,
                    }),
                }
            }
        }
    }

    /// A freshly rotated access token, or an empty one when the refresh proved the grant gone.
    async fn rotated_or_gone(&self) -> std::result::Result<Secret, ZoomFailure> {
        match self.rotate().await {
            Ok(_) => Ok(self.require_tokens().await?.access),
            Err(f) if matches!(f.class, FailureClass::GrantEnded(_)) => Ok(Secret::new("")),
            Err(f) => Err(f),
        }
    }

    /// Takes the tokens out of the keychain (a new connection whose list entry could not be
    /// written).
    pub(crate) async fn remove_tokens(&self) -> Result<()> {
        self.forget_read_pair();
        lock(&self.engine.inner.pending).remove(&self.id);
        self.engine.secret_delete(refresh_key(&self.id)).await?;
        self.engine.secret_delete(crate::model::s2s_secret_key(&self.id)).await?;
        self.engine.secret_delete(access_key(&self.id)).await
    }

    /// Removes the connection from this computer: keychain entries, pending pair, list entry,
    /// state and history.
    pub(crate) async fn remove(self) -> Result<()> {
        self.remove_tokens().await?;
        let id = self.id.clone();
        let engine = self.engine.clone();
        tokio::task::spawn_blocking(move || {
            engine.update_meta(|m| {
                m.connections.retain(|c| c.id != id);
                Ok(())
            })?;
            engine.inner.store.remove_state(&id);
            engine.inner.history.remove(&id);
            Ok::<_, EngineError>(())
        })
        .await
        .map_err(|_| EngineError::new(ErrorCode::Storage, "the delete was interrupted"))??;
        tracing::info!(connection = %self.id, "connection deleted");
        self.engine.emit(EngineEvent::ConnectionsChanged);
        Ok(())
    }
}
