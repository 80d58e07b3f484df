//! How long an answer asks the app to wait before it calls again (docs/zoom.md, Rate limits):
//! `Retry-After` in every form seen, `X-RateLimit-Reset` (undocumented by Zoom), and a spent
//! daily limit; never longer than `RETRY_AFTER_CEILING` at a time.

use std::time::Duration;

/// What a `Retry-After` header asked for, bounded (docs/zoom.md, Rate limits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter {
    pub wait: Duration,
    /// Zoom asked for longer than `RETRY_AFTER_CEILING`: the wait was cut to it.
    pub capped: bool,
}

/// The longest a `Retry-After` may park a connection: a daily-limit answer names the next
/// midnight UTC, and a hostile one any time at all.
pub const RETRY_AFTER_CEILING: Duration = Duration::from_secs(3600);

/// `Retry-After` in any form Zoom or a proxy sends: delay-seconds or an HTTP-date
/// (RFC 9110 §10.2.3), or the ISO-8601 timestamp of Zoom's daily limit (`2020-05-31T00:00:00Z`).
/// A time in the past is no wait; anything unreadable is as if absent. `now` is Unix seconds.
pub fn parse_retry_after(value: &str, now: i64) -> Option<RetryAfter> {
    let value = value.trim();
    let secs: u64 = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Saturates instead of overflowing for absurd values.
        value.parse().unwrap_or(u64::MAX)
    } else {
        let at = chrono::DateTime::parse_from_rfc3339(value).or_else(|_| chrono::DateTime::parse_from_rfc2822(value)).ok()?.timestamp();
        u64::try_from(at.saturating_sub(now)).unwrap_or(0)
    };
    Some(bounded(secs))
}

/// A wait of `secs`, cut to `RETRY_AFTER_CEILING`.
fn bounded(secs: u64) -> RetryAfter {
    let ceiling = RETRY_AFTER_CEILING.as_secs();
    RetryAfter { wait: Duration::from_secs(secs.min(ceiling)), capped: secs > ceiling }
}

/// `X-RateLimit-Reset`, which Zoom does not document (docs/zoom.md, Rate limits), read every way
/// it is seen: Unix seconds (any number past the year 2001), else seconds to wait, else a date.
pub fn parse_rate_limit_reset(value: &str, now: i64) -> Option<RetryAfter> {
    let value = value.trim();
    match value.parse::<u64>() {
        Ok(epoch) if epoch >= 1_000_000_000 => Some(bounded(u64::try_from(i64::try_from(epoch).unwrap_or(i64::MAX).saturating_sub(now)).unwrap_or(0))),
        _ => parse_retry_after(value, now),
    }
}

/// How long an answer asks to wait, from its headers (docs/zoom.md, Rate limits): `Retry-After`;
/// else `X-RateLimit-Reset`; else, for a 429 of the daily limit (`X-RateLimit-Type:
/// Daily-limit`) that names no time, the next midnight UTC, when Zoom's daily counts start
/// again ("You may resume these requests at GMT 00:00:00", staff, devforum thread 18928).
pub fn rate_limit_wait<'a>(header: impl Fn(&str) -> Option<&'a str>, now: i64) -> Option<RetryAfter> {
    if let Some(wait) = header("retry-after").and_then(|v| parse_retry_after(v, now)) {
        return Some(wait);
    }
    if let Some(wait) = header("x-ratelimit-reset").and_then(|v| parse_rate_limit_reset(v, now)) {
        return Some(wait);
    }
    let daily = header("x-ratelimit-type").is_some_and(|t| t.trim().eq_ignore_ascii_case("daily-limit"));
    let spent = header("x-ratelimit-remaining").is_none_or(|r| r.trim() == "0");
    let midnight = (now.div_euclid(86_400) + 1) * 86_400;
    (daily && spent).then(|| bounded(u64::try_from(midnight - now).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_http_date_and_iso_8601_with_a_ceiling() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-30T23:00:00Z").unwrap().timestamp();
        assert_eq!(parse_retry_after("120", now), Some(RetryAfter { wait: Duration::from_secs(120), capped: false }));
        let daily = parse_retry_after("2026-12-01T00:00:00Z", now).unwrap();
        assert_eq!(daily, RetryAfter { wait: Duration::from_secs(3600), capped: false });
        let http_date = parse_retry_after("Mon, 30 Nov 2026 23:10:00 GMT", now).unwrap();
        assert_eq!(http_date.wait, Duration::from_secs(600));
        let far = parse_retry_after("99999999999999999999999", now).unwrap();
        assert_eq!(far, RetryAfter { wait: RETRY_AFTER_CEILING, capped: true });
        assert_eq!(parse_retry_after("2026-11-30T22:00:00Z", now).unwrap().wait, Duration::ZERO);
        assert_eq!(parse_retry_after("soon", now), None);
        // The headers in order: Retry-After, X-RateLimit-Reset, then a spent daily limit.
        let headers = |pairs: &'static [(&'static str, &'static str)]| move |name: &str| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        assert_eq!(rate_limit_wait(headers(&[("retry-after", "5"), ("x-ratelimit-reset", "9")]), now).unwrap().wait, Duration::from_secs(5));
        assert_eq!(rate_limit_wait(headers(&[("x-ratelimit-reset", "9")]), now).unwrap().wait, Duration::from_secs(9));
        let daily = rate_limit_wait(headers(&[("x-ratelimit-type", "Daily-limit"), ("x-ratelimit-remaining", "0")]), now).unwrap();
        assert_eq!(daily, RetryAfter { wait: Duration::from_secs(3600), capped: false }, "now is 23:00 UTC: midnight is an hour away");
        assert_eq!(rate_limit_wait(headers(&[("x-ratelimit-type", "QPS"), ("x-ratelimit-remaining", "0")]), now), None, "a per-second limit: backoff");
        assert_eq!(rate_limit_wait(headers(&[]), now), None);
        // X-RateLimit-Reset: Unix seconds, seconds to wait, or a date.
        assert_eq!(parse_rate_limit_reset(&(now + 2).to_string(), now).unwrap().wait, Duration::from_secs(2));
        assert_eq!(parse_rate_limit_reset("3", now).unwrap().wait, Duration::from_secs(3));
        assert_eq!(parse_rate_limit_reset("2026-12-01T00:00:00Z", now).unwrap().wait, Duration::from_secs(3600));
        assert_eq!(parse_rate_limit_reset(&(now - 5).to_string(), now).unwrap().wait, Duration::ZERO);
    }
}
