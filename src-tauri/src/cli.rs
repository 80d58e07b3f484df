//! The command line, in the same binary: `zoom-connections token|list|keepalive`. No window, no
//! Tauri: the engine on the app's data directory and the OS keychain, so that scripts on this
//! machine can borrow a fresh access token the way `gh auth token` works. Refreshes take the
//! same per-connection lock files as the app, so the two never rotate a token at once.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use zoom_connections_engine::model::Connection;
use zoom_connections_engine::vault::KeychainStore;
use zoom_connections_engine::{Engine, EngineConfig, EngineError, ErrorCode, DEFAULT_CONCURRENCY};

/// The app's identifier (tauri.conf.json): its data directory is `<data dir>/<identifier>`.
pub const IDENTIFIER: &str = "app.zoomconnections.desktop";
/// Where the running app writes its embedded sandbox's address, for sandbox connections.
pub const SANDBOX_URL_FILE: &str = "sandbox-url";

/// Exit codes, documented in `--help` and the README.
pub mod exit {
    pub const OK: i32 = 0;
    pub const FAILURE: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const UNKNOWN_CONNECTION: i32 = 3;
    pub const NEEDS_RECONNECT: i32 = 4;
    pub const KEYCHAIN_UNAVAILABLE: i32 = 5;
    pub const ZOOM_UNREACHABLE: i32 = 6;
}

const HELP: &str = "\
zoom-connections — keep OAuth connections to Zoom accounts alive

Usage:
  zoom-connections                     start the app (window and tray)
  zoom-connections token NICKNAME|ID   print a fresh access token, refreshing it first if needed
  zoom-connections list [--json]       list the connections
  zoom-connections keepalive           refresh every connection that is due, once (for cron)
  zoom-connections help [COMMAND]      this text

Exit codes: 0 ok, 1 other failure, 2 usage, 3 unknown connection, 4 needs reconnect,
            5 keychain unavailable, 6 Zoom unreachable (try again later)
";

const HELP_TOKEN: &str = "\
zoom-connections token NICKNAME|ID

Prints a valid access token for the connection and nothing else (no newline is missing, no
decoration), refreshing it first when less than a minute is left. Example:
  curl -H \"Authorization: Bearer $(zoom-connections token Production)\" https://api.zoom.us/v2/users/me
Exit codes: 0, 3 unknown connection, 4 needs reconnect, 5 keychain unavailable, 6 Zoom unreachable.
";

const HELP_LIST: &str = "\
zoom-connections list [--json]

A table of the connections (nickname, org, Zoom account, role, status, token expiry, next
keepalive); --json prints the same as JSON for scripts (no tokens, ever).
";

const HELP_KEEPALIVE: &str = "\
zoom-connections keepalive

One keepalive sweep: refreshes every connection within its margin of expiry (or due for a retry)
and exits. For a machine without the window, e.g. in cron every 15 minutes:
  */15 * * * * zoom-connections keepalive
Exit codes: 0 all fine, 1 some connection failed or needs the user, 5 keychain unavailable.
";

/// Runs a subcommand if the arguments name one; None means: start the app.
pub fn run_if_subcommand(args: &[String]) -> Option<i32> {
    let cmd = args.get(1)?.as_str();
    let rest = &args[2.min(args.len())..];
    let wants_help = rest.iter().any(|a| a == "--help" || a == "-h");
    let code = match cmd {
        "help" | "--help" | "-h" => print_help(rest.first().map(String::as_str)),
        "--version" | "-V" => {
            println!("zoom-connections {}", env!("CARGO_PKG_VERSION"));
            exit::OK
        }
        "token" if wants_help => print_help(Some("token")),
        "list" if wants_help => print_help(Some("list")),
        "keepalive" if wants_help => print_help(Some("keepalive")),
        "token" | "list" | "keepalive" => run(cmd, rest),
        _ => return None,
    };
    Some(code)
}

fn print_help(topic: Option<&str>) -> i32 {
    let text = match topic {
        Some("token") => HELP_TOKEN,
        Some("list") => HELP_LIST,
        Some("keepalive") => HELP_KEEPALIVE,
        _ => HELP,
    };
    print!("{text}");
    exit::OK
}

pub fn data_dir() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join(IDENTIFIER))
}

fn exit_code(e: &EngineError) -> i32 {
    match e.code {
        ErrorCode::NotFound => exit::UNKNOWN_CONNECTION,
        ErrorCode::ZoomInvalidGrant | ErrorCode::ZoomInvalidClient => exit::NEEDS_RECONNECT,
        ErrorCode::KeychainUnavailable => exit::KEYCHAIN_UNAVAILABLE,
        ErrorCode::Network | ErrorCode::ZoomRateLimited | ErrorCode::ZoomBadResponse | ErrorCode::LockTimeout => exit::ZOOM_UNREACHABLE,
        _ => exit::FAILURE,
    }
}

fn open_engine() -> Result<Engine, EngineError> {
    let dir = data_dir().ok_or_else(|| EngineError::new(ErrorCode::Storage, "no data directory for this user"))?;
    let mut config = EngineConfig::new(dir.clone(), Arc::new(KeychainStore::new()));
    // The app owns the data directory: an unreadable list is the app's to set aside.
    config.owns_data = false;
    // Sandbox connections live in the running app's embedded sandbox.
    config.sandbox_url = std::fs::read_to_string(dir.join(SANDBOX_URL_FILE)).ok().map(|s| s.trim().to_string());
    Engine::open(config)
}

fn run(cmd: &str, rest: &[String]) -> i32 {
    crate::logging::init_cli();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("zoom-connections: {e}");
            return exit::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let engine = open_engine()?;
        match cmd {
            "token" => token(&engine, rest).await,
            "list" => list(&engine, rest),
            _ => keepalive(&engine).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("zoom-connections: {} [{}]", e.message, e.code.as_str());
            exit_code(&e)
        }
    }
}

/// A connection by id, or by nickname (case-insensitive) when that is unambiguous.
fn find(engine: &Engine, key: &str) -> Result<Connection, EngineError> {
    let all = engine.connections();
    if let Some(c) = all.iter().find(|c| c.id == key) {
        return Ok(c.clone());
    }
    let named: Vec<&Connection> = all.iter().filter(|c| c.nickname.eq_ignore_ascii_case(key.trim())).collect();
    match named.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(EngineError::new(ErrorCode::NotFound, format!("no connection is called “{key}” (see: zoom-connections list)"))),
        many => Err(EngineError::new(
            ErrorCode::NotFound,
            format!("“{key}” names {} connections in different orgs; use the id: {}", many.len(), many.iter().map(|c| c.id.as_str()).collect::<Vec<_>>().join(", ")),
        )),
    }
}

async fn token(engine: &Engine, rest: &[String]) -> Result<i32, EngineError> {
    let [key] = rest else {
        eprint!("{HELP_TOKEN}");
        return Ok(exit::USAGE);
    };
    let conn = find(engine, key)?;
    let access = engine.access_token(&conn.id).await?;
    let mut out = std::io::stdout().lock();
    // The token and a newline, nothing else: $(zoom-connections token X) strips the newline.
    let _ = writeln!(out, "{}", access.expose());
    Ok(exit::OK)
}

fn local_time(unix: i64) -> String {
    crate::local_time::format(unix, "%Y-%m-%d %H:%M")
}

fn list(engine: &Engine, rest: &[String]) -> Result<i32, EngineError> {
    let json = match rest {
        [] => false,
        [flag] if flag == "--json" => true,
        _ => {
            eprint!("{HELP_LIST}");
            return Ok(exit::USAGE);
        }
    };
    let margin = engine.settings().refresh_margin_secs;
    let conns = engine.connections();
    if json {
        let rows: Vec<serde_json::Value> = conns
            .iter()
            .map(|c| {
                serde_json::json!({
                    "id": c.id, "nickname": c.nickname, "org": c.org_id, "email": c.identity.email,
                    "account_id": c.identity.account_id, "role": c.identity.role_name,
                    "status": c.status, "reason": c.status_reason,
                    "access_expires_at": c.access_expires_at, "next_keepalive_at": c.next_keepalive_at(margin),
                    "scopes": c.granted_scopes,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".into()));
        return Ok(exit::OK);
    }
    if conns.is_empty() {
        println!("No connections yet. Create one in the app: New Connection.");
        return Ok(exit::OK);
    }
    let rows: Vec<[String; 8]> = conns
        .iter()
        .map(|c| {
            [
                c.id.clone(),
                c.nickname.clone(),
                c.org_id.clone(),
                c.identity.email.clone(),
                c.identity.role_name.clone(),
                c.status.label().to_string(),
                local_time(c.access_expires_at),
                c.next_keepalive_at(margin).map(local_time).unwrap_or_else(|| "needs you".into()),
            ]
        })
        .collect();
    let header = ["ID", "NICKNAME", "ORG", "ZOOM ACCOUNT", "ROLE", "STATUS", "TOKEN EXPIRES", "NEXT KEEPALIVE"].map(String::from);
    let mut widths = header.clone().map(|h| h.chars().count());
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for r in std::iter::once(&header).chain(rows.iter()) {
        let line: Vec<String> = r.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        println!("{}", line.join("  ").trim_end());
    }
    Ok(exit::OK)
}

async fn keepalive(engine: &Engine) -> Result<i32, EngineError> {
    let report = engine.sweep(DEFAULT_CONCURRENCY).await;
    println!("refreshed {}, failed {}, needing the user {}", report.refreshed, report.failed, report.needing_user);
    Ok(if report.failed + report.needing_user == 0 { exit::OK } else { exit::FAILURE })
}
