//! What `zoom-connections doctor` asks of this machine beyond the connections themselves: does
//! the keychain answer and take a write, and does a Zoom host answer over HTTPS with the
//! engine's own trust store and proxy (so that a doctor that passes means the app can too).

use crate::engine::Engine;
use crate::error::Result;
use crate::secret::Secret;

const PROBE_KEY: &str = "doctor/probe";

/// Why a host could not be reached, in the words of the layer that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreached {
    /// The name does not resolve.
    Dns(String),
    /// Connecting, TLS, the proxy or a timeout.
    Connection(String),
}

impl Engine {
    /// Writes, reads back and removes a probe entry: reachable and unlocked, or why not.
    pub async fn probe_keychain(&self) -> Result<()> {
        // An entry of this process's own: two doctors at once (two cron jobs, two tests) each
        // deleted the other's entry and reported the keychain broken.
        let key = format!("{PROBE_KEY}-{}", std::process::id());
        let value = format!("zoom-connections doctor {}", rand::random::<u64>());
        self.keychain(move |s| {
            s.set(&key, &Secret::new(value.clone()))?;
            let back = s.get(&key)?;
            s.delete(&key)?;
            match back {
                Some(v) if v.expose() == value => Ok(()),
                _ => Err(crate::error::EngineError::new(crate::error::ErrorCode::KeychainUnavailable, "the keychain took a value but gave back another")),
            }
        })
        .await?
    }

    /// The HTTP status `url` answers with (any status: it answered), or why it did not.
    pub async fn reach(&self, url: &str) -> std::result::Result<u16, Unreached> {
        match self.inner.zoom.http().get(url).send().await {
            Ok(r) => Ok(r.status().as_u16()),
            Err(e) => {
                let mut chain = Vec::new();
                let mut source: Option<&dyn std::error::Error> = Some(&e);
                while let Some(err) = source {
                    chain.push(err.to_string());
                    source = err.source();
                }
                let text = crate::redact::redact(&chain.join(": ")).into_owned();
                let dns = chain.iter().any(|s| s.contains("dns error") || s.contains("failed to lookup address") || s.contains("Name or service not known"));
                Err(if dns { Unreached::Dns(text) } else { Unreached::Connection(text) })
            }
        }
    }
}
