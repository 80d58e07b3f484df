//! Which secret store this process uses (docs/cli.md, On a server): the OS keychain, or the
//! vault file when asked for (`--vault file`, `ZOOM_CONNECTIONS_VAULT=file`) or when one was
//! made in the data directory. Never a silent plain-text fallback.
//!
//! The vault's passphrase, first found wins:
//! 1. `$CREDENTIALS_DIRECTORY/vault-passphrase`: systemd's `LoadCredentialEncrypted=` (sealed by
//!    `systemd-creds`, with the TPM2 where there is one) or `LoadCredential=`;
//! 2. `--vault-passphrase-file` / `ZOOM_CONNECTIONS_VAULT_PASSPHRASE_FILE`: a regular file of
//!    this user's, readable by nobody else (0600 or narrower), at most 4 KiB, its first line;
//! 3. `--vault-passphrase-stdin`: the first line of standard input;
//! 4. a terminal: asked, not echoed (twice when the vault is new);
//! 5. `systemd-ask-password`, when there is no terminal (a service started by hand).

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use zoom_connections_engine::secret::Secret;
use zoom_connections_engine::vault::{KeychainStore, SharedStore};
use zoom_connections_engine::vault_file::{self, FileVault};
use zoom_connections_engine::{EngineError, ErrorCode};

use crate::args::{VaultArgs, VaultKind};

/// The systemd credential's name (`LoadCredentialEncrypted=vault-passphrase:…`).
pub const CREDENTIAL: &str = "vault-passphrase";
const MAX_PASSPHRASE_FILE: u64 = 4096;

static CHOICE: OnceLock<VaultArgs> = OnceLock::new();
/// One store per process: the vault's passphrase is asked once.
static OPENED: OnceLock<SharedStore> = OnceLock::new();

/// What the command line said (called once, before any command runs).
pub fn configure(args: VaultArgs) {
    let _ = CHOICE.set(args);
}

fn choice() -> VaultArgs {
    CHOICE.get().cloned().unwrap_or_default()
}

/// Whether this process keeps secrets in the vault file.
pub fn uses_vault_file(data_dir: &Path) -> bool {
    match choice().vault {
        Some(VaultKind::File) => true,
        Some(VaultKind::Keychain) => false,
        None => vault_file::exists(data_dir),
    }
}

fn refused(why: impl Into<String>) -> EngineError {
    EngineError::new(ErrorCode::KeychainUnavailable, why.into())
}

/// The store for the data directory `data_dir`; a vault file is made when asked for and none
/// exists.
pub fn store(data_dir: &Path) -> Result<SharedStore, EngineError> {
    open_store(data_dir, true)
}

/// The same, never making a vault (`doctor` looks; it does not create).
pub fn existing_store(data_dir: &Path) -> Result<SharedStore, EngineError> {
    open_store(data_dir, false)
}

fn open_store(data_dir: &Path, may_create: bool) -> Result<SharedStore, EngineError> {
    if let Some(store) = OPENED.get() {
        return Ok(store.clone());
    }
    let store: SharedStore = if uses_vault_file(data_dir) {
        let create = !vault_file::exists(data_dir);
        if create && !may_create {
            return Err(refused(format!("there is no vault file in {} yet", data_dir.display())));
        }
        let passphrase = passphrase(create)?;
        zoom_connections_engine::fsutil::create_private_dir(data_dir).map_err(|e| refused(format!("could not create {}: {e}", data_dir.display())))?;
        Arc::new(FileVault::open(data_dir, &passphrase, create)?)
    } else {
        Arc::new(KeychainStore::new())
    };
    Ok(OPENED.get_or_init(|| store).clone())
}

fn passphrase(create: bool) -> Result<Secret, EngineError> {
    if let Some(dir) = std::env::var_os("CREDENTIALS_DIRECTORY") {
        let path = PathBuf::from(dir).join(CREDENTIAL);
        if path.exists() {
            // systemd made the folder and file this service's alone.
            return first_line(&path);
        }
    }
    let args = choice();
    if let Some(file) = args.passphrase_file {
        return private_first_line(&file);
    }
    if args.passphrase_stdin {
        return stdin_lines::next().map(Secret::new).ok_or_else(|| refused("--vault-passphrase-stdin: standard input had no line"));
    }
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) && std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        let text = crate::setup_text::SetupText::current();
        let first = rpassword::prompt_password(if create { text.new_passphrase } else { text.passphrase })
            .map_err(|e| refused(format!("could not read the passphrase: {e}")))?;
        if create {
            let again = rpassword::prompt_password(text.passphrase_again).map_err(|e| refused(format!("could not read the passphrase: {e}")))?;
            if again != first {
                return Err(EngineError::new(ErrorCode::InvalidSettings, text.passphrases_differ));
            }
        }
        return Ok(Secret::new(first));
    }
    if let Some(asked) = ask_password() {
        return Ok(asked);
    }
    Err(refused(crate::setup_text::SetupText::current().no_passphrase))
}

/// `systemd-ask-password`, for a process systemd started (`INVOCATION_ID`) without a terminal:
/// the system's password agents ask (console, wall, `systemd-tty-ask-password-agent`), within
/// a minute (less than a unit's start timeout). Anywhere else no agent may ever answer, and cron
/// or a script must not hang on it.
fn ask_password() -> Option<Secret> {
    if !sd_notify::booted().unwrap_or(false) || std::env::var_os("INVOCATION_ID").is_none() {
        return None;
    }
    let out = std::process::Command::new("systemd-ask-password")
        .args(["--timeout=60", "--id=zoom-connections:vault", "Zoom Connections vault passphrase:"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .output()
        .ok()?;
    let line = String::from_utf8(out.stdout).ok()?;
    let line = line.trim_end_matches(['\r', '\n']);
    (out.status.success() && !line.is_empty()).then(|| Secret::new(line))
}

/// A passphrase file must be a regular file of this user's that no one else can read: checked
/// on the file opened (without following a link), so that nothing can swap it in between.
fn private_first_line(path: &Path) -> Result<Secret, EngineError> {
    let bad = |why: String| refused(format!("the passphrase file {}: {why}", path.display()));
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW | libc::O_NONBLOCK);
    let file = options.open(path).map_err(|e| bad(e.to_string()))?;
    let meta = file.metadata().map_err(|e| bad(e.to_string()))?;
    if !meta.file_type().is_file() {
        return Err(bad("not a regular file".into()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: geteuid has no preconditions.
        let me = unsafe { libc::geteuid() };
        if meta.uid() != me {
            return Err(bad("it belongs to another user".into()));
        }
        if meta.mode() & 0o077 != 0 {
            return Err(bad("others can read it: chmod 600 it".into()));
        }
    }
    read_first_line(file, path)
}

/// The first line of a file systemd made for this service alone.
fn first_line(path: &Path) -> Result<Secret, EngineError> {
    let file = std::fs::File::open(path).map_err(|e| refused(format!("the passphrase file {}: {e}", path.display())))?;
    read_first_line(file, path)
}

fn read_first_line(file: std::fs::File, path: &Path) -> Result<Secret, EngineError> {
    let mut text = String::new();
    file.take(MAX_PASSPHRASE_FILE).read_to_string(&mut text).map_err(|e| refused(format!("the passphrase file {}: {e}", path.display())))?;
    let line = text.lines().next().unwrap_or("").to_string();
    if line.is_empty() {
        return Err(refused(format!("the passphrase file {} is empty", path.display())));
    }
    Ok(Secret::new(line))
}

/// Lines of standard input, handed out in order to whoever asks (the vault's passphrase first,
/// then a client secret, then a pasted address).
pub mod stdin_lines {
    use super::*;

    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

    pub fn next() -> Option<String> {
        let _turn = LOCK.lock().ok()?;
        let mut line = String::new();
        match std::io::stdin().lock().read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim_end_matches(['\r', '\n']).to_string()),
        }
    }
}
