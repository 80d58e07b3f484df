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
    #[command(flatten)]
    pub vault: VaultArgs,
}

/// Where secrets are kept (docs/cli.md, On a server).
#[derive(Args, Debug, Clone, Default)]
pub struct VaultArgs {
    /// keychain: the OS keychain (the default on a desktop). file: the encrypted vault file, for
    /// a host without a desktop session (used by itself once it exists).
    #[arg(long, global = true, value_enum, env = "ZOOM_CONNECTIONS_VAULT", value_name = "STORE")]
    pub vault: Option<VaultKind>,
    /// The vault file's passphrase: the first line of this file (mode 0600, yours).
    #[arg(long = "vault-passphrase-file", global = true, env = "ZOOM_CONNECTIONS_VAULT_PASSPHRASE_FILE", value_name = "FILE")]
    pub passphrase_file: Option<std::path::PathBuf>,
    /// The vault file's passphrase: the first line of standard input.
    #[arg(long = "vault-passphrase-stdin", global = true)]
    pub passphrase_stdin: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum VaultKind {
    Keychain,
    File,
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
    /// Add, list, check or remove orgs: the Zoom apps connections are made with.
    ///
    /// Example: zoom-connections orgs add Contoso --client-id abc123 --client-secret-file
    /// secret.txt. A client secret is read from a file or standard input, never an argument.
    Orgs(OrgsArgs),
    /// Sign in to Zoom and make a connection (the window's New Connection), without a window.
    ///
    /// Three ways to sign in, chosen by themselves: a browser on this machine (a desktop
    /// session); Zoom's device sign-in when Zoom enabled it for the org's app (a short code typed
    /// on any device); else paste-back (open the printed link on any device, sign in, and paste
    /// the address the browser ends on). --server-to-server makes a Server-to-Server connection.
    Connect(ConnectArgs),
    /// Sign in again for a connection (the same Zoom user), keeping its nickname and id.
    Reconnect(ReconnectArgs),
    /// Delete a connection: revoke its grant at Zoom, then forget it here (asks first).
    Delete(DeleteArgs),
    /// Manage the Zoom account's users with a connection (the connector's User actions).
    ///
    /// Over Zoom's REST API, or SCIM when that is all the connection was granted; every page,
    /// never past the account's rate limits (docs/cli.md, Users and groups). Example:
    /// zoom-connections users deactivate -c Production alice@example.com
    Users(UsersArgs),
    /// Manage the Zoom account's user groups with a connection (the connector's Group actions).
    Groups(GroupsArgs),
    /// Call any Zoom REST or SCIM endpoint with a connection (the Custom API Action).
    ///
    /// Prints Zoom's answer (JSON) on stdout; exits 0 for a 2xx answer and 1 otherwise.
    /// Example: zoom-connections api -c Production GET /v2/users/me
    Api(ApiArgs),
    /// Print a shell completion script (e.g. zoom-connections completions bash > /etc/bash_completion.d/zoom-connections).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (troff): zoom-connections man | man -l -
    Man,
}

#[derive(Args, Debug)]
pub struct OrgsArgs {
    #[command(subcommand)]
    pub action: OrgsAction,
}

#[derive(Subcommand, Debug)]
pub enum OrgsAction {
    /// The orgs, with their Zoom app and redirect URL (never a secret).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Add an org (or replace one with the same id).
    Add(OrgAddArgs),
    /// Ask Zoom whether the org's app settings work (the window's Check settings).
    Check { org: String },
    /// Remove an org that has no connections, and its client secret.
    Remove { org: String },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cloud {
    /// zoom.us
    Zoom,
    /// zoomgov.com (ZoomGov)
    Zoomgov,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedirectKind {
    /// http://127.0.0.1/oauth/callback (port ignored by Zoom): the one for a server.
    Loopback,
    /// zoom-connections://oauth/callback (a desktop with the app installed).
    DeepLink,
}

#[derive(Args, Debug)]
pub struct OrgAddArgs {
    /// The org's name, as lists show it.
    pub name: String,
    /// Its id (letters, digits, - and _); by default made from the name.
    #[arg(long)]
    pub id: Option<String>,
    /// The Zoom app's client ID (Marketplace → your app → App Credentials).
    #[arg(long)]
    pub client_id: String,
    /// The app's client secret, from the first line of this file: a confidential app.
    #[arg(long, value_name = "FILE", conflicts_with = "client_secret_stdin")]
    pub client_secret_file: Option<std::path::PathBuf>,
    /// The app's client secret, from a line of standard input: a confidential app.
    #[arg(long)]
    pub client_secret_stdin: bool,
    #[arg(long, value_enum, default_value = "zoom")]
    pub cloud: Cloud,
    #[arg(long, value_enum, default_value = "loopback")]
    pub redirect: RedirectKind,
    /// An HTTPS relay page as the redirect URL instead (docs/zoom-setup.md).
    #[arg(long, value_name = "URL", conflicts_with = "redirect")]
    pub relay_url: Option<String>,
    /// Every connection must be able to use SCIM too.
    #[arg(long)]
    pub scim: bool,
    /// Against the Zoom sandbox (the running app's, or `zoom-sandbox`'s address in the data
    /// directory's sandbox-url), to try things without a Zoom account.
    #[arg(long)]
    pub sandbox: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SignInWay {
    /// A browser here if there is a desktop, else the device sign-in if Zoom enabled it, else paste-back.
    #[default]
    Auto,
    /// The browser on this machine (loopback redirect); pasting the address works too.
    Browser,
    /// Print the link, sign in on any device, paste back the address the browser ends on.
    Paste,
    /// Zoom's device sign-in (RFC 8628): a code typed on any device.
    Device,
}

#[derive(Args, Debug)]
pub struct ConnectArgs {
    /// The new connection's nickname (unique in its org).
    pub nickname: String,
    /// The org (name or id); may be left out when there is one.
    #[arg(long)]
    pub org: Option<String>,
    #[arg(long, value_enum, default_value = "auto")]
    pub sign_in: SignInWay,
    /// A Server-to-Server connection: --account-id, --client-id and its secret (file or stdin).
    #[arg(long, requires_all = ["account_id", "client_id"])]
    pub server_to_server: bool,
    #[arg(long, requires = "server_to_server")]
    pub account_id: Option<String>,
    #[arg(long, requires = "server_to_server")]
    pub client_id: Option<String>,
    #[arg(long, value_name = "FILE", conflicts_with = "client_secret_stdin")]
    pub client_secret_file: Option<std::path::PathBuf>,
    #[arg(long)]
    pub client_secret_stdin: bool,
    /// JSON for scripts: the new connection.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ReconnectArgs {
    /// The connection's nickname or id.
    pub connection: String,
    #[arg(long, value_enum, default_value = "auto")]
    pub sign_in: SignInWay,
}

#[derive(Args, Debug)]
pub struct DeleteArgs {
    /// The connection's nickname or id.
    pub connection: String,
    /// Forget it here without revoking at Zoom (when Zoom cannot be reached; the grant stays
    /// until removed in Zoom's Added Apps).
    #[arg(long)]
    pub local_only: bool,
    /// Do not ask (scripts).
    #[arg(long)]
    pub yes: bool,
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

/// The connection an action uses, and its output.
#[derive(Args, Debug)]
pub struct ActionTarget {
    /// The connection's nickname or id (else $ZOOM_CONNECTION or a .zoom-connection file).
    #[arg(short = 'c', long, global = true)]
    pub connection: Option<String>,
    /// JSON for scripts.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct UsersArgs {
    #[command(flatten)]
    pub target: ActionTarget,
    #[command(subcommand)]
    pub action: UsersAction,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum StatusFilter {
    Active,
    Inactive,
    Pending,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum CreateHow {
    /// Zoom emails an invitation; the user is pending until they accept.
    Create,
    /// An active user at once (an account with a managed domain).
    AutoCreate,
    /// An active user without a password (ISV accounts).
    CustCreate,
    /// An active SSO user (SSO pre-provisioning on).
    SsoCreate,
}

#[derive(Subcommand, Debug)]
pub enum UsersAction {
    /// Every user (every page), optionally narrowed: --status, --search (email or name), --type, --role.
    List {
        #[arg(long, value_enum)]
        status: Option<StatusFilter>,
        /// Text in the email or the name (any case).
        #[arg(long)]
        search: Option<String>,
        /// 1 Basic, 2 Licensed, 4 Unassigned, 99 None.
        #[arg(long = "type")]
        user_type: Option<u32>,
        /// A role's id (0 Owner, 1 Admin, 2 Member, or a custom role's).
        #[arg(long = "role")]
        role_id: Option<String>,
    },
    /// One user, by id or email.
    Get { user: String },
    /// A new user.
    Create {
        email: String,
        #[arg(long, default_value = "")]
        first_name: String,
        #[arg(long, default_value = "")]
        last_name: String,
        /// 1 Basic (default), 2 Licensed, 4 Unassigned, 99 None.
        #[arg(long = "type")]
        user_type: Option<u32>,
        #[arg(long, value_enum, default_value = "create")]
        how: CreateHow,
    },
    /// Change a user's name, type, department, job title, time zone or language.
    Update {
        user: String,
        #[arg(long)]
        first_name: Option<String>,
        #[arg(long)]
        last_name: Option<String>,
        #[arg(long = "type")]
        user_type: Option<u32>,
        #[arg(long)]
        dept: Option<String>,
        #[arg(long)]
        job_title: Option<String>,
        #[arg(long)]
        timezone: Option<String>,
        #[arg(long)]
        language: Option<String>,
    },
    /// Let a deactivated user sign in again.
    Activate { user: String },
    /// Stop a user from signing in, keeping their data (can be undone with activate).
    Deactivate { user: String },
    /// Remove a user from the account: by default Zoom's "disassociate" (the user keeps their
    /// data in a free Zoom account of their own); --permanently deletes the user and their data.
    Delete {
        user: String,
        /// Delete for good instead of disassociating (cannot be undone).
        #[arg(long)]
        permanently: bool,
    },
    /// One action for many users, from a CSV (an email column) or a list: a dry run first, then
    /// the run with a journal that resumes where it stopped (docs/cli.md, Bulk runs).
    Bulk(BulkArgs),
    /// The bulk runs of this computer, newest first, and where each stands.
    Runs,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum BulkVerb {
    Activate,
    Deactivate,
    /// Zoom's disassociate: the users leave the account and keep their data.
    Delete,
    /// Delete the users and their data for good.
    DeletePermanently,
    /// Set the fields given (--dept, --job-title, --type, --timezone, --language).
    Update,
    /// Add the users to --group.
    AddToGroup,
}

#[derive(Args, Debug)]
pub struct BulkArgs {
    /// What to do to every user (not with --resume or --undo).
    #[arg(value_enum, required_unless_present_any = ["resume", "undo"])]
    pub action: Option<BulkVerb>,
    /// A CSV file with an email (or id) column, or one email per line; - for stdin.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<String>,
    /// The users, separated by commas or spaces.
    #[arg(long, value_name = "EMAILS")]
    pub users: Option<String>,
    /// Only say what would happen: who exists, what changes, who is refused and why.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation (needed when not on a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Go on with a run that was cut off (its id: `users runs`).
    #[arg(long, value_name = "RUN")]
    pub resume: Option<String>,
    /// Undo a finished deactivation (or activation): the users it changed, back.
    #[arg(long, value_name = "RUN")]
    pub undo: Option<String>,
    /// Write each user's result to this CSV file.
    #[arg(long, value_name = "FILE")]
    pub results: Option<String>,
    /// add-to-group: the group (id or name).
    #[arg(long)]
    pub group: Option<String>,
    #[arg(long)]
    pub dept: Option<String>,
    #[arg(long)]
    pub job_title: Option<String>,
    #[arg(long = "type")]
    pub user_type: Option<u32>,
    #[arg(long)]
    pub timezone: Option<String>,
    #[arg(long)]
    pub language: Option<String>,
}

#[derive(Args, Debug)]
pub struct GroupsArgs {
    #[command(flatten)]
    pub target: ActionTarget,
    #[command(subcommand)]
    pub action: GroupsAction,
}

#[derive(Subcommand, Debug)]
pub enum GroupsAction {
    /// Every group, optionally those whose name holds --search.
    List {
        #[arg(long)]
        search: Option<String>,
    },
    /// One group, by id or exact name.
    Get { group: String },
    /// Every member of a group (by id or name).
    Members { group: String },
    /// Add users (ids or emails) to a group.
    Add {
        group: String,
        #[arg(required = true)]
        users: Vec<String>,
    },
    /// Remove a user (id or email) from a group.
    Remove { group: String, user: String },
}

#[derive(Args, Debug)]
pub struct ApiArgs {
    /// The connection's nickname or id (else $ZOOM_CONNECTION or a .zoom-connection file).
    #[arg(short = 'c', long)]
    pub connection: Option<String>,
    /// PATH is under /scim2 (e.g. Users?count=1) rather than /v2.
    #[arg(long)]
    pub scim: bool,
    /// GET, POST, PATCH, PUT or DELETE.
    pub method: String,
    /// The path, e.g. /v2/users/me or users/me (v2/ or scim2/ is added when missing).
    pub path: String,
    /// The request's JSON body, or @FILE to read it from a file (@- for stdin).
    #[arg(long)]
    pub data: Option<String>,
}
