//! What the benches print figures with (benches/scripts.rs, benches/server.rs).
#![allow(dead_code)]

use std::time::Duration;

/// The `p` quantile (0–1) of `samples`, sorting them.
pub fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

/// Milliseconds, two decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}
