// The command line's definition, for clap (derive). Self-contained — only `clap` and
// `clap_complete` paths — because build.rs includes this file too, to render the man page.

use clap::{Args, Parser, Subcommand};

/// Keep OAuth connections to Zoom accounts alive, and let scripts use them.
///
/// Without a command, starts the app (window and tray). A connection is named by its nickname
/// or id; without one, $ZOOM_CONNECTION, else the first .zoom-connection file found from the
/// current directory upward.
///
/// Exit codes: 0 ok, 1 other failure (status, doctor, keepalive: something needs you), 2 usage,
/// 3 unknown connection, 4 needs reconnect, 5 keychain unavailable, 6 try again later (Zoom
/// unreachable, rate-limiting or unreadable, or the connection held by another process too
/// long). exec exits with its command's code.
#[derive(Parser, Debug)]
#[command(name = "zoom-connections", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print a valid access token (at least 10 minutes left) and nothing else.
    ///
    /// Example: curl -H "Authorization: Bearer $(zoom-connections token Production)"
    /// https://api.zoom.us/v2/users/me — through the running app's broker when one runs, else
    /// from the keychain (refreshing first if needed, under the same locks as the app).
    Token(Target),
    /// Run a command with a connection's token in its environment.
    ///
    /// Sets ZOOM_ACCESS_TOKEN (valid for at least 10 minutes: the app will not rotate it
    /// before), ZOOM_ACCOUNT_ID, ZOOM_API_URL (e.g. https://api.zoom.us; add /v2/… or
    /// /scim2/…), ZOOM_CONNECTION and ZOOM_CONNECTION_ORG. Every occurrence of the token in the
    /// command's output is replaced by <redacted>. Exits with the command's exit code (128+N if
    /// signal N ended it). Example: zoom-connections exec Production -- python sync_users.py
    Exec(ExecArgs),
    /// List the connections (no tokens, ever).
    List {
        /// JSON for scripts (docs/cli.md, status and JSON).
        #[arg(long)]
        json: bool,
    },
    /// Each connection's health: exit 0 when none needs you, 1 when one does.
    ///
    /// For cron and monitoring. --check also asks Zoom whether each grant answers now (exit 6
    /// when Zoom cannot be reached and nothing needs you). The JSON's schema is in docs/cli.md and
    /// does not change within schema_version 1.
    Status(StatusArgs),
    /// Refresh every connection that is due, once (for cron on a machine without the app).
    ///
    /// Example crontab line: */15 * * * * zoom-connections keepalive
    Keepalive,
    /// Serve the token broker and API proxy without a window, and keep connections alive.
    ///
    /// For a machine without a desktop session (the app serves the same while it runs). On
    /// $XDG_RUNTIME_DIR/zoom-connections/broker.sock for this user only; with --tcp on
    /// 127.0.0.1 too, behind a secret of this run written to broker.json beside the socket.
    /// Scripts then call /zoom/NICKNAME/v2/… and never hold a token (docs/cli.md, The broker).
    Serve(ServeArgs),
    /// Check what the app needs, one line each with a fix: keychain, data directory, each
    /// org's settings, Zoom (DNS, TLS, proxy), each connection's grant.
    Doctor,
    /// Print a shell completion script (e.g. zoom-connections completions bash > /etc/bash_completion.d/zoom-connections).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (troff): zoom-connections man | man -l -
    Man,
}

#[derive(Args, Debug)]
pub struct Target {
    /// The connection's nickname or id.
    pub connection: Option<String>,
}

#[derive(Args, Debug)]
pub struct ExecArgs {
    /// The connection's nickname or id (without it, write only `--` before the command).
    pub connection: Option<String>,
    /// Pass the command's output through untouched (binary output; the token is then not masked).
    #[arg(long)]
    pub no_masking: bool,
    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// Only this connection (nickname or id).
    pub connection: Option<String>,
    /// JSON (docs/cli.md, status and JSON).
    #[arg(long)]
    pub json: bool,
    /// Ask Zoom now whether each grant answers (the connection test).
    #[arg(long)]
    pub check: bool,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Also listen on 127.0.0.1 (any free port unless one is given), behind a secret.
    #[arg(long, value_name = "PORT", num_args = 0..=1, default_missing_value = "0")]
    pub tcp: Option<u16>,
    /// Seconds between keepalive ticks.
    #[arg(long, default_value_t = 30, value_name = "SECONDS", hide = true)]
    pub tick_secs: u64,
}
