//! What scripts and monitoring see of a connection: the command line's `list --json` and
//! `status --json` and the broker's `GET /v1/connections` share this one shape (docs/cli.md,
//! status and JSON). Never a token. Fields are only ever added within a schema version.

use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::error::{EngineError, ErrorCode, Result};
use crate::model::{Connection, Status};

/// Bumped only when a field changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionSummary {
    pub id: String,
    pub nickname: String,
    /// `user` (a user signed in) or `server_to_server`.
    pub kind: crate::model::ConnectionKind,
    pub org_id: String,
    pub org_name: String,
    pub email: String,
    pub user_id: String,
    pub account_id: String,
    pub role: String,
    pub status: Status,
    /// Why the status is what it is, in English with Zoom's details.
    pub reason: Option<String>,
    /// The same, typed (`{"code": …, …}`: docs/cli.md, status and JSON).
    pub why: Option<crate::reasons::StatusReason>,
    /// Only the user can fix it (Needs reconnect, Superseded).
    pub needs_user: bool,
    /// Unix seconds.
    pub access_expires_at: i64,
    pub last_success_at: Option<i64>,
    pub last_failure_at: Option<i64>,
    /// None when keepalive will not act again until the user reconnects, and for
    /// Server-to-Server connections (their tokens are minted on demand).
    pub next_keepalive_at: Option<i64>,
    pub scopes: Vec<String>,
    /// Unix seconds: when the refresh token may end if Zoom counts about 90 days from the
    /// sign-in (docs/zoom.md, Tokens), once that is less than 14 days away; reconnecting before
    /// starts a new grant. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_may_end_at: Option<i64>,
}

impl Engine {
    pub fn summary(&self, conn: &Connection) -> ConnectionSummary {
        let margin = self.settings().refresh_margin_secs;
        let org_name = self.org(&conn.org_id).map(|o| o.name).unwrap_or_default();
        ConnectionSummary {
            id: conn.id.clone(),
            nickname: conn.nickname.clone(),
            kind: conn.kind,
            org_id: conn.org_id.clone(),
            org_name,
            email: conn.identity.email.clone(),
            user_id: conn.identity.user_id.clone(),
            account_id: conn.identity.account_id.clone(),
            role: conn.identity.role_name.clone(),
            status: conn.status,
            reason: conn.status_reason.clone(),
            why: conn.reason.clone(),
            needs_user: conn.needs_user(),
            access_expires_at: conn.access_expires_at,
            last_success_at: conn.last_success_at,
            last_failure_at: conn.last_failure_at,
            next_keepalive_at: conn.next_keepalive_at(margin),
            scopes: conn.granted_scopes.clone(),
            refresh_may_end_at: conn
                .refresh_may_end_at()
                .filter(|at| conn.status == Status::Active && (0..crate::model::REFRESH_END_WARNING).contains(&(at - self.now_for(conn)))),
        }
    }

    pub fn summaries(&self) -> Vec<ConnectionSummary> {
        self.connections().iter().map(|c| self.summary(c)).collect()
    }

    /// A connection by id, or by nickname (case-insensitive) when that is unambiguous: how the
    /// command line and the broker name connections.
    pub fn find_connection(&self, key: &str) -> Result<Connection> {
        let key = key.trim();
        let all = self.connections();
        if let Some(c) = all.iter().find(|c| c.id == key) {
            return Ok(c.clone());
        }
        let named: Vec<&Connection> = all.iter().filter(|c| c.nickname.to_lowercase() == key.to_lowercase()).collect();
        match named.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(EngineError::new(ErrorCode::NotFound, format!("No connection is called {} (see: zoom-connections list).", quoted(key)))),
            many => Err(EngineError::new(
                ErrorCode::NotFound,
                format!(
                    "{} names {} connections in different orgs; use the id: {}.",
                    quoted(key),
                    many.len(),
                    many.iter().map(|c| c.id.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )),
        }
    }
}

/// A name that matched nothing, as an error shows it: it may come from a cloned repository's
/// file or a script's variable, so it is quoted, its control characters escaped (no terminal
/// escape sequence passes) and its length bounded.
pub fn quoted(name: &str) -> String {
    let escaped: String = name.chars().flat_map(char::escape_debug).take(crate::NICKNAME_MAX * 2).collect();
    let cut = if escaped.chars().count() < name.chars().flat_map(char::escape_debug).count() { "…" } else { "" };
    format!("“{escaped}{cut}”")
}

impl Status {
    /// The status's name in JSON and in `--json` output.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Refreshing => "refreshing",
            Status::Retrying => "retrying",
            Status::NeedsReconnect => "needs_reconnect",
            Status::Superseded => "superseded",
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn unknown_names_are_quoted_escaped_and_bounded() {
        assert_eq!(super::quoted("Prod"), "“Prod”");
        assert_eq!(super::quoted("a\u{1b}]0;x\u{7}"), "“a\\u{1b}]0;x\\u{7}”");
        let long = super::quoted(&"n".repeat(1000));
        assert!(long.chars().count() < 140 && long.ends_with("…”"), "{long}");
    }
}
