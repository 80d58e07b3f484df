//! Zoom's rate limits: per account (shared by every app on it), per category of endpoint, per
//! real second; and, when set, per UTC day of the sandbox's clock (docs/zoom.md, Rate limits).

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::state::Inner;

/// An endpoint's rate-limit category, as Zoom's API reference labels each one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Category {
    Light,
    Medium,
    Heavy,
}

impl Category {
    pub fn name(self) -> &'static str {
        match self {
            Category::Light => "Light",
            Category::Medium => "Medium",
            Category::Heavy => "Heavy",
        }
    }
}

/// Requests per second of a plan's category (docs/zoom.md, Rate limits): Free 4/2/1, Pro
/// 30/20/10, Business and above 80/60/40.
pub fn plan_limit(plan: &str, category: Category) -> u32 {
    let (light, medium, heavy) = match plan {
        "free" | "basic" => (4, 2, 1),
        "pro" => (30, 20, 10),
        _ => (80, 60, 40),
    };
    match category {
        Category::Light => light,
        Category::Medium => medium,
        Category::Heavy => heavy,
    }
}

/// Counts a request of `account` in `category`, or answers Zoom's 429 when the account's budget
/// of this second (or day) is spent.
pub fn admit(inner: &mut Inner, account_id: &str, category: Category, now: i64) -> Result<(), Response> {
    let Some(account) = inner.seed.account(account_id) else { return Ok(()) };
    let limit = account.qps_limit.unwrap_or_else(|| plan_limit(&account.plan, category));
    let daily = account.daily_limit;
    // Rate limits are real requests per real second, whatever the sandbox clock says.
    let second = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let window = inner.rate_windows.entry((account_id.to_string(), category)).or_insert((second, 0));
    if window.0 != second {
        *window = (second, 0);
    }
    if window.1 >= limit {
        // Zoom's per-second answers may carry no Retry-After (docs/zoom.md, Rate limits).
        return Err(rate_limited(category, limit, None));
    }
    window.1 += 1;
    if let Some(daily) = daily {
        let day = now.div_euclid(86_400);
        let window = inner.daily_windows.entry(account_id.to_string()).or_insert((day, 0));
        if window.0 != day {
            *window = (day, 0);
        }
        if window.1 >= daily {
            return Err(daily_limited(category, now));
        }
        window.1 += 1;
    }
    Ok(())
}

/// HTTP 429 per second, as Zoom sends it: `Retry-After` only when given.
pub fn rate_limited(category: Category, limit: u32, retry_after: Option<u64>) -> Response {
    let mut res = (
        StatusCode::TOO_MANY_REQUESTS,
        axum::Json(serde_json::json!({
            "code": 429,
            "message": "You have reached the maximum per-second rate limit for this API. Try again later."
        })),
    )
        .into_response();
    let headers = res.headers_mut();
    headers.insert("X-RateLimit-Category", HeaderValue::from_static(category.name()));
    headers.insert("X-RateLimit-Type", HeaderValue::from_static("QPS"));
    headers.insert("X-RateLimit-Limit", HeaderValue::from(limit));
    headers.insert("X-RateLimit-Remaining", HeaderValue::from(0));
    if let Some(secs) = retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    res
}

/// HTTP 429 of the daily limit: `Retry-After` names the next midnight UTC (`now` in Unix seconds).
pub fn daily_limited(category: Category, now: i64) -> Response {
    let mut res = (
        StatusCode::TOO_MANY_REQUESTS,
        axum::Json(serde_json::json!({
            "code": 429,
            "message": "You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request."
        })),
    )
        .into_response();
    let midnight = (now.div_euclid(86_400) + 1) * 86_400;
    let stamp = crate::faults::iso8601(midnight);
    let headers = res.headers_mut();
    headers.insert("X-RateLimit-Category", HeaderValue::from_static(category.name()));
    headers.insert("X-RateLimit-Type", HeaderValue::from_static("Daily-limit"));
    headers.insert("X-RateLimit-Remaining", HeaderValue::from(0));
    if let Ok(v) = HeaderValue::from_str(&stamp) {
        headers.insert(header::RETRY_AFTER, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_plan_has_its_three_limits() {
        assert_eq!([Category::Light, Category::Medium, Category::Heavy].map(|c| plan_limit("free", c)), [4, 2, 1]);
        assert_eq!([Category::Light, Category::Medium, Category::Heavy].map(|c| plan_limit("pro", c)), [30, 20, 10]);
        assert_eq!([Category::Light, Category::Medium, Category::Heavy].map(|c| plan_limit("business", c)), [80, 60, 40]);
        assert_eq!(plan_limit("enterprise", Category::Heavy), 40);
    }
}
