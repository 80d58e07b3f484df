//! The sandbox's own clock: the wall clock plus an offset that tests advance, so that codes and
//! tokens expire without anyone sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// How far ahead of the wall clock the sandbox's clock may be, in all (ten years): further would
/// overflow somebody's arithmetic. The control API refuses a step past it, and a saved offset
/// is read back within it.
pub const MAX_OFFSET: i64 = 10 * 365 * 24 * 3600;

#[derive(Debug, Default)]
pub struct Clock {
    offset_secs: AtomicI64,
}

impl Clock {
    /// Seconds since the Unix epoch, as the sandbox sees them.
    pub fn now(&self) -> i64 {
        let real = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        real + self.offset_secs.load(Ordering::SeqCst)
    }

    pub fn advance(&self, secs: i64) {
        self.offset_secs.fetch_add(secs, Ordering::SeqCst);
    }

    /// Moves the clock forward by `secs` unless that would take it past `MAX_OFFSET` in all:
    /// checked and moved in one step, so two steps at once cannot both pass.
    pub fn advance_within_bound(&self, secs: i64) -> bool {
        secs >= 0 && self.offset_secs.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |o| o.checked_add(secs).filter(|n| *n <= MAX_OFFSET)).is_ok()
    }

    pub fn offset(&self) -> i64 {
        self.offset_secs.load(Ordering::SeqCst)
    }

    pub fn reset(&self) {
        self.offset_secs.store(0, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::Clock;

    #[test]
    fn advancing_moves_now_forward() {
        let clock = Clock::default();
        let before = clock.now();
        clock.advance(3600);
        assert!(clock.now() >= before + 3600);
        clock.reset();
        assert!(clock.now() < before + 3600);
    }
}
