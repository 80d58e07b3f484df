//! `list` and `status` (docs/cli.md): what the connections are, and whether any needs the user —
//! as gh's `auth status` does, with an exit code for cron and monitoring and a stable JSON.

use serde::Serialize;
use zoom_connections_engine::local_time::format as local_time;
use zoom_connections_engine::summary::{ConnectionSummary, SCHEMA_VERSION};
use zoom_connections_engine::{EngineError, ErrorCode};

use crate::args::StatusArgs;
use crate::text::{fill, Text};
use crate::{exit, exit_code, open_engine, table};

fn when(unix: i64) -> String {
    local_time(unix, "%Y-%m-%d %H:%M")
}

pub(crate) fn list(json: bool) -> Result<i32, EngineError> {
    let engine = open_engine()?;
    let text = Text::detect(engine.settings().language.as_deref());
    let summaries = engine.summaries();
    if json {
        println!("{}", serde_json::to_string_pretty(&summaries).unwrap_or_else(|_| "[]".into()));
        return Ok(exit::OK);
    }
    if summaries.is_empty() {
        println!("{}", text.no_connections);
        return Ok(exit::OK);
    }
    let rows: Vec<[String; 8]> = summaries
        .iter()
        .map(|c| {
            [
                c.id.clone(),
                c.nickname.clone(),
                c.org_name.clone(),
                if s2s(c) { text.s2s_account.to_string() } else { c.email.clone() },
                c.role.clone(),
                text.status(c.status).to_string(),
                when(c.access_expires_at),
                next(c, text),
            ]
        })
        .collect();
    println!("{}", table::render(text.headers, &rows));
    Ok(exit::OK)
}

/// One connection in `status --json` (docs/cli.md, status and JSON: schema_version 1).
#[derive(Serialize)]
struct Checked {
    #[serde(flatten)]
    summary: ConnectionSummary,
    /// Nothing needs the user (the status alone, and the check when there was one).
    healthy: bool,
    /// Only with --check.
    #[serde(skip_serializing_if = "Option::is_none")]
    check: Option<Check>,
}

#[derive(Serialize)]
struct Check {
    ok: bool,
    /// What the test called and saw, or why it failed (English: JSON is never translated).
    message: String,
    /// The same for the human output, in its language.
    #[serde(skip)]
    shown: String,
    /// The error code when it failed (docs/cli.md, Exit codes: the error codes on stderr).
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'static str>,
}

#[derive(Serialize)]
struct Report {
    schema_version: u32,
    healthy: bool,
    connections: Vec<Checked>,
}

pub(crate) async fn status(args: StatusArgs) -> Result<i32, EngineError> {
    let engine = open_engine()?;
    let text = Text::detect(engine.settings().language.as_deref());
    let chosen = match &args.connection {
        Some(key) => vec![engine.find_connection(key)?],
        None => engine.connections(),
    };
    let mut checked = Vec::new();
    let mut unreachable = false;
    for conn in &chosen {
        let check = if args.check {
            Some(match engine.test_connection(&conn.id).await {
                Ok(result) => Check { ok: true, shown: text.test_result(&result), message: result.summary, code: None },
                Err(e) => {
                    unreachable |= exit_code(e.code) == exit::ZOOM_UNREACHABLE;
                    if e.code == ErrorCode::KeychainUnavailable {
                        return Err(e);
                    }
                    Check { ok: false, shown: text.error(&e), message: e.message, code: Some(e.code.as_str()) }
                }
            })
        } else {
            None
        };
        // The test may have changed the status (a grant that is gone): read it again.
        let current = engine.connection(&conn.id).unwrap_or_else(|_| conn.clone());
        let summary = engine.summary(&current);
        let healthy = !summary.needs_user && check.as_ref().is_none_or(|c| c.ok || exit_code_of(c) == exit::ZOOM_UNREACHABLE);
        checked.push(Checked { summary, healthy, check });
    }
    let healthy = checked.iter().all(|c| c.healthy);
    let code = if !healthy {
        exit::FAILURE
    } else if unreachable {
        exit::ZOOM_UNREACHABLE
    } else {
        exit::OK
    };
    if args.json {
        let report = Report { schema_version: SCHEMA_VERSION, healthy, connections: checked };
        println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
        return Ok(code);
    }
    if checked.is_empty() {
        println!("{}", text.no_connections);
    }
    for c in &checked {
        let s = &c.summary;
        let mark = if c.healthy { "✓" } else { "✗" };
        let reason = s.why.as_ref().map(|w| zoom_connections_engine::reasons::words(w, text.japanese)).or_else(|| s.reason.clone());
        let state = match (reason, c.healthy) {
            (Some(reason), false) => format!("{} — {reason}", text.status(s.status)),
            _ => text.status(s.status).to_string(),
        };
        println!("{mark} {}  {state}", s.nickname);
        let last = s.last_success_at.map(when).unwrap_or_else(|| "-".into());
        let next = next(s, text);
        println!("    {}", fill(text.last_next, &[("last", &last), ("next", &next)]));
        if let Some(at) = s.refresh_may_end_at {
            println!("    {}", fill(text.refresh_may_end, &[("date", &when(at))]));
        }
        if let Some(check) = &c.check {
            let line = if check.ok { fill(text.check_ok, &[("summary", &check.shown)]) } else { fill(text.check_failed, &[("message", &check.shown)]) };
            println!("    {line}");
        }
    }
    Ok(code)
}

fn s2s(c: &ConnectionSummary) -> bool {
    c.kind == zoom_connections_engine::model::ConnectionKind::ServerToServer
}

/// When keepalive acts next, or why it does not.
fn next(c: &ConnectionSummary, text: &Text) -> String {
    match c.next_keepalive_at {
        Some(at) => when(at),
        None if s2s(c) && !c.needs_user => text.on_demand.to_string(),
        None => text.needs_you.to_string(),
    }
}

fn exit_code_of(check: &Check) -> i32 {
    check.code.and_then(|c| ErrorCode::ALL.into_iter().find(|k| k.as_str() == c)).map(exit_code).unwrap_or(exit::FAILURE)
}
