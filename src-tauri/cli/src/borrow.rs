//! Borrowing a connection's access token for `token` and `exec`: from the broker of the running
//! app (or `serve`) when one answers — the process that rotates the token is the one that lends
//! it — else from the keychain directly, under the same locks (`Engine::hand_out`). Either way
//! the token is promised to stay valid for `HANDOUT_MIN_LIFETIME`.

use std::io::Write;

use zoom_connections_engine::broker::client::Reached;
use zoom_connections_engine::broker::{self, BrokerClient};
use zoom_connections_engine::{EngineError, Secret};

use crate::{exit, open_engine, require_data_dir, target, text::Text};

/// A borrowed token and what a script needs with it.
pub(crate) struct Lent {
    pub access: Secret,
    pub api_url: String,
    pub account_id: String,
    pub nickname: String,
    pub org_id: String,
    pub valid_until: i64,
}

pub(crate) async fn lend(key: &str) -> Result<Lent, EngineError> {
    let data_dir = require_data_dir()?;
    let sandbox_url = std::fs::read_to_string(data_dir.join(crate::SANDBOX_URL_FILE)).ok().map(|s| s.trim().to_string());
    if let Some(client) = BrokerClient::discover_any(&broker::candidate_dirs(), &data_dir).map(|c| c.with_sandbox_url(sandbox_url)) {
        match client.token(key).await {
            Reached::Answered(Ok(loan)) => {
                tracing::debug!(broker_pid = client.pid, "token lent by the broker");
                return Ok(Lent {
                    access: loan.access_token,
                    api_url: loan.api_url,
                    account_id: loan.account_id,
                    nickname: loan.nickname,
                    org_id: loan.org_id,
                    valid_until: loan.valid_until,
                });
            }
            Reached::Answered(Err(e)) => return Err(e),
            Reached::Unreachable => tracing::debug!("no broker answers; using the keychain"),
        }
    }
    let engine = open_engine()?;
    let conn = engine.find_connection(key)?;
    let handout = engine.hand_out(&conn.id).await?;
    Ok(Lent {
        access: handout.access,
        api_url: handout.api_url,
        account_id: conn.identity.account_id,
        nickname: conn.nickname,
        org_id: conn.org_id,
        valid_until: handout.valid_until,
    })
}

/// `zoom-connections token [NICK]`: the token and a newline, nothing else
/// (`$(zoom-connections token X)` strips the newline).
pub(crate) async fn token(named: Option<&str>, text: &'static Text) -> Result<i32, EngineError> {
    let key = match target::resolve(named, "token", text) {
        Ok(k) => k,
        Err(usage) => {
            eprintln!("zoom-connections: {usage}");
            return Ok(exit::USAGE);
        }
    };
    // A signal waits for the borrowing (which may be rotating) to finish, then stops `token`.
    let mut signals = crate::signals::Signals::install();
    let (lent, caught) = crate::signals::finishing(&mut signals, lend(&key)).await;
    let lent = lent?;
    if let Some(caught) = caught {
        return Ok(128 + caught.signo);
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", lent.access.expose());
    Ok(exit::OK)
}
