//! The sandbox's state between runs, for the app's embedded sandbox: without it every sandbox
//! connection would need a reconnect after each restart of the app, because the new sandbox
//! would not know the tokens the app holds.
//!
//! Saved: the directory's users (SCIM and the control API change them), grants and token
//! records. Tokens are filed by their SHA-256 only, so the file holds nothing usable; the
//! registered apps (with their client secrets) come from the seed each run and are not saved.
//! The clock's offset is saved too, so that time travel and the expiries issued in it agree after
//! a restart. Not saved: sign-ins and codes in progress (minutes long), faults, and
//! token records nobody can use any more (rotated refresh tokens, access tokens expired for over
//! a day): a connection rotates its tokens every 50 minutes, and the file must not grow with
//! every rotation while it is rewritten on every change. Such a token, presented after a
//! restart, is refused as unknown, the same invalid-token answer it got before.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::seed::{Seed, User};
use crate::state::{Grant, Inner, TokenKind, TokenRecord};

const VERSION: u32 = 1;
/// How long an expired access token is still remembered (and told apart as "expired").
const EXPIRED_ACCESS_KEPT_SECS: i64 = 24 * 3600;

#[derive(Serialize, Deserialize)]
struct Snapshot {
    version: u32,
    users: Vec<User>,
    grants: Vec<Grant>,
    tokens: HashMap<String, TokenRecord>,
    next_grant_id: u64,
    #[serde(default)]
    clock_offset: i64,
}

/// Writes the state atomically (`atomic-write-file`: a temporary file of a random name, synced,
/// then renamed), so a crash mid-write leaves the previous state, not half of one. `now` is the
/// sandbox's time.
pub fn save(path: &Path, inner: &Inner, now: i64) -> std::io::Result<()> {
    let usable = |t: &TokenRecord| match t.kind {
        TokenKind::Refresh => !t.rotated,
        TokenKind::Access => !t.replaced && t.expires_at.is_none_or(|exp| exp > now - EXPIRED_ACCESS_KEPT_SECS),
    };
    let snapshot = Snapshot {
        version: VERSION,
        users: inner.seed.users.clone(),
        grants: inner.grants.clone(),
        tokens: inner.tokens.iter().filter(|(_, t)| usable(t)).map(|(k, t)| (k.clone(), t.clone())).collect(),
        next_grant_id: inner.next_grant_id,
        clock_offset: inner.clock_offset,
    };
    let text = serde_json::to_vec(&snapshot).map_err(std::io::Error::other)?;
    // Its grants' tokens are secrets of the sandbox's users: this user's alone from the start.
    let mut options = atomic_write_file::AtomicWriteFile::options();
    #[cfg(unix)]
    {
        use atomic_write_file::unix::OpenOptionsExt as _;
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.preserve_mode(false);
    }
    let mut file = options.open(path)?;
    std::io::Write::write_all(&mut file, &text)?;
    file.commit()
}

/// The state saved at `path` over `seed`, or a fresh one. A file that cannot be read as a state
/// is moved aside (`<name>.corrupt`) and said so, never half-applied.
pub fn load(path: &Path, seed: Seed, access_token_lifetime: i64) -> Inner {
    let mut inner = Inner::new(seed, access_token_lifetime);
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return inner,
        Err(e) => {
            tracing::warn!("the sandbox's saved state {} could not be read ({e}); starting fresh", path.display());
            return inner;
        }
    };
    match serde_json::from_slice::<Snapshot>(&text) {
        Ok(snapshot) if snapshot.version == VERSION && snapshot.grants.iter().all(|g| g.id < snapshot.next_grant_id) => {
            inner.seed.users = snapshot.users;
            inner.grants = snapshot.grants;
            inner.next_token_seq = snapshot.tokens.values().map(|t| t.seq + 2).max().unwrap_or(1);
            inner.tokens = snapshot.tokens;
            inner.next_grant_id = snapshot.next_grant_id;
            inner.clock_offset = snapshot.clock_offset.clamp(0, crate::clock::MAX_OFFSET);
            inner
        }
        _ => {
            let aside = path.with_extension("json.corrupt");
            let moved = std::fs::rename(path, &aside);
            tracing::warn!(
                "the sandbox's saved state {} is not a state this version can read; moved to {} ({}) and starting fresh",
                path.display(),
                aside.display(),
                if moved.is_ok() { "done" } else { "could not move it" }
            );
            inner
        }
    }
}
