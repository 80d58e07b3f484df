//! `users bulk` and `users runs` (docs/cli.md, Bulk runs): the engine's bulk runs
//! (`actions/bulk.rs`) from a CSV or a list — the plan first, a confirmation, the run with its
//! progress (a line on a terminal, JSON lines otherwise), and a journal to resume or undo it.

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use tokio::sync::watch;
use zoom_connections_engine::actions::bulk::{self, BulkAction, Control, Plan, Refusal, Verdict};
use zoom_connections_engine::actions::journal::{self, Journal, RowState};
use zoom_connections_engine::actions::users::{RemoveMode, UserChanges};
use zoom_connections_engine::{EngineError, ErrorCode};

use crate::actions::{failed, open, print_json, say};
use crate::args::{BulkArgs, BulkVerb};
use crate::text::{fill, Text};
use crate::{exit, require_data_dir};

fn refusal_index(r: Refusal) -> usize {
    match r {
        Refusal::Admin => 0,
        Refusal::Yourself => 1,
        Refusal::Pending => 2,
        Refusal::Duplicate => 3,
        Refusal::NotFound => 4,
    }
}

fn read_users(a: &BulkArgs) -> Result<Vec<String>, EngineError> {
    let text = match (&a.csv, &a.users) {
        (Some(path), _) if path == "-" => {
            std::io::read_to_string(std::io::stdin()).map_err(|e| EngineError::new(ErrorCode::InvalidSettings, format!("stdin: {e}")))?
        }
        (Some(path), _) => std::fs::read_to_string(path).map_err(|e| EngineError::new(ErrorCode::InvalidSettings, format!("{path}: {e}")))?,
        (None, Some(list)) => list.clone(),
        (None, None) => return Err(EngineError::new(ErrorCode::InvalidSettings, "Name the users with --csv FILE or --users LIST.")),
    };
    bulk::parse_users(&text)
}

fn action_name(action: &BulkAction) -> String {
    match action {
        BulkAction::Activate => "Activate".into(),
        BulkAction::Deactivate => "Deactivate".into(),
        BulkAction::Remove { mode: RemoveMode::Disassociate } => "Remove (disassociate)".into(),
        BulkAction::Remove { mode: RemoveMode::Delete } => "Delete permanently".into(),
        BulkAction::Update { .. } => "Update".into(),
        BulkAction::AddToGroup { group_name, .. } => format!("Add to {group_name}"),
    }
}

fn print_plan(plan: &Plan, json: bool, text: &Text) {
    if json {
        print_json(plan);
        return;
    }
    for row in &plan.rows {
        let line = match &row.verdict {
            Verdict::Change { what } => format!("  change   {}  {what}", row.key),
            Verdict::NoChange => format!("  same     {}", row.key),
            Verdict::Refused { why } => format!("  skip     {}  {}", row.key, text.actions.refusals[refusal_index(*why)]),
        };
        say(&line);
    }
    let change = plan.count(|v| matches!(v, Verdict::Change { .. }));
    let same = plan.count(|v| *v == Verdict::NoChange);
    let refused = plan.count(|v| matches!(v, Verdict::Refused { .. }));
    say(&fill(text.actions.plan, &[("change", &change.to_string()), ("same", &same.to_string()), ("refused", &refused.to_string())]));
}

fn confirm(action: &BulkAction, n: usize, yes: bool, text: &Text) -> Result<bool, i32> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        eprintln!("zoom-connections: {}", text.actions.confirm_needs_yes);
        return Err(exit::USAGE);
    }
    eprint!("{}", fill(text.actions.confirm, &[("action", &action_name(action)), ("n", &n.to_string())]));
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes" | "はい"))
}

pub(crate) async fn run(connection: Option<&str>, json: bool, a: BulkArgs, text: &'static Text) -> Result<i32, EngineError> {
    let data_dir = require_data_dir()?;
    // A run to go on with, or to undo, names its connection itself.
    let earlier = match a.resume.as_deref().or(a.undo.as_deref()) {
        Some(run_id) => Some(journal::read(&journal::path_of(&data_dir, run_id)?)?),
        None => None,
    };
    let named = earlier.as_ref().map(|r| r.connection_id.clone()).or(connection.map(str::to_string));
    let opened = match open(named.as_deref(), "users bulk", text).await? {
        Ok(o) => o,
        Err(code) => return Ok(code),
    };
    let (journal, record) = if let (Some(run_id), None) = (a.resume.as_deref(), a.undo.as_deref()) {
        Journal::open(&data_dir, run_id)?
    } else {
        let plan = match (&earlier, a.action) {
            (Some(record), _) => match bulk::undo_plan(record) {
                Some(plan) => plan,
                None => {
                    eprintln!("zoom-connections: only a deactivation or an activation can be undone.");
                    return Ok(exit::USAGE);
                }
            },
            (None, Some(verb)) => {
                let action = match verb {
                    BulkVerb::Activate => BulkAction::Activate,
                    BulkVerb::Deactivate => BulkAction::Deactivate,
                    BulkVerb::Delete => BulkAction::Remove { mode: RemoveMode::Disassociate },
                    BulkVerb::DeletePermanently => BulkAction::Remove { mode: RemoveMode::Delete },
                    BulkVerb::Update => {
                        let changes = UserChanges {
                            first_name: None,
                            last_name: None,
                            user_type: a.user_type,
                            dept: a.dept.clone(),
                            job_title: a.job_title.clone(),
                            timezone: a.timezone.clone(),
                            language: a.language.clone(),
                        };
                        if changes.is_empty() {
                            eprintln!("zoom-connections: update needs a field to set (--dept, --job-title, --type, --timezone, --language).");
                            return Ok(exit::USAGE);
                        }
                        BulkAction::Update { changes }
                    }
                    BulkVerb::AddToGroup => {
                        let Some(group) = a.group.as_deref() else {
                            eprintln!("zoom-connections: add-to-group needs --group.");
                            return Ok(exit::USAGE);
                        };
                        let g = match opened.actions.get_group(group).await {
                            Ok(g) => g,
                            Err(e) => return Ok(failed(&e)),
                        };
                        BulkAction::AddToGroup { group_id: g.id, group_name: g.name }
                    }
                };
                let users = match read_users(&a) {
                    Ok(u) => u,
                    Err(e) => return Ok(failed(&e)),
                };
                match bulk::plan(&opened.actions, action, &users, Some(&opened.email)).await {
                    Ok(p) => p,
                    Err(e) => return Ok(failed(&e)),
                }
            }
            (None, None) => return Ok(exit::USAGE),
        };
        if earlier.is_none() || a.dry_run {
            print_plan(&plan, json && a.dry_run, text);
        }
        let targets = plan.targets().len();
        if a.dry_run {
            return Ok(exit::OK);
        }
        if targets == 0 {
            say(text.actions.nothing_to_do);
            return Ok(exit::OK);
        }
        match confirm(&plan.action, targets, a.yes, text) {
            Ok(true) => {}
            Ok(false) => return Ok(exit::FAILURE),
            Err(code) => return Ok(code),
        }
        bulk::start(&data_dir, &opened.id, &opened.nickname, &plan, chrono_now())?
    };
    let run_id = record.run_id.clone();
    let (control_tx, control_rx) = watch::channel(Control::Run);
    // Ctrl-C cancels: the users in flight finish and are written down, the rest wait for --resume.
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = control_tx.send(Control::Cancel);
        }
    });
    let terminal = std::io::stderr().is_terminal() && !json;
    let progress = move |p: bulk::Progress| {
        if terminal {
            eprint!("\r{}", fill(text.actions.progress, &[("done", &p.done.to_string()), ("total", &p.total.to_string()), ("failed", &p.failed.to_string())]));
        } else {
            let mut out = std::io::stdout().lock();
            let _ = serde_json::to_writer(&mut out, &p);
            let _ = writeln!(out);
        }
    };
    let (record, error) = bulk::execute(Arc::new(opened.actions), Arc::new(journal), record, control_rx, progress).await;
    if terminal {
        eprintln!();
    }
    if let Some(path) = &a.results {
        std::fs::write(path, bulk::results_csv(&record)).map_err(|e| EngineError::new(ErrorCode::Storage, format!("{path}: {e}")))?;
    }
    if let Some(e) = error {
        eprintln!("zoom-connections: {}", fill(text.actions.stopped, &[("run", &run_id)]));
        return Ok(failed(&e));
    }
    if record.cancelled {
        eprintln!("zoom-connections: {}", fill(text.actions.cancelled, &[("run", &run_id)]));
        return Ok(130);
    }
    let failures = record.rows.iter().filter(|r| matches!(r, RowState::Answered(journal::Outcome::Failed { .. }))).count();
    if !json {
        say(&fill(text.actions.finished, &[("run", &run_id)]));
    }
    Ok(if failures > 0 { exit::FAILURE } else { exit::OK })
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// `users runs`: the journals of this computer.
pub(crate) fn runs(json: bool, text: &'static Text) -> Result<i32, EngineError> {
    let data_dir = require_data_dir()?;
    let runs = journal::list(&data_dir);
    if json {
        let list: Vec<serde_json::Value> = runs
            .iter()
            .map(|r| {
                let done = r.rows.iter().filter(|s| matches!(s, RowState::Answered(_))).count();
                serde_json::json!({"run_id": r.run_id, "connection": r.nickname, "action": r.action, "users": r.targets.len(), "answered": done, "finished": r.finished(), "cancelled": r.cancelled, "created_at": r.created_at})
            })
            .collect();
        print_json(&list);
        return Ok(exit::OK);
    }
    let rows: Vec<[String; 5]> = runs
        .iter()
        .map(|r| {
            let done = r.rows.iter().filter(|s| matches!(s, RowState::Answered(_))).count();
            [r.run_id.clone(), r.nickname.clone(), action_name(&r.action), r.targets.len().to_string(), format!("{done}/{}", r.targets.len())]
        })
        .collect();
    say(&crate::table::render(text.actions.runs_headers, &rows));
    Ok(exit::OK)
}
