//! Connection nicknames: the rule (1–64 characters, no control characters, unique in the org
//! whatever the case), Rename, and the next free one for a sign-in whose name was taken while it
//! ran.

use crate::engine::{lock, Engine};
use crate::error::{EngineError, ErrorCode, Result};
use crate::model::Connection;

pub const NICKNAME_MAX: usize = 64;

fn nickname_error(msg: &str) -> EngineError {
    EngineError::new(ErrorCode::InvalidNickname, msg)
}

/// Whether another connection of `org_id` (not `except`) already has `name`, in any case.
pub(crate) fn taken(connections: &[Connection], org_id: &str, name: &str, except: Option<&str>) -> bool {
    connections.iter().any(|c| c.org_id == org_id && Some(c.id.as_str()) != except && c.nickname.eq_ignore_ascii_case(name))
}

/// `wanted`, or the first of "wanted (2)", "wanted (3)", … that is not `taken`, shortened to
/// stay within NICKNAME_MAX characters.
pub(crate) fn free_nickname(wanted: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(wanted) {
        return wanted.to_string();
    }
    (2..)
        .map(|n| {
            let suffix = format!(" ({n})");
            let head: String = wanted.chars().take(NICKNAME_MAX - suffix.chars().count()).collect();
            format!("{}{suffix}", head.trim_end())
        })
        .find(|candidate| !taken(candidate))
        .unwrap_or_else(|| wanted.to_string())
}

impl Engine {
    /// The nickname as it will be stored: trimmed, 1–64 characters, unique in the org.
    pub fn check_nickname(&self, org_id: &str, nickname: &str, except: Option<&str>) -> Result<String> {
        let name = nickname.trim();
        if name.is_empty() {
            return Err(nickname_error("Enter a connection nickname."));
        }
        if name.chars().count() > NICKNAME_MAX {
            return Err(nickname_error("A nickname can have at most 64 characters."));
        }
        if name.chars().any(char::is_control) {
            return Err(nickname_error("A nickname cannot contain control characters."));
        }
        if taken(&lock(&self.inner.meta).connections, org_id, name, except) {
            return Err(nickname_error("Another connection in this org already has this nickname."));
        }
        Ok(name.to_string())
    }

    /// A new nickname, under the same rules as at New Connection (1–64 characters, unique in
    /// the org), checked again under the list's lock so that two renames cannot both take one
    /// name. Only the nickname changes: tokens, grant and id stay, so scripts that name the
    /// connection by id keep working (those that name it by nickname must follow).
    pub fn rename(&self, id: &str, nickname: &str) -> Result<Connection> {
        let org_id = self.connection(id)?.org_id;
        self.check_nickname(&org_id, nickname, Some(id))?;
        let renamed = self.update_meta(|m| {
            let name = nickname.trim();
            if taken(&m.connections, &org_id, name, Some(id)) {
                return Err(nickname_error("Another connection in this org already has this nickname."));
            }
            let conn = m.connections.iter_mut().find(|c| c.id == id).ok_or_else(|| EngineError::new(ErrorCode::NotFound, "There is no such connection."))?;
            conn.nickname = name.to_string();
            Ok(conn.clone())
        })?;
        self.emit(crate::engine::EngineEvent::ConnectionsChanged);
        Ok(renamed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_nickname_gets_the_next_free_one_within_64_characters() {
        assert_eq!(free_nickname("Prod", |n| n == "Prod"), "Prod (2)");
        assert_eq!(free_nickname("Prod", |n| n == "Prod" || n == "Prod (2)"), "Prod (3)");
        assert_eq!(free_nickname("Prod", |_| false), "Prod");
        let long = "x".repeat(64);
        let got = free_nickname(&long, |n| n == long);
        assert_eq!(got.chars().count(), 64);
        assert!(got.ends_with(" (2)"));
    }
}
