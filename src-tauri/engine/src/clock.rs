//! Wall-clock time in Unix seconds. Expiry is wall-clock (docs/architecture.md, Keepalive), and a trait so
//! that unit tests can move time without sleeping.

use std::time::{SystemTime, UNIX_EPOCH};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> i64;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
    }
}

#[cfg(any(test, feature = "test-util"))]
pub use fake::FakeClock;

/// Only for tests (feature `test-util`).
#[cfg(any(test, feature = "test-util"))]
mod fake {
    use super::Clock;
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::Arc;

    /// A clock tests set by hand.
    #[derive(Default)]
    pub struct FakeClock(AtomicI64);

    impl FakeClock {
        pub fn at(now: i64) -> Arc<Self> {
            Arc::new(Self(AtomicI64::new(now)))
        }
        pub fn advance(&self, secs: i64) {
            self.0.fetch_add(secs, Ordering::SeqCst);
        }
        pub fn now_secs(&self) -> i64 {
            self.0.load(Ordering::SeqCst)
        }
    }

    impl Clock for FakeClock {
        fn now(&self) -> i64 {
            self.0.load(Ordering::SeqCst)
        }
    }
}
