//! The keepalive scheduler. Every tick (about 30 s) compares each connection's wall-clock expiry
//! with the wall clock — tokio's timers pause while a laptop sleeps, the wall clock does not — and
//! refreshes those within the margin, a bounded number at a time. A jump of the wall clock
//! (sleep, resume, a clock change) is noticed at the next tick and logged; the sweep then finds
//! every connection that expired meanwhile.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use serde::Serialize;
use tokio::sync::Semaphore;

use crate::engine::{lock, Engine};
use crate::tokens::{Refreshed, Want};
use crate::zoom::FailureClass;

pub const DEFAULT_TICK: Duration = Duration::from_secs(30);
/// Refreshes in flight at once across connections (Zoom's per-account QPS is shared).
pub const DEFAULT_CONCURRENCY: usize = 4;
/// A wall-clock step larger than this beyond what the monotonic clock saw counts as a jump.
const JUMP_THRESHOLD: i64 = 90;
/// Backoff of transient failures: 30 s doubling, at most 5 minutes, ±20 % jitter.
const BACKOFF_BASE: i64 = 30;
const BACKOFF_MAX: i64 = 5 * 60;

/// The delay before attempt `failures + 1`. Zoom's `Retry-After` (already bounded by
/// `retry_after::RETRY_AFTER_CEILING`) is a floor, never shortened by jitter.
pub fn backoff(failures: u32, retry_after: Option<Duration>) -> i64 {
    let exp = BACKOFF_BASE.saturating_mul(1i64 << failures.saturating_sub(1).min(10)).min(BACKOFF_MAX);
    let jitter = rand::rng().random_range(-(exp / 5)..=(exp / 5));
    let wait = (exp + jitter).max(1);
    retry_after.map_or(wait, |r| wait.max(i64::try_from(r.as_secs()).unwrap_or(i64::MAX)))
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SweepReport {
    /// The wall clock jumped since the previous tick.
    pub clock_jump_secs: Option<i64>,
    pub refreshed: usize,
    pub failed: usize,
    /// Connections that need the user (left alone).
    pub needing_user: usize,
}

/// Where the previous tick left the clocks.
#[derive(Default)]
pub struct TickState {
    last: Option<(Instant, i64)>,
}

/// The loss window of rotations, in its two legs: the refresh request in flight (Zoom rotates
/// when it answers, whether or not the answer arrives), then Zoom's answer until the new refresh
/// token is in the keychain.
#[derive(Default)]
pub struct Metrics {
    request: std::sync::Mutex<Leg>,
    persist: std::sync::Mutex<Leg>,
    /// Scheduler wake-ups, for the idle-cost benchmark.
    pub ticks: std::sync::atomic::AtomicU64,
}

#[derive(Default, Clone, Copy)]
struct Leg {
    count: u64,
    max: Duration,
    total: Duration,
}

impl Leg {
    fn add(&mut self, d: Duration) {
        self.count += 1;
        self.max = self.max.max(d);
        self.total += d;
    }
    fn mean_micros(&self) -> u128 {
        if self.count == 0 {
            0
        } else {
            self.total.as_micros() / self.count as u128
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct PersistStats {
    pub rotations: u64,
    /// Zoom's answer -> the new refresh token in the keychain.
    pub max_micros: u128,
    pub mean_micros: u128,
    /// The refresh request in flight.
    pub request_max_micros: u128,
    pub request_mean_micros: u128,
}

impl Metrics {
    pub fn record_request(&self, d: Duration) {
        lock(&self.request).add(d);
    }
    pub fn record_persist(&self, d: Duration) {
        lock(&self.persist).add(d);
    }
    pub fn persist_stats(&self) -> PersistStats {
        let (r, p) = (*lock(&self.request), *lock(&self.persist));
        PersistStats {
            rotations: p.count,
            max_micros: p.max.as_micros(),
            mean_micros: p.mean_micros(),
            request_max_micros: r.max.as_micros(),
            request_mean_micros: r.mean_micros(),
        }
    }
}

impl Engine {
    /// One keepalive tick: notices a clock jump, retries unsaved tokens, refreshes what is due.
    pub async fn tick(&self, state: &mut TickState, concurrency: usize) -> SweepReport {
        self.inner.metrics.ticks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let wall = self.now();
        let mono = Instant::now();
        let jump = state.last.and_then(|(m, w)| {
            let drift = (wall - w) - mono.duration_since(m).as_secs() as i64;
            (drift.abs() > JUMP_THRESHOLD).then_some(drift)
        });
        state.last = Some((mono, wall));
        if let Some(secs) = jump {
            tracing::info!(secs, "the wall clock jumped (sleep, resume or a clock change): sweeping now");
        }
        let mut report = self.sweep(concurrency).await;
        report.clock_jump_secs = jump;
        report
    }

    /// Refreshes every connection that is due: within the margin of its expiry, or past its
    /// retry time, or with rotated tokens still to be written to the keychain. Connections that
    /// need the user are left alone. Each is decided again under its locks (tokens.rs).
    pub async fn sweep(&self, concurrency: usize) -> SweepReport {
        self.reload();
        let margin = self.settings().refresh_margin_secs;
        let mut report = SweepReport::default();
        let mut due = Vec::new();
        for c in self.connections() {
            let now = self.now_for(&c);
            match c.next_keepalive_at(margin) {
                // Server-to-Server tokens are minted on demand: nothing to keep alive.
                None if c.is_s2s() && !c.needs_user() => {}
                None => report.needing_user += 1,
                Some(at) if at <= now || self.has_pending(&c.id) => due.push(c.id),
                Some(_) => {}
            }
        }
        let permits = Arc::new(Semaphore::new(concurrency.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for id in due {
            let engine = self.clone();
            let permits = permits.clone();
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                engine.refresh(&id, Want::Due { margin }).await
            });
        }
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok(Ok((_, Refreshed::Rotated))) => report.refreshed += 1,
                Ok(Ok((_, Refreshed::NotDue))) => {}
                Ok(Err(_)) | Err(_) => report.failed += 1,
            }
        }
        report
    }

    /// "Run keepalive now": refreshes what is due and probes every other connection with its
    /// current token, so that a grant ended in Zoom (an uninstall, a newer connection elsewhere)
    /// shows at once instead of at the next refresh.
    pub async fn check_now(&self, concurrency: usize) -> SweepReport {
        let mut report = self.sweep(concurrency).await;
        let margin = self.settings().refresh_margin_secs;
        let permits = Arc::new(Semaphore::new(concurrency.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for c in self.connections() {
            if c.needs_user() || c.next_keepalive_at(margin).is_some_and(|at| at <= self.now_for(&c)) {
                continue;
            }
            let engine = self.clone();
            let permits = permits.clone();
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                let Some((access, generation)) = engine.peek(&c.id).await else { return false };
                // Server-to-Server: only while its token lives (a probe must not mint).
                if c.is_s2s() && c.access_expires_at <= engine.now_for(&c) {
                    return false;
                }
                match engine.probe(&c, &access).await {
                    // The token was refused: a refresh tells a dead grant from a dead token.
                    Err(f) if f.class == FailureClass::TokenRefused => engine.refresh(&c.id, Want::Replace { generation }).await.is_err(),
                    _ => false,
                }
            });
        }
        while let Some(done) = tasks.join_next().await {
            if matches!(done, Ok(true)) {
                report.failed += 1;
            }
        }
        report
    }

    /// The scheduler: ticks for as long as the future is polled (the app's lifetime).
    pub async fn run_keepalive(&self, tick: Duration, concurrency: usize) {
        let mut state = TickState::default();
        let mut interval = tokio::time::interval(tick);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            let report = self.tick(&mut state, concurrency).await;
            if report.refreshed + report.failed > 0 {
                tracing::info!(refreshed = report.refreshed, failed = report.failed, "keepalive sweep");
            }
        }
    }

    pub fn persist_stats(&self) -> PersistStats {
        self.inner.metrics.persist_stats()
    }

    /// How many times the scheduler has woken up.
    pub fn ticks(&self) -> u64 {
        self.inner.metrics.ticks.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn history(&self, id: &str) -> Vec<crate::history::HistoryEvent> {
        self.inner.history.read(id, self.now())
    }
}
