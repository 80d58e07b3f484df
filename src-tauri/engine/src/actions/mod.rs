//! The connector's actions on a connection (docs/zoom.md, Users, Groups, SCIM 2; docs/cli.md,
//! Users and groups): what a connection exists for. Users — list every page, search, read,
//! create, update, activate, deactivate, delete; groups — list, read, members, add, remove; and
//! any call to Zoom's REST or SCIM API (the Custom API Action).
//!
//! - `call.rs`: one call on a connection — its cached token, the account's pace, a refused
//!   token replaced once, 429s per second waited out. The broker's proxy sends through it too.
//! - `limiter.rs` and `categories.rs`: Zoom's rate limits per account and category, kept.
//! - `transport.rs`: where a call goes — straight to Zoom from this process (`Direct`), or
//!   through the running app's broker (`broker::client::Proxied`), so that the process that
//!   rotates a connection's tokens and paces its account makes every call.
//! - `route.rs`: REST or SCIM for each action, from the scopes the connection was granted, and
//!   what is missing when neither is.
//! - `users.rs`, `groups.rs`: the actions, with Zoom's pagination and its answers read into
//!   `ZoomUser` (`user.rs`) and `ZoomGroup` whichever API they came from.
//! - `answers.rs`: Zoom's error answers as the engine's errors.
//! - `plan.rs`, `bulk.rs`, `journal.rs`: one action for many users — planned, run at the
//!   account's pace, journaled so that a run cut off anywhere resumes exactly, and undone.

pub(crate) mod answers;
pub mod bulk;
pub mod call;
pub mod categories;
pub mod groups;
pub mod journal;
pub mod limiter;
pub mod plan;
pub mod route;
pub mod transport;
pub mod user;
pub mod users;

pub use categories::Category;
pub use limiter::RateLimits;
pub use reqwest::Method;
pub use route::Via;
pub use transport::{Direct, Reply, Transport};

/// A connection's actions, over a transport, for the scopes it was granted.
pub struct Actions<T: Transport> {
    transport: T,
    scopes: Vec<String>,
}

impl<T: Transport> Actions<T> {
    pub fn new(transport: T, granted_scopes: Vec<String>) -> Self {
        Self { transport, scopes: granted_scopes }
    }

    /// Any call (the Custom API Action): `path` under the API host (`v2/…` or `scim2/…`).
    pub async fn api(&self, method: reqwest::Method, path: &str, body: Option<serde_json::Value>) -> crate::error::Result<Reply> {
        let path = path.trim_start_matches('/');
        if !(path.starts_with("v2/") || path.starts_with("scim2/")) {
            return Err(crate::error::EngineError::new(crate::error::ErrorCode::InvalidSettings, "The path must start with v2/ (REST) or scim2/ (SCIM)."));
        }
        let content_type = if path.starts_with("scim2/") { "application/scim+json" } else { "application/json" };
        let mut request = call::ApiRequest::new(method, path);
        if let Some(body) = body {
            request = request.json(&body, content_type);
        }
        self.transport.call(request).await
    }
}

/// What this process's pace of an account's category is now (for tests and the window).
pub fn pace(engine: &crate::Engine, account: &str, category: Category) -> Option<limiter::PaceNow> {
    engine.inner.rate_limits.pace(account, category)
}

/// How many of Zoom's 429s per second this process has waited out (none reached a caller).
pub fn refusals(engine: &crate::Engine) -> u64 {
    engine.inner.rate_limits.refusals()
}
