//! `users`, `groups` and `api` (docs/cli.md, Users and groups): the engine's actions on a
//! connection, through the running app's broker when one answers — the process that rotates the
//! connection's tokens and paces its account makes every call — else from this process, under
//! the same locks and with its own pace.

use std::io::Write;

use zoom_connections_engine::actions::call::ApiRequest;
use zoom_connections_engine::actions::users::{CreateAction, NewUser, RemoveMode, UserChanges, UserQuery, UserStatus, ZoomUser};
use zoom_connections_engine::actions::{Actions, Direct, Reply, Transport};
use zoom_connections_engine::broker::client::{Proxied, Reached};
use zoom_connections_engine::broker::{self, BrokerClient};
use zoom_connections_engine::{EngineError, ErrorCode};

use crate::args::{ActionTarget, ApiArgs, CreateHow, GroupsAction, GroupsArgs, StatusFilter, UsersAction, UsersArgs};
use crate::text::{fill, Text};
use crate::{exit, open_engine, require_data_dir, target};

/// Where this command's calls go.
pub(crate) enum Route {
    Broker(Proxied),
    Here(Direct),
}

impl Transport for Route {
    async fn call(&self, request: ApiRequest) -> Result<Reply, EngineError> {
        match self {
            Route::Broker(p) => p.call(request).await,
            Route::Here(d) => d.call(request).await,
        }
    }
}

/// A connection's actions, and who it is.
pub(crate) struct Opened {
    pub actions: Actions<Route>,
    pub id: String,
    pub nickname: String,
    /// The connection's own Zoom user (a bulk run leaves it out).
    pub email: String,
}

/// The connection's actions; Err(exit code) for a usage error already reported.
pub(crate) async fn open(named: Option<&str>, command: &str, text: &Text) -> Result<Result<Opened, i32>, EngineError> {
    let key = match target::resolve(named, command, text) {
        Ok(k) => k,
        Err(usage) => {
            eprintln!("zoom-connections: {usage}");
            return Ok(Err(exit::USAGE));
        }
    };
    let data_dir = require_data_dir()?;
    let sandbox_url = std::fs::read_to_string(data_dir.join(crate::SANDBOX_URL_FILE)).ok().map(|s| s.trim().to_string());
    if let Some(client) = BrokerClient::discover_any(&broker::candidate_dirs(), &data_dir).map(|c| c.with_sandbox_url(sandbox_url)) {
        match client.connections().await {
            Reached::Answered(Ok(list)) => {
                let Some(conn) = list.into_iter().find(|c| c.id == key || c.nickname == key) else {
                    return Err(EngineError::new(ErrorCode::NotFound, format!("No connection is named {}.", zoom_connections_engine::summary::quoted(&key))));
                };
                tracing::debug!(broker_pid = client.pid, "actions through the broker");
                let actions = Actions::new(Route::Broker(Proxied::new(client, &conn.id)), conn.scopes);
                return Ok(Ok(Opened { actions, id: conn.id, nickname: conn.nickname, email: conn.email }));
            }
            Reached::Answered(Err(e)) => return Err(e),
            Reached::Unreachable => tracing::debug!("no broker answers; calling Zoom from here"),
        }
    }
    let engine = open_engine()?;
    let conn = engine.find_connection(&key)?;
    let direct = Direct::new(&engine, &conn.id)?;
    Ok(Ok(Opened { actions: Actions::new(Route::Here(direct), conn.granted_scopes), id: conn.id, nickname: conn.nickname, email: conn.identity.email }))
}

pub(crate) fn print_json(value: &impl serde::Serialize) {
    let mut out = std::io::stdout().lock();
    let _ = serde_json::to_writer_pretty(&mut out, value);
    let _ = writeln!(out);
}

pub(crate) fn say(line: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// An action's error: a user or group that does not exist is a failure (1), not an unknown
/// connection (3).
pub(crate) fn failed(e: &EngineError) -> i32 {
    let code = crate::fail(e);
    if e.code == ErrorCode::NotFound {
        exit::FAILURE
    } else {
        code
    }
}

fn user_rows(users: &[ZoomUser], text: &Text) -> String {
    let rows: Vec<[String; 5]> = users
        .iter()
        .map(|u| {
            let status = match u.status.as_str() {
                "inactive" => text.actions.user_status[1],
                "pending" => text.actions.user_status[2],
                _ => text.actions.user_status[0],
            };
            let kind = match u.user_type {
                Some(1) => "Basic".to_string(),
                Some(2) => "Licensed".to_string(),
                Some(4) => "Unassigned".to_string(),
                Some(99) => "None".to_string(),
                Some(n) => n.to_string(),
                None => String::new(),
            };
            [u.email.clone(), u.display_name.clone(), status.to_string(), kind, u.dept.clone()]
        })
        .collect();
    crate::table::render(text.actions.user_headers, &rows)
}

pub(crate) async fn users(a: UsersArgs, text: &'static Text) -> Result<i32, EngineError> {
    let UsersArgs { target: ActionTarget { connection, json }, action } = a;
    let action = match action {
        UsersAction::Bulk(b) => return crate::bulk::run(connection.as_deref(), json, b, text).await,
        UsersAction::Runs => return crate::bulk::runs(json, text),
        other => other,
    };
    let actions = match open(connection.as_deref(), "users", text).await? {
        Ok(x) => x.actions,
        Err(code) => return Ok(code),
    };
    let result: Result<(), EngineError> = async {
        match action {
            UsersAction::List { status, search, user_type, role_id } => {
                let query = UserQuery {
                    text: search,
                    status: status.map(|s| match s {
                        StatusFilter::Active => UserStatus::Active,
                        StatusFilter::Inactive => UserStatus::Inactive,
                        StatusFilter::Pending => UserStatus::Pending,
                    }),
                    user_type,
                    role_id,
                };
                let users = actions.search(&query).await?;
                if json {
                    print_json(&users);
                } else {
                    say(&user_rows(&users, text));
                    eprintln!("{}", fill(text.actions.found, &[("n", &users.len().to_string())]));
                }
            }
            UsersAction::Get { user } => {
                let u = actions.get_user(&user).await?;
                if json {
                    print_json(&u);
                } else {
                    say(&user_rows(std::slice::from_ref(&u), text));
                }
            }
            UsersAction::Create { email, first_name, last_name, user_type, how } => {
                let action = match how {
                    CreateHow::Create => CreateAction::Create,
                    CreateHow::AutoCreate => CreateAction::AutoCreate,
                    CreateHow::CustCreate => CreateAction::CustCreate,
                    CreateHow::SsoCreate => CreateAction::SsoCreate,
                };
                let made = actions.create_user(&NewUser { email: email.clone(), first_name, last_name, user_type, action }).await?;
                if json {
                    print_json(&made);
                } else {
                    let line = if made.status == "pending" { text.actions.invited } else { text.actions.created };
                    say(&fill(line, &[("who", &email)]));
                }
            }
            UsersAction::Update { user, first_name, last_name, user_type, dept, job_title, timezone, language } => {
                actions.update_user(&user, &UserChanges { first_name, last_name, user_type, dept, job_title, timezone, language }).await?;
                done(json, text.actions.updated, &user, "updated");
            }
            UsersAction::Activate { user } => {
                actions.set_active(&user, true).await?;
                done(json, text.actions.activated, &user, "activated");
            }
            UsersAction::Deactivate { user } => {
                actions.set_active(&user, false).await?;
                done(json, text.actions.deactivated, &user, "deactivated");
            }
            UsersAction::Delete { user, permanently } => {
                // A pending user (an invitation) is disassociated, as Zoom asks: its status first.
                let pending = actions.get_user(&user).await.map(|u| u.status == "pending").unwrap_or(false);
                let mode = if permanently { RemoveMode::Delete } else { RemoveMode::Disassociate };
                actions.remove_user(&user, mode, pending).await?;
                let (line, word) = if permanently && !pending { (text.actions.deleted, "deleted") } else { (text.actions.disassociated, "disassociated") };
                done(json, line, &user, word);
            }
            UsersAction::Bulk(_) | UsersAction::Runs => {}
        }
        Ok(())
    }
    .await;
    Ok(match result {
        Ok(()) => exit::OK,
        Err(e) => failed(&e),
    })
}

fn done(json: bool, line: &str, who: &str, word: &str) {
    if json {
        print_json(&serde_json::json!({"user": who, "done": word}));
    } else {
        say(&fill(line, &[("who", who)]));
    }
}

pub(crate) async fn groups(a: GroupsArgs, text: &'static Text) -> Result<i32, EngineError> {
    let GroupsArgs { target: ActionTarget { connection, json }, action } = a;
    let actions = match open(connection.as_deref(), "groups", text).await? {
        Ok(x) => x.actions,
        Err(code) => return Ok(code),
    };
    let result: Result<(), EngineError> = async {
        match action {
            GroupsAction::List { search } => {
                let needle = search.unwrap_or_default().to_lowercase();
                let groups: Vec<_> = actions.list_groups().await?.into_iter().filter(|g| g.name.to_lowercase().contains(&needle)).collect();
                if json {
                    print_json(&groups);
                } else {
                    let rows: Vec<[String; 3]> =
                        groups.iter().map(|g| [g.id.clone(), g.name.clone(), g.total_members.map(|n| n.to_string()).unwrap_or_default()]).collect();
                    say(&crate::table::render(text.actions.group_headers, &rows));
                }
            }
            GroupsAction::Get { group } => {
                let g = actions.get_group(&group).await?;
                if json {
                    print_json(&g);
                } else {
                    say(&crate::table::render(text.actions.group_headers, &[[g.id, g.name, g.total_members.map(|n| n.to_string()).unwrap_or_default()]]));
                }
            }
            GroupsAction::Members { group } => {
                let g = actions.get_group(&group).await?;
                let members = actions.group_members(&g.id).await?;
                if json {
                    print_json(&members);
                } else {
                    say(&user_rows(&members, text));
                    eprintln!("{}", fill(text.actions.found, &[("n", &members.len().to_string())]));
                }
            }
            GroupsAction::Add { group, users } => {
                let g = actions.get_group(&group).await?;
                actions.add_to_group(&g.id, &users).await?;
                if json {
                    print_json(&serde_json::json!({"group": g.id, "added": users}));
                } else {
                    say(&fill(text.actions.added, &[("n", &users.len().to_string()), ("group", &g.name)]));
                }
            }
            GroupsAction::Remove { group, user } => {
                let g = actions.get_group(&group).await?;
                actions.remove_from_group(&g.id, &user).await?;
                if json {
                    print_json(&serde_json::json!({"group": g.id, "removed": user}));
                } else {
                    say(&fill(text.actions.removed, &[("who", &user), ("group", &g.name)]));
                }
            }
        }
        Ok(())
    }
    .await;
    Ok(match result {
        Ok(()) => exit::OK,
        Err(e) => failed(&e),
    })
}

/// `api`: Zoom's answer on stdout as it came (JSON pretty-printed), exit 0 for 2xx, else 1.
pub(crate) async fn api(a: ApiArgs, text: &'static Text) -> Result<i32, EngineError> {
    let Ok(method) = zoom_connections_engine::actions::Method::from_bytes(a.method.to_ascii_uppercase().as_bytes()) else {
        eprintln!("zoom-connections: {} is not an HTTP method.", a.method);
        return Ok(exit::USAGE);
    };
    let trimmed = a.path.trim_start_matches('/');
    let root = if a.scim { "scim2/" } else { "v2/" };
    let path = if trimmed.starts_with("v2/") || trimmed.starts_with("scim2/") { trimmed.to_string() } else { format!("{root}{trimmed}") };
    let body = match a.data.as_deref() {
        None => None,
        Some(data) => {
            let raw = match data.strip_prefix('@') {
                Some("-") => std::io::read_to_string(std::io::stdin()).map_err(|e| EngineError::new(ErrorCode::InvalidSettings, format!("stdin: {e}")))?,
                Some(file) => std::fs::read_to_string(file).map_err(|e| EngineError::new(ErrorCode::InvalidSettings, format!("{file}: {e}")))?,
                None => data.to_string(),
            };
            match serde_json::from_str(&raw) {
                Ok(v) => Some(v),
                Err(e) => {
                    eprintln!("zoom-connections: --data is not JSON: {e}");
                    return Ok(exit::USAGE);
                }
            }
        }
    };
    let actions = match open(a.connection.as_deref(), "api", text).await? {
        Ok(x) => x.actions,
        Err(code) => return Ok(code),
    };
    let reply = match actions.api(method, &path, body).await {
        Ok(r) => r,
        Err(e) => return Ok(failed(&e)),
    };
    match (&reply.text, &reply.body) {
        (Some(t), _) => say(t),
        (None, serde_json::Value::Null) => {}
        (None, body) => print_json(body),
    }
    if !reply.ok() {
        eprintln!("zoom-connections: Zoom answered HTTP {}", reply.status);
        return Ok(exit::FAILURE);
    }
    Ok(exit::OK)
}
