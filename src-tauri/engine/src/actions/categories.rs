//! Which of Zoom's rate-limit categories a call counts against (docs/zoom.md, Rate limits: each
//! endpoint's "Rate Limit Label" in Zoom's API reference). A call Zoom answers 429 with another
//! `X-RateLimit-Category` is filed under that one from then on (`RateLimits::learn`).

use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Light,
    Medium,
    Heavy,
}

impl Category {
    /// Zoom's name in `X-RateLimit-Category`.
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "light" => Some(Category::Light),
            "medium" => Some(Category::Medium),
            "heavy" | "resource-intensive" | "resource intensive" => Some(Category::Heavy),
            _ => None,
        }
    }

    /// Requests per second on a Pro account (Free 4/2/1, Pro 30/20/10, Business+ 80/60/40):
    /// where an account's pace starts before Zoom says more.
    pub fn pro_limit(self) -> f64 {
        match self {
            Category::Light => 30.0,
            Category::Medium => 20.0,
            Category::Heavy => 10.0,
        }
    }

    /// The most any plan allows (Business+).
    pub fn max_limit(self) -> f64 {
        match self {
            Category::Light => 80.0,
            Category::Medium => 60.0,
            Category::Heavy => 40.0,
        }
    }
}

/// The path with ids replaced by `{}`, so that one endpoint is one key: `v2/users/{}/status`.
pub fn template(path: &str) -> String {
    let path = path.split('?').next().unwrap_or("").trim_matches('/');
    let parts: Vec<&str> = path.split('/').collect();
    let mut out = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        // Collection names sit at even places after the version (v2/users/ID/status).
        let fixed = i == 0 || i % 2 == 1 || (*part == "me" && i == 2);
        out.push(if fixed { *part } else { "{}" });
    }
    out.join("/")
}

/// The category of `method path` (a path under the API host, `v2/…` or `scim2/…`).
pub fn category(method: &str, path: &str) -> Category {
    let t = template(path);
    let m = method.to_ascii_uppercase();
    match (m.as_str(), t.as_str()) {
        // Lists are Medium; one user, one group and changes to one user are Light.
        ("GET", "v2/users" | "v2/groups" | "v2/groups/{}/members" | "scim2/Users" | "scim2/Groups") => Category::Medium,
        ("POST", "v2/groups/{}/members") => Category::Medium,
        (_, t) if t.starts_with("v2/users") || t.starts_with("v2/groups") || t.starts_with("scim2/") => Category::Light,
        // Reports and dashboards are Heavy at Zoom; anything else unknown is taken as Medium
        // until a 429 names its category.
        (_, t) if t.starts_with("v2/report") || t.starts_with("v2/metrics") => Category::Heavy,
        ("GET", _) => Category::Medium,
        _ => Category::Light,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_have_zooms_labels() {
        assert_eq!(template("v2/users/abc/status"), "v2/users/{}/status");
        assert_eq!(template("/v2/users/me?x=1"), "v2/users/me");
        assert_eq!(template("v2/groups/g1/members/u1"), "v2/groups/{}/members/{}");
        assert_eq!(category("GET", "v2/users?page_size=300"), Category::Medium);
        assert_eq!(category("GET", "v2/users/a@b.c"), Category::Light);
        assert_eq!(category("PUT", "v2/users/x/status"), Category::Light);
        assert_eq!(category("POST", "v2/groups/g/members"), Category::Medium);
        assert_eq!(category("DELETE", "v2/groups/g/members/u"), Category::Light);
        assert_eq!(category("GET", "scim2/Users?startIndex=1"), Category::Medium);
        assert_eq!(category("PATCH", "scim2/Users/u"), Category::Light);
        assert_eq!(category("GET", "v2/report/daily"), Category::Heavy);
        assert_eq!(Category::parse("Resource-intensive"), Some(Category::Heavy));
    }
}
