//! The command line (docs/cli.md): `token`, `exec`, `list`, `status`, `keepalive`, `serve`,
//! `doctor`, `users`, `groups`, `api`, `completions`, `man`. Tauri-free, so that the `zoom-connections` binary starts
//! without loading the window's libraries; without a command it starts the app
//! (`zoom-connections-app`, installed beside it).
//!
//! The running app (or `serve`) is the single owner of every token: `token` and `exec` borrow
//! through its broker when one runs, and otherwise act on the keychain and the data directory
//! themselves, under the same per-connection lock files as the app.

mod actions;
pub mod args;
mod borrow;
mod bulk;
mod connect;
mod doctor;
mod exec;
pub mod logging;
pub mod mask;
mod orgs;
mod secret_store;
mod serve;
mod setup_text;
mod sign_in;
mod signals;
mod status;
mod table;
mod target;
mod text;

use std::path::PathBuf;

use clap::Parser;
use zoom_connections_engine::{Engine, EngineConfig, EngineError, ErrorCode, DEFAULT_CONCURRENCY};

use crate::args::{Cli, Command};

/// The app's identifier (tauri.conf.json, read by build.rs): its data directory is
/// `<data dir>/<identifier>`.
pub const IDENTIFIER: &str = env!("ZC_IDENTIFIER");
/// Where the running app writes its embedded sandbox's address, for sandbox connections.
pub const SANDBOX_URL_FILE: &str = "sandbox-url";
/// The app's binary, beside this one.
pub const APP_BINARY: &str = "zoom-connections-app";

/// Exit codes (docs/cli.md, Exit codes; `--help`; the man page). Never renumber one.
pub mod exit {
    pub const OK: i32 = 0;
    pub const FAILURE: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const UNKNOWN_CONNECTION: i32 = 3;
    pub const NEEDS_RECONNECT: i32 = 4;
    pub const KEYCHAIN_UNAVAILABLE: i32 = 5;
    /// Try again later: Zoom did not answer, rate-limited or answered something unreadable, or
    /// another process held the connection's lock longer than the wait (the error code on
    /// stderr tells which).
    pub const ZOOM_UNREACHABLE: i32 = 6;
    /// `exec`: the command exists but cannot be run / is not found (shell conventions).
    pub const CANNOT_RUN: i32 = 126;
    pub const NOT_FOUND: i32 = 127;
}

/// The argument the app's login entry starts it with: the tray only, no window until opened.
pub const IN_TRAY_ARG: &str = "--in-tray";

/// Whether the arguments are for the command line rather than the app: anything but nothing
/// at all, a link (`zoom-connections zoom-connections://…`, how the OS hands one over) or the
/// login entry's `--in-tray`. A mistyped command gets clap's "did you mean" instead of a window.
pub fn is_command(args: &[String]) -> bool {
    match args.get(1) {
        Some(first) => !first.contains("://") && first != IN_TRAY_ARG,
        None => false,
    }
}

/// Runs a command if the arguments name one; None: start the app.
pub fn run_if_command(args: &[String]) -> Option<i32> {
    is_command(args).then(|| run(args))
}

fn run(args: &[String]) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print to stdout and exit 0; usage errors exit 2.
            let _ = e.print();
            return e.exit_code();
        }
    };
    logging::init();
    secret_store::configure(cli.vault.clone());
    let text = text::Text::detect(None);
    match cli.command {
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "zoom-connections", &mut std::io::stdout());
            exit::OK
        }
        Command::Man => {
            print!("{}", include_str!(concat!(env!("OUT_DIR"), "/zoom-connections.1")));
            exit::OK
        }
        Command::Exec(a) => exec::run(a, text),
        Command::Serve(a) => serve::run(a),
        Command::Token(t) => block_on(async move { borrow::token(t.connection.as_deref(), text).await }),
        Command::List { json } => block_on(async move { status::list(json) }),
        // These may rotate a token: a signal lets that finish first (signals.rs).
        Command::Status(a) => block_on(finishing(status::status(a))),
        Command::Keepalive => block_on(finishing(keepalive(text))),
        Command::Doctor => block_on(finishing(async move { Ok(doctor::run(text).await) })),
        // Through the broker, or rotating here: a signal lets a rotation finish first.
        Command::Users(a) => block_on(finishing(actions::users(a, text))),
        Command::Groups(a) => block_on(finishing(actions::groups(a, text))),
        Command::Api(a) => block_on(finishing(actions::api(a, text))),
        Command::Orgs(a) => block_on(finishing(orgs::run(a))),
        // A sign-in is not a rotation: Ctrl-C stops it at once (nothing is stored until the
        // engine's last step, which a signal lets finish as any rotation).
        Command::Connect(a) => block_on(connect::connect(a)),
        Command::Reconnect(a) => block_on(connect::reconnect(a)),
        Command::Delete(a) => block_on(finishing(connect::delete(a))),
    }
}

/// `work`, finished even when a signal comes meanwhile; then the signal's exit code (128+N).
async fn finishing(work: impl std::future::Future<Output = Result<i32, EngineError>>) -> Result<i32, EngineError> {
    let mut signals = signals::Signals::install();
    let (result, caught) = signals::finishing(&mut signals, work).await;
    match caught {
        Some(c) => result.map(|_| 128 + c.signo),
        None => result,
    }
}

fn block_on(work: impl std::future::Future<Output = Result<i32, EngineError>>) -> i32 {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("zoom-connections: {e}");
            return exit::FAILURE;
        }
    };
    match runtime.block_on(work) {
        Ok(code) => code,
        Err(e) => fail(&e),
    }
}

/// Says what went wrong on stderr and gives its exit code.
pub(crate) fn fail(e: &EngineError) -> i32 {
    eprintln!("zoom-connections: {} [{}]", text::Text::current().error(e), e.code.as_str());
    exit_code(e.code)
}

pub(crate) fn exit_code(code: ErrorCode) -> i32 {
    match code {
        ErrorCode::NotFound => exit::UNKNOWN_CONNECTION,
        ErrorCode::ZoomInvalidGrant | ErrorCode::ZoomInvalidClient | ErrorCode::WrongZoomUser => exit::NEEDS_RECONNECT,
        ErrorCode::KeychainUnavailable => exit::KEYCHAIN_UNAVAILABLE,
        ErrorCode::Network | ErrorCode::ZoomRateLimited | ErrorCode::ZoomBadResponse | ErrorCode::LockTimeout => exit::ZOOM_UNREACHABLE,
        _ => exit::FAILURE,
    }
}

pub fn data_dir() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join(IDENTIFIER))
}

pub(crate) fn require_data_dir() -> Result<PathBuf, EngineError> {
    data_dir().ok_or_else(|| EngineError::new(ErrorCode::Storage, "This user has no data directory (HOME is not set)."))
}

/// The engine on the app's data directory and the OS keychain.
pub(crate) fn open_engine() -> Result<Engine, EngineError> {
    let dir = require_data_dir()?;
    let mut config = EngineConfig::new(dir.clone(), secret_store::store(&dir)?);
    // The app owns the data directory: an unreadable list is the app's to set aside.
    config.owns_data = false;
    // Sandbox connections live in the running app's embedded sandbox.
    config.sandbox_url = std::fs::read_to_string(dir.join(SANDBOX_URL_FILE)).ok().map(|s| s.trim().to_string());
    let engine = Engine::open(config)?;
    text::remember_setting(engine.settings().language);
    Ok(engine)
}

async fn keepalive(text: &'static text::Text) -> Result<i32, EngineError> {
    let engine = open_engine()?;
    // Alerts for what this sweep changes (docs/cli.md, Alerts): this process made the change.
    // Read from the statuses before and after, not from events, which a sweep of many
    // connections can emit faster than a channel keeps.
    engine.reload();
    let before: std::collections::HashMap<String, zoom_connections_engine::model::Status> =
        engine.connections().into_iter().map(|c| (c.id, c.status)).collect();
    let report = engine.sweep(DEFAULT_CONCURRENCY).await;
    for conn in engine.connections() {
        let Some(&from) = before.get(&conn.id) else { continue };
        let changed = zoom_connections_engine::EngineEvent::StatusChanged {
            connection_id: conn.id.clone(),
            nickname: conn.nickname.clone(),
            from,
            to: conn.status,
            reason: conn.status_reason.clone(),
            why: conn.reason.clone(),
        };
        if let Some(alert) = zoom_connections_engine::alerts::alert_for(&engine, &changed) {
            engine.deliver(&alert).await;
        }
    }
    println!(
        "{}",
        text::fill(
            text.keepalive_report,
            &[("refreshed", &report.refreshed.to_string()), ("failed", &report.failed.to_string()), ("needing", &report.needing_user.to_string())]
        )
    );
    Ok(if report.failed + report.needing_user == 0 { exit::OK } else { exit::FAILURE })
}

/// `zoom-connections` without a command: the app, beside this binary, in this process's place.
pub fn launch_app(args: &[String]) -> i32 {
    let app = std::env::current_exe()
        .ok()
        .and_then(|exe| std::fs::canonicalize(exe).ok())
        .map(|exe| exe.with_file_name(format!("{APP_BINARY}{}", std::env::consts::EXE_SUFFIX)));
    let Some(app) = app.filter(|p| p.exists()) else {
        eprintln!("zoom-connections: the app ({APP_BINARY}) is not installed beside this command; reinstall Zoom Connections.");
        return exit::FAILURE;
    };
    let mut command = std::process::Command::new(&app);
    command.args(args.iter().skip(1));
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Same pid: the desktop's launch notification and any supervisor follow the app.
        let e = command.exec();
        eprintln!("zoom-connections: could not start {}: {e}", app.display());
        exit::FAILURE
    }
    #[cfg(not(unix))]
    match command.spawn() {
        Ok(_) => exit::OK,
        Err(e) => {
            eprintln!("zoom-connections: could not start {}: {e}", app.display());
            exit::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_a_link_and_the_login_entry_start_the_app_anything_else_is_a_command() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(!is_command(&args(&["zoom-connections"])));
        assert!(!is_command(&args(&["zoom-connections", "zoom-connections://oauth/callback?code=x&state=y"])));
        assert!(!is_command(&args(&["zoom-connections", IN_TRAY_ARG])));
        assert!(is_command(&args(&["zoom-connections", "list"])));
        // A mistyped flag is clap's to explain, not a window.
        assert!(is_command(&args(&["zoom-connections", "--in-tra"])));
    }
}
