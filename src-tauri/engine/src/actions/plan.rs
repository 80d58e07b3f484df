//! A bulk run's plan (docs/cli.md, Bulk runs): the users a pasted list or a CSV names, each
//! looked up, and what the action would do to them — change (and what), already so, or left out
//! and why. Nothing changes at Zoom; `bulk.rs` runs what the admin confirmed.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::journal::Target;
use super::transport::Transport;
use super::users::{RemoveMode, UserChanges, UserStatus, ZoomUser};
use super::Actions;
use crate::error::{EngineError, ErrorCode, Result};

/// Up to this many users are looked up one by one; more, by listing the account once.
const LOOKUP_ONE_BY_ONE: usize = 20;
/// The most users a run takes (a list longer than any account is a mistake).
pub const MAX_ROWS: usize = 100_000;

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum BulkAction {
    Activate,
    Deactivate,
    Remove { mode: RemoveMode },
    Update { changes: UserChanges },
    AddToGroup { group_id: String, group_name: String },
}

impl BulkAction {
    /// The action that undoes a finished run of this one, if there is one.
    pub fn undo(&self) -> Option<BulkAction> {
        match self {
            BulkAction::Deactivate => Some(BulkAction::Activate),
            BulkAction::Activate => Some(BulkAction::Deactivate),
            _ => None,
        }
    }

    /// Whether it changes the users' status (what Zoom refuses for admins and invitations).
    fn changes_status(&self) -> bool {
        matches!(self, BulkAction::Activate | BulkAction::Deactivate)
    }
}

/// Why a user is left out.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// The owner or an admin: Zoom refuses their status change and removal (docs/zoom.md, Users).
    Admin,
    /// The connection's own user.
    Yourself,
    /// An invitation not accepted: no status to change (it can be removed).
    Pending,
    /// Named twice in the list: acted on once.
    Duplicate,
    NotFound,
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// `what`: the change, e.g. "active → inactive", "dept: Sales → Legal".
    Change {
        what: String,
    },
    /// Already as asked.
    NoChange,
    Refused {
        why: Refusal,
    },
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedRow {
    pub key: String,
    pub user: Option<ZoomUser>,
    pub verdict: Verdict,
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub action: BulkAction,
    pub rows: Vec<PlannedRow>,
}

impl Plan {
    /// The users the run acts on: those it would change.
    pub fn targets(&self) -> Vec<Target> {
        self.rows
            .iter()
            .filter(|r| matches!(r.verdict, Verdict::Change { .. }))
            .filter_map(|r| {
                let u = r.user.as_ref()?;
                Some(Target { key: r.key.clone(), user_id: u.id.clone(), email: u.email.clone(), pending: u.status == "pending" })
            })
            .collect()
    }

    pub fn count(&self, f: impl Fn(&Verdict) -> bool) -> usize {
        self.rows.iter().filter(|r| f(&r.verdict)).count()
    }
}

/// Header names of the column that names the users (lower case).
const USER_COLUMNS: [&str; 15] = [
    "email",
    "e-mail",
    "mail",
    "email address",
    "e-mail address",
    "mail address",
    "user",
    "user_id",
    "user id",
    "id",
    "username",
    "login",
    "メールアドレス",
    "メール",
    "ユーザーid",
];

/// The users a text names: a CSV with an `email` (or `user`, `id`) column, or else emails and
/// ids one per line or separated by commas, semicolons or spaces. Order kept, blanks dropped.
pub fn parse_users(text: &str) -> Result<Vec<String>> {
    let text = text.trim_start_matches('\u{feff}');
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.contains('\t') {
        b'\t'
    } else if first.contains(';') && !first.contains(',') {
        b';'
    } else {
        b','
    };
    let unreadable = |e: csv::Error| EngineError::new(ErrorCode::InvalidSettings, format!("The CSV could not be read: {e}"));
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(false).from_reader(text.as_bytes());
    let mut records = reader.records();
    // The header as the CSV reader reads it (a quoted comma stays in its cell).
    let header: Vec<String> = match records.next() {
        Some(r) => r.map_err(unreadable)?.iter().map(|h| h.trim().to_lowercase()).collect(),
        None => Vec::new(),
    };
    let column = header.iter().position(|h| USER_COLUMNS.contains(&h.as_str()));
    let keys: Vec<String> = match column {
        Some(col) => {
            let mut keys = Vec::new();
            for record in records {
                if let Some(v) = record.map_err(unreadable)?.get(col).map(str::trim).filter(|v| !v.is_empty()) {
                    keys.push(v.to_string());
                }
            }
            keys
        }
        // A table whose user column has another name: which column is meant is not guessed (every
        // cell would become a user, a manager's email too).
        None if header.len() > 1 && !header.iter().any(|h| h.contains('@')) => {
            return Err(EngineError::new(
                ErrorCode::InvalidSettings,
                format!(
                    "The CSV has no column named email (or user, id, login, メールアドレス): its first line is {}.",
                    crate::summary::quoted(&first.chars().take(80).collect::<String>())
                ),
            ))
        }
        None => text
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .map(|s| s.trim().trim_matches('"'))
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    };
    if keys.len() > MAX_ROWS {
        return Err(EngineError::new(ErrorCode::InvalidSettings, format!("A bulk run takes at most {MAX_ROWS} users.")));
    }
    // No quote or backslash: no email or id has one, and a SCIM filter must not get one.
    if let Some(bad) = keys.iter().find(|k| k.len() > 256 || k.chars().any(|c| c.is_control() || c == '"' || c == '\\')) {
        return Err(EngineError::new(
            ErrorCode::InvalidSettings,
            format!("{} is not an email or a user id.", crate::summary::quoted(&bad.chars().take(64).collect::<String>())),
        ));
    }
    Ok(keys)
}

/// What `action` would do to `user`.
fn verdict(action: &BulkAction, user: &ZoomUser, me: Option<&str>) -> Verdict {
    let yourself = me.is_some_and(|m| m.eq_ignore_ascii_case(&user.email));
    let refuse = |why| Verdict::Refused { why };
    match action {
        BulkAction::Deactivate | BulkAction::Remove { .. } if yourself => refuse(Refusal::Yourself),
        _ if (action.changes_status() || matches!(action, BulkAction::Remove { .. })) && user.is_admin() => refuse(Refusal::Admin),
        _ if action.changes_status() && user.status == "pending" => refuse(Refusal::Pending),
        BulkAction::Deactivate if user.status == "inactive" => Verdict::NoChange,
        BulkAction::Activate if user.status == "active" => Verdict::NoChange,
        BulkAction::Deactivate => Verdict::Change { what: "active → inactive".into() },
        BulkAction::Activate => Verdict::Change { what: "inactive → active".into() },
        BulkAction::Remove { mode } => Verdict::Change { what: format!("{} → {}", user.status, mode.as_str()) },
        BulkAction::Update { changes } => {
            let mut what = Vec::new();
            let mut field = |name: &str, now: &str, to: &Option<String>| {
                if let Some(to) = to.as_ref().filter(|to| *to != now) {
                    what.push(format!("{name}: {now} → {to}"));
                }
            };
            field("first_name", &user.first_name, &changes.first_name);
            field("last_name", &user.last_name, &changes.last_name);
            field("dept", &user.dept, &changes.dept);
            field("job_title", &user.job_title, &changes.job_title);
            field("timezone", &user.timezone, &changes.timezone);
            field("language", &user.language, &changes.language);
            if let Some(t) = changes.user_type.filter(|t| user.user_type != Some(*t)) {
                what.push(format!("type: {} → {t}", user.user_type.map(|n| n.to_string()).unwrap_or_default()));
            }
            if what.is_empty() {
                Verdict::NoChange
            } else {
                Verdict::Change { what: what.join(", ") }
            }
        }
        BulkAction::AddToGroup { group_id, group_name } => {
            if user.id.is_none() {
                refuse(Refusal::Pending)
            } else if user.group_ids.contains(group_id) {
                Verdict::NoChange
            } else {
                Verdict::Change { what: format!("+ {group_name}") }
            }
        }
    }
}

/// The dry run: each user looked up (one by one for a few, else the account listed once) and
/// what the action would do to them. Nothing changes at Zoom. `me`: the connection's user.
pub async fn plan<T: Transport>(actions: &Actions<T>, action: BulkAction, keys: &[String], me: Option<&str>) -> Result<Plan> {
    let mut index: HashMap<String, ZoomUser> = HashMap::new();
    if keys.len() > LOOKUP_ONE_BY_ONE {
        for status in UserStatus::ALL {
            for u in actions.list_users(status, |_| {}).await? {
                if let Some(id) = &u.id {
                    index.insert(id.clone(), u.clone());
                }
                index.insert(u.email.to_lowercase(), u);
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    let mut rows = Vec::with_capacity(keys.len());
    for key in keys {
        let found = if keys.len() > LOOKUP_ONE_BY_ONE {
            index.get(&key.to_lowercase()).or_else(|| index.get(key)).cloned()
        } else {
            match actions.get_user(key).await {
                Ok(u) => Some(u),
                Err(e) if e.code == ErrorCode::NotFound => None,
                Err(e) => return Err(e),
            }
        };
        let verdict = match &found {
            None => Verdict::Refused { why: Refusal::NotFound },
            Some(u) if !seen.insert(u.email.to_lowercase()) => Verdict::Refused { why: Refusal::Duplicate },
            Some(u) => verdict(&action, u, me),
        };
        rows.push(PlannedRow { key: key.clone(), user: found, verdict });
    }
    Ok(Plan { action, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_come_from_a_csv_column_or_a_pasted_list() {
        assert_eq!(parse_users("a@x.example, b@x.example\nc@x.example;d@x.example").unwrap(), ["a@x.example", "b@x.example", "c@x.example", "d@x.example"]);
        let csv = "\u{feff}Name,Email,Dept\n\"Doe, Jane\",jane@x.example,Sales\nBob,bob@x.example,\n,,\n";
        assert_eq!(parse_users(csv).unwrap(), ["jane@x.example", "bob@x.example"]);
        assert_eq!(parse_users("email\tx\nq@x.example\t1\n").unwrap(), ["q@x.example"]);
        assert_eq!(parse_users("a\u{7}@x").unwrap_err().code, ErrorCode::InvalidSettings);
        // A quote would add a clause to a SCIM filter.
        assert_eq!(parse_users("email\n\"x@y\"\" or userName pr\"\n").unwrap_err().code, ErrorCode::InvalidSettings);
        // A table without a user column is refused, not read cell by cell.
        let e = parse_users("Name,Manager\nJane,boss@x.example\n").unwrap_err();
        assert!(e.message.contains("no column named email"), "{}", e.message);
        assert_eq!(parse_users("氏名,メールアドレス\n山田,yamada@x.example\n").unwrap(), ["yamada@x.example"]);
        assert_eq!(parse_users("\"Doe, Jane\",Email\nx,j@x.example\n").unwrap(), ["j@x.example"]);
        // Emails pasted with commas on several lines are a list, not a table.
        assert_eq!(parse_users("a@x.example, b@x.example\nc@x.example, d@x.example").unwrap().len(), 4);
    }

    #[test]
    fn the_plan_refuses_admins_yourself_and_invitations_and_skips_what_is_already_so() {
        let user = |email: &str, status: &str, role: &str| ZoomUser {
            id: Some(email.into()),
            email: email.into(),
            status: status.into(),
            role_id: Some(role.into()),
            ..Default::default()
        };
        let me = Some("me@x.example");
        assert_eq!(verdict(&BulkAction::Deactivate, &user("me@x.example", "active", "2"), me), Verdict::Refused { why: Refusal::Yourself });
        assert_eq!(verdict(&BulkAction::Deactivate, &user("o@x.example", "active", "0"), me), Verdict::Refused { why: Refusal::Admin });
        assert_eq!(verdict(&BulkAction::Deactivate, &user("p@x.example", "pending", "2"), me), Verdict::Refused { why: Refusal::Pending });
        assert_eq!(verdict(&BulkAction::Deactivate, &user("i@x.example", "inactive", "2"), me), Verdict::NoChange);
        assert!(matches!(verdict(&BulkAction::Deactivate, &user("m@x.example", "active", "2"), me), Verdict::Change { .. }));
        assert!(matches!(verdict(&BulkAction::Remove { mode: RemoveMode::Disassociate }, &user("p@x.example", "pending", "2"), me), Verdict::Change { .. }));
        let changes = UserChanges { dept: Some("Legal".into()), ..Default::default() };
        let mut u = user("m@x.example", "active", "2");
        assert_eq!(verdict(&BulkAction::Update { changes: changes.clone() }, &u, me), Verdict::Change { what: "dept:  → Legal".into() });
        u.dept = "Legal".into();
        assert_eq!(verdict(&BulkAction::Update { changes }, &u, me), Verdict::NoChange);
    }
}
