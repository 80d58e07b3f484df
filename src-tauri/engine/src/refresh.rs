//! Refreshing a connection: the one place that rotates tokens. One refresh at a time per
//! connection — a lock in this process and a lock file shared with every other process on the
//! data directory — and after taking both, the stored state is read again, so a caller that
//! waited sees the other's result instead of rotating a token that is already dead. The new
//! refresh token is written to the keychain before anything uses the new access token.

use std::time::{Duration, Instant};

use rand::Rng;

use crate::engine::{lock, Engine, EngineEvent};
use crate::error::{EngineError, ErrorCode, Result};
use crate::history::{EventKind, HistoryEvent};
use crate::model::{access_key, refresh_key, Connection, Status};
use crate::secret::Secret;
use crate::zoom::{TokenSet, ZoomFailure};

/// How long to wait for another process's refresh of the same connection.
const CROSS_PROCESS_WAIT: Duration = Duration::from_secs(60);
/// Backoff of transient failures: 30 s doubling, at most 5 minutes, ±20 % jitter.
const BACKOFF_BASE: i64 = 30;
const BACKOFF_MAX: i64 = 5 * 60;

/// The delay before attempt `failures + 1`.
pub fn backoff(failures: u32, retry_after: Option<Duration>) -> i64 {
    let exp = BACKOFF_BASE.saturating_mul(1i64 << failures.saturating_sub(1).min(10)).min(BACKOFF_MAX);
    let jitter = rand::rng().random_range(-(exp / 5)..=(exp / 5));
    let wait = (exp + jitter).max(1);
    // Zoom's Retry-After is a floor, never shortened by jitter.
    retry_after.map_or(wait, |r| wait.max(r.as_secs() as i64))
}

/// What a refresh did, for the scheduler's report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refreshed {
    /// Another caller (or process) had already refreshed: nothing to do.
    NotDue,
    Rotated,
}

fn is_permanent(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::ZoomInvalidGrant | ErrorCode::ZoomInvalidClient | ErrorCode::ZoomError | ErrorCode::MissingScope
    )
}

fn missing_tokens() -> EngineError {
    EngineError::new(ErrorCode::ZoomInvalidGrant, "This connection's tokens are missing from the keychain; reconnect it.")
}

impl Engine {
    /// A keychain read off the async threads: keychain calls block (D-Bus round trips, a key
    /// exchange), and a blocked executor thread would hold up every other connection's refresh,
    /// stretching their loss windows.
    pub(crate) async fn secret_get(&self, key: String) -> Result<Option<Secret>> {
        let secrets = self.inner.config.secrets.clone();
        tokio::task::spawn_blocking(move || secrets.get(&key))
            .await
            .map_err(|_| EngineError::new(ErrorCode::KeychainUnavailable, "the keychain call was interrupted"))?
    }

    async fn secret_set(&self, key: String, value: Secret) -> Result<()> {
        let secrets = self.inner.config.secrets.clone();
        tokio::task::spawn_blocking(move || secrets.set(&key, &value))
            .await
            .map_err(|_| EngineError::new(ErrorCode::KeychainUnavailable, "the keychain call was interrupted"))?
    }

    /// The refresh token to use: one that could not be saved yet (kept in memory), else the
    /// keychain's.
    async fn current_refresh(&self, id: &str) -> Result<Secret> {
        if let Some(t) = lock(&self.inner.pending_tokens).get(id) {
            return Ok(t.refresh.clone());
        }
        self.secret_get(refresh_key(id)).await?.ok_or_else(missing_tokens)
    }

    /// Writes rotated tokens, refresh token first: once it is in the keychain the connection
    /// survives a crash (a lost access token costs one more refresh, nothing else). On failure
    /// they stay in memory (the old refresh token is already dead at Zoom: dropping them would
    /// lose the connection). `durable` is called the moment the refresh token is written.
    async fn persist_tokens_then(&self, id: &str, tokens: &TokenSet, durable: impl FnOnce()) -> Result<()> {
        let mut result = self.secret_set(refresh_key(id), tokens.refresh.clone()).await;
        if result.is_ok() {
            durable();
            result = self.secret_set(access_key(id), tokens.access.clone()).await;
        }
        let mut pending = lock(&self.inner.pending_tokens);
        match &result {
            Ok(()) => {
                pending.remove(id);
            }
            Err(_) => {
                pending.insert(id.to_string(), tokens.clone());
            }
        }
        result
    }

    /// Retries the keychain writes of tokens kept in memory; true when none are left.
    pub async fn flush_pending_tokens(&self) -> bool {
        let pending: Vec<(String, TokenSet)> = lock(&self.inner.pending_tokens).iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        for (id, tokens) in pending {
            if self.persist_tokens_then(&id, &tokens, || {}).await.is_ok() {
                tracing::info!(connection = %id, "the rotated tokens were saved to the keychain");
                let _ = self
                    .set_status_async(&id, |c| {
                        if c.status == Status::Retrying && c.next_attempt_at.is_none() {
                            c.status = Status::Active;
                            c.status_reason = None;
                        }
                    })
                    .await;
            }
        }
        lock(&self.inner.pending_tokens).is_empty()
    }

    /// Changes a connection's keepalive state: its own small file, not the whole list (callers
    /// hold the connection's refresh lock, so no two processes write it at once).
    pub(crate) fn set_status(&self, id: &str, f: impl FnOnce(&mut Connection)) -> Result<Connection> {
        let mut current = self.connection(id)?;
        let before = current.status;
        f(&mut current);
        self.inner.store.write_state(id, &current.state())?;
        let after = {
            let mut meta = lock(&self.inner.meta);
            let c = meta
                .connections
                .iter_mut()
                .find(|c| c.id == id)
                .ok_or_else(|| EngineError::new(ErrorCode::NotFound, "There is no such connection."))?;
            c.apply_state(current.state());
            c.clone()
        };
        if before != after.status {
            self.emit(EngineEvent::StatusChanged {
                connection_id: after.id.clone(),
                nickname: after.nickname.clone(),
                from: before,
                to: after.status,
                reason: after.status_reason.clone(),
            });
        }
        self.emit(EngineEvent::ConnectionsChanged);
        Ok(after)
    }

    /// `set_status` off the async threads: the metadata write takes a lock file and an fsync,
    /// and a blocked executor thread would hold up other connections' refreshes (stretching
    /// their loss windows).
    pub(crate) async fn set_status_async(&self, id: &str, f: impl FnOnce(&mut Connection) + Send + 'static) -> Result<Connection> {
        let engine = self.clone();
        let id = id.to_string();
        tokio::task::spawn_blocking(move || engine.set_status(&id, f))
            .await
            .map_err(|_| EngineError::new(ErrorCode::Storage, "the metadata write was interrupted"))?
    }

    fn record(&self, id: &str, kind: EventKind, detail: Option<String>) {
        self.inner.history.record(id, &HistoryEvent { at: self.now(), kind, detail });
    }

    /// Refreshes when fewer than `margin` seconds are left (or always, with `force`).
    pub async fn refresh_if_needed(&self, id: &str, margin: i64, force: bool) -> Result<Connection> {
        self.refresh_connection(id, margin, force).await.map(|(c, _)| c).map_err(|f| f.error)
    }

    pub(crate) async fn refresh_connection(&self, id: &str, margin: i64, force: bool) -> std::result::Result<(Connection, Refreshed), ZoomFailure> {
        let fail = |error: EngineError| ZoomFailure { error, retry_after: None };
        let in_process = self.refresh_lock(id);
        let _in_process = in_process.lock().await;
        let lock_path = self.data_dir().join("locks").join(format!("{id}.lock"));
        let _cross_process = crate::lockfile::lock_async(lock_path, CROSS_PROCESS_WAIT).await.map_err(fail)?;
        // Another process may have refreshed while we waited: read what it stored.
        self.reload_state(id);
        let conn = self.connection(id).map_err(fail)?;
        if conn.needs_user() {
            return Err(fail(EngineError::new(
                ErrorCode::ZoomInvalidGrant,
                format!("“{}” needs to be reconnected: {}", conn.nickname, conn.status_reason.as_deref().unwrap_or("its grant ended")),
            )));
        }
        // Tokens rotated earlier but not saved yet are valid: save them, never rotate past them.
        let has_pending = lock(&self.inner.pending_tokens).contains_key(id);
        if has_pending {
            self.flush_pending_tokens().await;
        }
        if !force && conn.access_expires_at - self.now() > margin {
            return Ok((conn, Refreshed::NotDue));
        }
        // A keychain that cannot be read now (locked, no Secret Service) is a reason to retry,
        // shown on the connection like any other.
        let prepared = match self.org(&conn.org_id).and_then(|org| self.credentials(&org)) {
            Ok(app) => self.current_refresh(id).await.map(|refresh| (app, refresh)),
            Err(e) => Err(e),
        };
        let (app, refresh) = match prepared {
            Ok(p) => p,
            Err(error) => return Err(self.after_failure(&conn, fail(error)).await),
        };
        // From here until "rotation persisted" a crash loses the connection: Zoom rotates when
        // it answers, whether or not the answer arrives.
        tracing::debug!(connection = %id, "rotation requested");
        let requested = Instant::now();
        let answer = self.inner.zoom.refresh(&app, &refresh, self.now()).await;
        self.inner.metrics.record_request(requested.elapsed());
        match answer {
            Ok(tokens) => self.after_rotation(&conn, tokens).await.map(|c| (c, Refreshed::Rotated)),
            Err(failure) => Err(self.after_failure(&conn, failure).await),
        }
    }

    async fn after_rotation(&self, conn: &Connection, tokens: TokenSet) -> std::result::Result<Connection, ZoomFailure> {
        let id = conn.id.as_str();
        // The loss window: from Zoom's answer (the old refresh token is dead) to the new one
        // being durable. A crash inside it loses the connection; it is measured.
        let answered = Instant::now();
        tracing::debug!(connection = %id, "rotation answered");
        let persisted = self
            .persist_tokens_then(id, &tokens, || {
                self.inner.metrics.record_persist(answered.elapsed());
                tracing::debug!(connection = %id, "rotation persisted");
            })
            .await;
        if let Err(e) = persisted {
            let reason = format!("could not save the new token to the keychain ({}); it is kept in memory and the save is retried", e.message);
            tracing::error!(connection = %id, "{reason}");
            self.record(id, EventKind::Failed, Some(reason.clone()));
            let expires_at = tokens.expires_at;
            let _ = self
                .set_status_async(id, move |c| {
                    c.status = Status::Retrying;
                    c.status_reason = Some(reason);
                    c.access_expires_at = expires_at;
                })
                .await;
            return Err(ZoomFailure { error: e, retry_after: None });
        }
        let api_url = tokens.api_url.clone().unwrap_or_else(|| self.api_url_of(conn));
        // The probe: a light call that proves the new token works (and that the app is still
        // installed: Zoom answers 401 code 124 after an uninstall).
        let probe = self.inner.zoom.users_me(&api_url, &tokens.access).await;
        let now = self.now();
        let was_failing = conn.status == Status::Retrying;
        match probe {
            Err(f) if f.error.code == ErrorCode::ZoomInvalidGrant => {
                let reason = "deauthorized or uninstalled in Zoom".to_string();
                self.record(id, EventKind::NeedsReconnect, Some(reason.clone()));
                let shown = reason.clone();
                self.set_status_async(id, move |c| {
                    c.status = Status::NeedsReconnect;
                    c.status_reason = Some(shown);
                    c.last_failure_at = Some(now);
                    c.next_attempt_at = None;
                })
                .await
                .map_err(|error| ZoomFailure { error, retry_after: None })?;
                Err(ZoomFailure { error: EngineError::new(ErrorCode::ZoomInvalidGrant, reason), retry_after: None })
            }
            probe => {
                if let Err(f) = &probe {
                    // The tokens are fresh and stored; a failed probe is worth a line, not a status.
                    self.record(id, EventKind::Failed, Some(format!("probe: {}", f.error.message)));
                }
                self.record(id, if was_failing { EventKind::Recovered } else { EventKind::Refreshed }, None);
                let expires_at = tokens.expires_at;
                self.set_status_async(id, move |c| {
                    c.status = Status::Active;
                    c.status_reason = None;
                    c.access_expires_at = expires_at;
                    c.api_url = api_url;
                    c.last_success_at = Some(now);
                    c.next_attempt_at = None;
                    c.consecutive_failures = 0;
                })
                .await
                .map_err(|error| ZoomFailure { error, retry_after: None })
            }
        }
    }

    async fn after_failure(&self, conn: &Connection, failure: ZoomFailure) -> ZoomFailure {
        let id = conn.id.as_str();
        let now = self.now();
        let e = &failure.error;
        if is_permanent(e.code) {
            let superseded = e.message.contains("4741");
            let reason = e.message.clone();
            self.record(id, if superseded { EventKind::Superseded } else { EventKind::NeedsReconnect }, Some(reason.clone()));
            let _ = self
                .set_status_async(id, move |c| {
                    c.status = if superseded { Status::Superseded } else { Status::NeedsReconnect };
                    c.status_reason = Some(reason);
                    c.last_failure_at = Some(now);
                    c.next_attempt_at = None;
                })
                .await;
        } else {
            let failures = conn.consecutive_failures + 1;
            let wait = backoff(failures, failure.retry_after);
            let reason = format!("{} (attempt {failures}; next in {wait} s)", e.message);
            self.record(id, EventKind::Failed, Some(reason.clone()));
            let _ = self
                .set_status_async(id, move |c| {
                    c.status = Status::Retrying;
                    c.status_reason = Some(reason);
                    c.last_failure_at = Some(now);
                    c.consecutive_failures = failures;
                    c.next_attempt_at = Some(now + wait);
                })
                .await;
        }
        failure
    }

    /// A valid access token, refreshed first when less than a minute is left. Tokens that could
    /// not be saved yet are served from memory (they are the only valid ones).
    pub async fn access_token(&self, id: &str) -> Result<Secret> {
        self.refresh_if_needed(id, 60, false).await?;
        let pending = lock(&self.inner.pending_tokens).get(id).map(|t| t.access.clone());
        if let Some(access) = pending {
            return Ok(access);
        }
        self.secret_get(access_key(id)).await?.ok_or_else(missing_tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_is_capped_and_honours_retry_after() {
        for _ in 0..50 {
            let first = backoff(1, None);
            assert!((24..=36).contains(&first), "{first}");
            let later = backoff(8, None);
            assert!((240..=360).contains(&later), "{later}");
            assert!(backoff(1, Some(Duration::from_secs(120))) >= 120);
        }
    }
}
