//! The client's side of Zoom's rate limits (docs/zoom.md, Rate limits): per account and
//! category, shared by every app on the account, so by every connection of this process to that
//! account, the proxy's calls included. Calls are spaced evenly at a pace below the limit; a 429
//! slows the pace (multiplicatively) and holds the category until Zoom's wait is over, and every
//! calm second brings it back up (additively) towards the limit Zoom named in
//! `X-RateLimit-Limit`, or the highest plan's while Zoom has named none. The same
//! additive-increase, multiplicative-decrease rule TCP uses: several clients sharing an account
//! settle on shares of it without talking to each other.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::categories::Category;
use crate::engine::lock;

/// Below Zoom's limit by this much: requests spaced at exactly the limit cross it whenever the
/// network bunches two of them into one of Zoom's seconds.
const MARGIN: f64 = 0.95;
/// A 429 multiplies the pace by this.
const SLOW_DOWN: f64 = 0.9;
/// Each calm second adds this share of the pace (at least half a request per second).
const SPEED_UP: f64 = 0.03;
/// Never slower than this many requests per second.
const FLOOR: f64 = 0.5;

#[derive(Debug)]
struct Pace {
    /// Requests per second sent now.
    rate: f64,
    /// The most it goes to.
    ceiling: f64,
    /// Zoom named the account's limit.
    known: bool,
    /// The earliest moment for the next request.
    next: Instant,
    /// Since when nothing was refused (or the pace last rose).
    calm_since: Instant,
}

impl Pace {
    fn new(category: Category, now: Instant) -> Self {
        Self { rate: category.pro_limit() * MARGIN, ceiling: category.max_limit() * MARGIN, known: false, next: now, calm_since: now }
    }
}

/// What the limiter knows of one account's category, for tests and the window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PaceNow {
    pub per_second: f64,
    pub limit_known: Option<f64>,
}

#[derive(Default)]
pub struct RateLimits {
    paces: Mutex<HashMap<(String, Category), Pace>>,
    /// Endpoints whose 429 named another category than `categories::category` gave.
    learned: Mutex<HashMap<String, Category>>,
    /// 429s per second Zoom answered, all waited out (for `make bench` and the log).
    refusals: std::sync::atomic::AtomicU64,
}

impl RateLimits {
    /// The category to count `method path` against: what Zoom said of it, else the table's.
    pub fn category(&self, method: &str, path: &str) -> Category {
        let key = format!("{} {}", method.to_ascii_uppercase(), super::categories::template(path));
        lock(&self.learned).get(&key).copied().unwrap_or_else(|| super::categories::category(method, path))
    }

    /// Zoom's 429 named the category of `method path`.
    pub fn learn(&self, method: &str, path: &str, category: Category) {
        let key = format!("{} {}", method.to_ascii_uppercase(), super::categories::template(path));
        lock(&self.learned).insert(key, category);
    }

    /// Waits for this call's turn in the account's category.
    pub async fn turn(&self, account: &str, category: Category) {
        let at = {
            let mut paces = lock(&self.paces);
            let now = Instant::now();
            let pace = paces.entry((account.to_string(), category)).or_insert_with(|| Pace::new(category, now));
            let slot = pace.next.max(now);
            pace.next = slot + Duration::from_secs_f64(1.0 / pace.rate);
            slot
        };
        tokio::time::sleep_until(at).await;
    }

    /// Zoom answered without a 429: a calm second raises the pace.
    pub fn answered(&self, account: &str, category: Category) {
        let mut paces = lock(&self.paces);
        let now = Instant::now();
        let pace = paces.entry((account.to_string(), category)).or_insert_with(|| Pace::new(category, now));
        if now.duration_since(pace.calm_since) >= Duration::from_secs(1) {
            pace.rate = (pace.rate + (pace.rate * SPEED_UP).max(0.5)).min(pace.ceiling);
            pace.calm_since = now;
        }
    }

    /// Zoom answered 429 per second: slower, and, when Zoom said how long to wait
    /// (`Retry-After`, `X-RateLimit-Reset`), nothing more in this category until then. Without
    /// such a header only the refused call waits (`call.rs`): holding every call for a guessed
    /// second wasted the next second's budget each time (`make bench`, Bulk runs).
    /// `limit`: the account's limit if Zoom named it (`X-RateLimit-Limit`).
    pub fn refused(&self, account: &str, category: Category, limit: Option<u32>, hold: Option<Duration>) {
        self.refusals.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut paces = lock(&self.paces);
        let now = Instant::now();
        let pace = paces.entry((account.to_string(), category)).or_insert_with(|| Pace::new(category, now));
        if let Some(limit) = limit.filter(|l| *l > 0) {
            pace.ceiling = f64::from(limit) * MARGIN;
            pace.known = true;
        }
        // Several calls refused in the same second slow the pace once.
        if now.duration_since(pace.calm_since) >= Duration::from_millis(200) || pace.rate > pace.ceiling {
            pace.rate = (pace.rate * SLOW_DOWN).min(pace.ceiling).max(FLOOR);
        }
        pace.calm_since = now;
        if let Some(hold) = hold {
            pace.next = pace.next.max(now + hold);
        }
    }

    /// How many 429s per second this process waited out so far.
    pub fn refusals(&self) -> u64 {
        self.refusals.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn pace(&self, account: &str, category: Category) -> Option<PaceNow> {
        lock(&self.paces).get(&(account.to_string(), category)).map(|p| PaceNow { per_second: p.rate, limit_known: p.known.then_some(p.ceiling / MARGIN) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn calls_are_spaced_at_the_pace_and_a_refusal_slows_and_holds_them() {
        let limits = RateLimits::default();
        let start = Instant::now();
        for _ in 0..29 {
            limits.turn("a", Category::Light).await;
        }
        // 28.5 a second from the start: the 29th call goes out just under a second later.
        let took = start.elapsed().as_secs_f64();
        assert!((0.95..1.0).contains(&took), "{took}");
        limits.refused("a", Category::Light, Some(20), Some(Duration::from_secs(1)));
        let pace = limits.pace("a", Category::Light).unwrap();
        assert_eq!(pace.limit_known, Some(20.0));
        assert!(pace.per_second <= 19.0 + 1e-9, "{pace:?}");
        let before = Instant::now();
        limits.turn("a", Category::Light).await;
        assert!(before.elapsed() >= Duration::from_millis(990), "held for Zoom's wait");
        // Without a wait from Zoom, the category is only slowed, not held.
        limits.refused("a", Category::Light, None, None);
        let before = Instant::now();
        limits.turn("a", Category::Light).await;
        assert!(before.elapsed() < Duration::from_millis(100), "{:?}", before.elapsed());
        // Another account and another category are not held.
        let before = Instant::now();
        limits.turn("b", Category::Light).await;
        limits.turn("a", Category::Medium).await;
        assert!(before.elapsed() < Duration::from_millis(10));
    }

    #[tokio::test(start_paused = true)]
    async fn calm_seconds_bring_the_pace_back_up_to_zooms_limit_and_no_further() {
        let limits = RateLimits::default();
        limits.refused("a", Category::Light, Some(30), None);
        for _ in 0..200 {
            tokio::time::advance(Duration::from_millis(1001)).await;
            limits.answered("a", Category::Light);
        }
        let pace = limits.pace("a", Category::Light).unwrap();
        assert!((pace.per_second - 28.5).abs() < 1e-9, "{pace:?}");
    }

    #[test]
    fn a_429_naming_another_category_is_remembered_for_that_endpoint() {
        let limits = RateLimits::default();
        assert_eq!(limits.category("GET", "v2/users/x"), Category::Light);
        limits.learn("GET", "v2/users/y", Category::Heavy);
        assert_eq!(limits.category("GET", "v2/users/x"), Category::Heavy);
        assert_eq!(limits.category("PATCH", "v2/users/x"), Category::Light);
    }
}
