//! The sandbox's own clock: the wall clock plus an offset that tests advance, so that codes and
//! tokens expire without anyone sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

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
