//! A connection's rotation and what its outcome means: the one place that calls Zoom's refresh
//! (or mints a Server-to-Server token) and writes the answer, under the holder's locks, in the
//! order `tokens.rs`'s invariants set (the refresh token first, then the state).

use std::time::Instant;

use crate::engine::EngineEvent;
use crate::error::{EngineError, ErrorCode, Result};
use crate::history::EventKind;
use crate::model::{Connection, Status};
use crate::reasons::StatusReason;
use crate::secret::Secret;
use crate::tokens::{Held, Moment, TokenPair, AMBIGUOUS_ATTEMPTS, AMBIGUOUS_SPAN};
use crate::zoom::{FailureClass, GrantEnd, TokenSet, ZoomFailure};

/// Less than this left of the first request's timeout, a refresh is not asked again at once (the
/// next attempt comes with keepalive's backoff).
const MIN_SECOND_ASK: std::time::Duration = std::time::Duration::from_secs(2);

impl Held {
    /// Rotates at Zoom and keeps the result (invariant 3). The one place that calls Zoom's
    /// refresh.
    pub(crate) async fn rotate(&self) -> std::result::Result<Connection, ZoomFailure> {
        if self.engine.closing() {
            return Err(EngineError::new(ErrorCode::ShuttingDown, "the app is quitting; the refresh was not started").into());
        }
        let conn = self.connection()?;
        if conn.is_s2s() {
            return self.mint(&conn).await;
        }
        let prepared = async {
            let app = self.engine.credentials(&self.engine.org(&conn.org_id)?).await?;
            Ok::<_, EngineError>((app, self.require_tokens().await?))
        };
        let (app, old) = match prepared.await {
            Ok(p) => p,
            Err(error) => return Err(self.after_failure(&conn, error.into(), conn.unanswered_refresh_at).await),
        };
        // Marked before the request, so that a dead refresh token after a lost answer — or
        // after this process died waiting — is worded as that (model.rs). Only wording hangs on
        // it: a failed write does not stop the refresh.
        let sent_at = self.engine.now_for(&conn);
        // The earliest unanswered refresh is the one whose answer may be lost.
        let _ = self
            .set_state(move |c| {
                c.unanswered_refresh_at.get_or_insert(sent_at);
            })
            .await;
        // From here until "rotation persisted" a crash loses the connection: Zoom rotates when
        // it answers, whether or not the answer arrives. Both legs are measured.
        self.engine.pause(Moment::RotationRequested, &self.id).await;
        tracing::debug!(connection = %self.id, "rotation requested");
        let requested = Instant::now();
        let mut answer = self.engine.inner.zoom.refresh(&app, &old.refresh, self.engine.now_for(&conn)).await;
        self.engine.inner.metrics.record_request(requested.elapsed());
        // Asked again only within what is left of the first request's timeout, so that the
        // connection's turn (the refresh, the writes, the probe) stays as long as before:
        // another process waits CROSS_PROCESS_WAIT for it (tokens.rs).
        let left = self.engine.inner.config.http_timeout.saturating_sub(requested.elapsed());
        let asked_again = answer.in_doubt && answer.refresh.is_none() && !self.engine.closing() && left >= MIN_SECOND_ASK;
        if asked_again {
            // Zoom may have rotated and the answer been lost. Asked again at once, with the same
            // refresh token: if Zoom never carried the first out, or gives a rotated-out token
            // its answer again for a while, the connection goes on; if not, Zoom's refusal says
            // the token is gone and the loss is told as what it is (docs/zoom.md, Tokens).
            tracing::warn!(connection = %self.id, "no usable answer to a refresh Zoom may have carried out; asking again at once");
            self.record(EventKind::Failed, Some(format!("no usable answer to a refresh ({}); asked again at once", answer_error(&answer))), None);
            let again = Instant::now();
            answer = self.engine.inner.zoom.refresh_within(&app, &old.refresh, self.engine.now_for(&conn), Some(left)).await;
            self.engine.inner.metrics.record_request(again.elapsed());
        }
        self.engine.pause(Moment::RotationAnswered, &self.id).await;
        // Only Zoom's success proves that no earlier answer was lost: until then the earliest
        // unanswered refresh stays marked.
        let unanswered = if answer.in_doubt || asked_again { conn.unanswered_refresh_at.or(Some(sent_at)) } else { conn.unanswered_refresh_at };
        match answer.tokens {
            Ok(tokens) => self.after_rotation(&conn, &old, tokens).await,
            Err(failure) => {
                if let Some(refresh) = answer.refresh {
                    // A 2xx whose access token cannot be used: the refresh token is the live one.
                    // Kept, the answer is no longer lost; kept in memory only, it still may be.
                    let stored = self.keep_rotated_refresh(&conn, &old, refresh).await;
                    return Err(self.after_failure(&conn, failure, if stored { None } else { unanswered.or(Some(sent_at)) }).await);
                }
                Err(self.after_failure(&conn, failure, unanswered).await)
            }
        }
    }

    /// Server-to-Server: a new token minted with the app's client secret (docs/zoom.md,
    /// Server-to-Server). There is no refresh token to lose, so no loss window; a refused mint
    /// (a wrong secret, a deactivated app) needs the user like a lost grant does.
    async fn mint(&self, conn: &Connection) -> std::result::Result<Connection, ZoomFailure> {
        let app = match self.engine.s2s_credentials(conn, None).await {
            Ok(app) => app,
            Err(error) => return Err(self.after_failure(conn, error.into(), None).await),
        };
        let account_id = conn.s2s.as_ref().map(|s| s.account_id.clone()).unwrap_or_default();
        let answer = self.engine.inner.zoom.account_credentials(&app, &account_id, self.engine.now_for(conn)).await;
        match answer.tokens {
            Ok(tokens) => self.keep_minted(conn, tokens).await.map_err(Into::into),
            Err(failure) => Err(self.after_failure(conn, failure, None).await),
        }
    }

    /// Stores a minted token and says so in the connection's state.
    pub(crate) async fn keep_minted(&self, conn: &Connection, tokens: TokenSet) -> Result<Connection> {
        self.persist(&TokenPair { access: tokens.access.clone(), refresh: Secret::new("") }).await?;
        let api_url = self.engine.accepted_api_url(conn, tokens.api_url.as_deref());
        let (expires_at, now) = (tokens.expires_at, self.engine.now_for(conn));
        self.keep_granted_scopes(conn, tokens.scopes);
        let was_failing = conn.status != Status::Active;
        self.record(if was_failing { EventKind::Recovered } else { EventKind::Refreshed }, Some("minted".into()), None);
        self.set_state(move |c| {
            c.succeeded(expires_at, api_url, now);
            c.minted_at = Some(now);
            c.served = 0;
        })
        .await
    }

    /// The scopes a token answer names, when they differ from the connection's: Zoom's word on
    /// what the grant holds now (RFC 6749 §5.1; no scope means unchanged).
    fn keep_granted_scopes(&self, conn: &Connection, scopes: Option<Vec<String>>) {
        if let Some(granted) = scopes.filter(|s| *s != conn.granted_scopes) {
            let id = self.id.clone();
            let _ = self.engine.update_meta(move |m| {
                if let Some(c) = m.connections.iter_mut().find(|c| c.id == id) {
                    c.granted_scopes = granted;
                }
                Ok(())
            });
        }
    }

    /// Whether the rotated refresh token reached the keychain (otherwise it is pending, in memory).
    async fn keep_rotated_refresh(&self, conn: &Connection, old: &TokenPair, refresh: Secret) -> bool {
        let pair = TokenPair { access: old.access.clone(), refresh };
        let answered = Instant::now();
        let (stored, durable) = self.persist_pair(&pair).await;
        if let Some(durable) = durable {
            self.engine.inner.metrics.record_persist(durable.duration_since(answered));
        }
        let now = self.engine.now_for(conn);
        // The old access token is dead at Zoom (one live access token per user and app): due now.
        let _ = self
            .set_state(move |c| {
                c.generation += 1;
                c.access_expires_at = now;
                c.handed_out_until = None;
            })
            .await;
        stored.is_ok()
    }

    async fn after_rotation(&self, conn: &Connection, old: &TokenPair, tokens: TokenSet) -> std::result::Result<Connection, ZoomFailure> {
        let id = self.id.as_str();
        let pair = TokenPair { access: tokens.access.clone(), refresh: tokens.refresh.clone().unwrap_or_else(|| old.refresh.clone()) };
        // The loss window's second leg: Zoom's answer until the new refresh token is durable.
        let answered = Instant::now();
        tracing::debug!(connection = %id, "rotation answered");
        let (persisted, durable) = self.persist_pair(&pair).await;
        if let Some(durable) = durable {
            self.engine.inner.metrics.record_persist(durable.duration_since(answered));
        }
        let api_url = self.engine.accepted_api_url(conn, tokens.api_url.as_deref());
        let expires_at = tokens.expires_at;
        self.keep_granted_scopes(conn, tokens.scopes);
        if let Err(e) = persisted {
            let reason = format!("could not save the new token to the keychain ({}); it is kept in memory and the save is retried", e.message);
            tracing::error!(connection = %id, "{reason}");
            self.record(EventKind::Failed, Some(reason.clone()), Some(StatusReason::KeychainWrite));
            let _ = self
                .set_state(move |c| {
                    c.status = Status::Retrying;
                    c.status_reason = Some(reason);
                    c.reason = Some(StatusReason::KeychainWrite);
                    c.access_expires_at = expires_at;
                    c.api_url = api_url;
                    c.generation += 1;
                    c.handed_out_until = None;
                    // Zoom answered: nothing is failing at Zoom, only the write is pending (its
                    // success then makes the connection Active again, without another rotation).
                    c.next_attempt_at = None;
                    c.consecutive_failures = 0;
                    c.failing_since = None;
                    // The mark stays until the pair is written (`write_pending`): if the app
                    // stops first, Zoom's answer is lost as surely as one that never came.
                })
                .await;
            return Err(e.into());
        }
        // The probe: a light call that proves the new token works (and that the app is still
        // installed: Zoom answers 401 code 124 after an uninstall).
        let probe = self.engine.inner.zoom.users_me(&self.engine.api_url_for(conn, &api_url), &tokens.access).await;
        let now = self.engine.now_for(conn);
        let was_failing = conn.status == Status::Retrying;
        match probe {
            Err(f) if f.class == FailureClass::TokenRefused => {
                let reason = "deauthorized or uninstalled in Zoom".to_string();
                self.record(EventKind::NeedsReconnect, Some(reason.clone()), Some(StatusReason::Deauthorized));
                let shown = reason.clone();
                self.set_state(move |c| {
                    c.status = Status::NeedsReconnect;
                    c.status_reason = Some(shown);
                    c.reason = Some(StatusReason::Deauthorized);
                    c.last_failure_at = Some(now);
                    c.next_attempt_at = None;
                    c.generation += 1;
                    c.access_expires_at = expires_at;
                    c.unanswered_refresh_at = None;
                })
                .await?;
                Err(ZoomFailure {
                    error: EngineError::new(ErrorCode::ZoomInvalidGrant, reason),
                    class: FailureClass::GrantEnded(GrantEnd::Ended),
                    retry_after: None,
                    reason: None,
                })
            }
            probe => {
                if let Err(f) = &probe {
                    // The tokens are fresh and stored; a failed probe is worth a line, not a status.
                    self.record(EventKind::Failed, Some(format!("probe: {}", f.error.message)), None);
                }
                self.record(if was_failing { EventKind::Recovered } else { EventKind::Refreshed }, None, None);
                Ok(self.set_state(move |c| c.succeeded(expires_at, api_url, now)).await?)
            }
        }
    }

    /// What a failed rotation means for the connection (docs/zoom.md, Errors). `unanswered`:
    /// when a refresh was sent whose answer is still missing (`Connection::unanswered_refresh_at`).
    async fn after_failure(&self, conn: &Connection, failure: ZoomFailure, unanswered: Option<i64>) -> ZoomFailure {
        if failure.error.code == ErrorCode::ShuttingDown {
            return failure;
        }
        let now = self.engine.now_for(conn);
        let e = &failure.error;
        let failures = conn.consecutive_failures + 1;
        let since = conn.failing_since.unwrap_or(now);
        let gave_up = failure.class == FailureClass::Ambiguous && failures >= AMBIGUOUS_ATTEMPTS && now - since >= AMBIGUOUS_SPAN;
        let (code, zoom) = (e.code, failure.reason);
        // Zoom answers an expired refresh token as any dead one (docs/zoom.md, Tokens): only its
        // age can tell, and then it is worded as expired, not as deauthorized.
        let expired_days = (failure.class == FailureClass::GrantEnded(GrantEnd::Ended) && zoom == Some(crate::zoom_answers::ZoomReason::GrantGone))
            .then(|| conn.refresh_expiry_days(now))
            .flatten();
        // Old enough to have expired says that first; otherwise a dead token after a refresh
        // whose answer is missing is most likely that answer lost.
        let answer_lost = unanswered.filter(|_| lost_token(&failure) && expired_days.is_none());
        let ends = match failure.class {
            _ if answer_lost.is_some() => {
                let at = answer_lost.unwrap_or_default();
                Some((
                    false,
                    "Zoom no longer accepts the refresh token: most likely it replaced it in a refresh whose answer was lost before the app could keep it"
                        .to_string(),
                    StatusReason::AnswerLost { at },
                ))
            }
            _ if expired_days.is_some() => {
                let days = expired_days.unwrap_or_default();
                Some((
                    false,
                    format!("the refresh token expired ({days} days old) or was deauthorized in Zoom: {}", e.message),
                    StatusReason::RefreshExpired { days },
                ))
            }
            FailureClass::GrantEnded(GrantEnd::Superseded) => Some((true, e.message.clone(), StatusReason::Superseded)),
            FailureClass::GrantEnded(_) | FailureClass::Refused => Some((false, e.message.clone(), StatusReason::Refused { error: code, zoom })),
            _ if gave_up => {
                let hours = (now - since) / 3600;
                Some((
                    false,
                    format!("Zoom has refused every refresh for {hours} hours ({failures} attempts); last answer: {}", e.message),
                    StatusReason::GaveUp { hours, attempts: failures },
                ))
            }
            _ => None,
        };
        if let Some((superseded, reason, why)) = ends {
            self.record(if superseded { EventKind::Superseded } else { EventKind::NeedsReconnect }, Some(reason.clone()), Some(why.clone()));
            let _ = self
                .set_state(move |c| {
                    c.status = if superseded { Status::Superseded } else { Status::NeedsReconnect };
                    c.status_reason = Some(reason);
                    c.reason = Some(why);
                    c.last_failure_at = Some(now);
                    c.next_attempt_at = None;
                    c.unanswered_refresh_at = unanswered;
                })
                .await;
            return failure;
        }
        let wait = crate::keepalive::backoff(failures, failure.retry_after.map(|r| r.wait));
        let mut reason = format!("{} (attempt {failures}; next in {wait} s)", e.message);
        let mut why = StatusReason::Failing { error: code, zoom, attempt: failures };
        if failure.retry_after.is_some_and(|r| r.capped) {
            reason = format!("{}; Zoom asked to wait longer than an hour, the app tries again after an hour (attempt {failures})", e.message);
            why = StatusReason::WaitCapped { error: code, attempt: failures };
            self.engine.emit(EngineEvent::Attention {
                connection_id: conn.id.clone(),
                nickname: conn.nickname.clone(),
                message: reason.clone(),
                why: Some(why.clone()),
            });
        }
        self.record(EventKind::Failed, Some(reason.clone()), Some(why.clone()));
        let _ = self
            .set_state(move |c| {
                c.status = Status::Retrying;
                c.status_reason = Some(reason);
                c.reason = Some(why);
                c.last_failure_at = Some(now);
                c.consecutive_failures = failures;
                c.failing_since = Some(since);
                c.next_attempt_at = Some(now + wait);
                c.unanswered_refresh_at = unanswered;
            })
            .await;
        failure
    }
}

/// Zoom's refusal of a refresh token as dead (`invalid_grant` with no more precise reason): after
/// a lost answer, the token Zoom rotated away.
fn lost_token(failure: &ZoomFailure) -> bool {
    failure.class == FailureClass::GrantEnded(GrantEnd::Ended) && matches!(failure.reason, Some(crate::zoom_answers::ZoomReason::GrantGone) | None)
}

/// A failed answer's error, for the timeline.
fn answer_error(answer: &crate::zoom_answers::TokenAnswer) -> String {
    answer.tokens.as_ref().err().map(|f| f.error.message.clone()).unwrap_or_default()
}
