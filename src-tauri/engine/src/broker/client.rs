//! The broker as the command line (and tests) reach it: found through its discovery file, over
//! the Unix socket where there is one, else the loopback port with the secret. A broker that
//! does not answer is `Unreachable`, and the caller does the work itself (keychain and lock
//! files); a broker that answers with an error has the last word.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{read_discovery, Discovery};
use crate::error::{EngineError, ErrorCode};
use crate::secret::Secret;
use crate::summary::ConnectionSummary;

/// An access token lent by the broker (`GET /v1/connections/KEY/token`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenLoan {
    #[serde(with = "exposed")]
    pub access_token: Secret,
    pub token_type: String,
    /// Unix seconds: the token's own expiry.
    pub expires_at: i64,
    /// Unix seconds: the token is not rotated away before this.
    pub valid_until: i64,
    pub api_url: String,
    pub account_id: String,
    pub connection_id: String,
    pub nickname: String,
    pub org_id: String,
}

/// The loan's token is the one field of the broker's answers that is meant to be read: it is
/// written out here, deliberately, and nowhere else.
mod exposed {
    use crate::secret::Secret;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(secret: &Secret, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(secret.expose())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

/// What asking the broker gave.
#[derive(Debug)]
pub enum Reached<T> {
    Answered(Result<T, EngineError>),
    /// No broker answers (none runs, or it just stopped): do the work without it.
    Unreachable,
}

pub struct BrokerClient {
    http: reqwest::Client,
    base: String,
    secret: Option<String>,
    /// Whether what answers on the port proved it knows the secret (`proof.rs`); asked once.
    proven: tokio::sync::OnceCell<bool>,
    /// The data directory and sandbox address a loan's `api_url` is checked against.
    checks: Option<(PathBuf, Option<String>)>,
    pub pid: u32,
}

fn same_dir(a: &Path, b: &Path) -> bool {
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    canonical(a) == canonical(b)
}

/// The broker's answers can take as long as a refresh that waits for another process's lock.
const TIMEOUT: Duration = Duration::from_secs(90);

impl BrokerClient {
    /// The broker in `dir` that serves `data_dir`, if its discovery file says one runs.
    /// The broker's directory and discovery file must be this user's alone (a planted file in
    /// a shared temporary directory would send a script's token requests elsewhere), and the
    /// broker it names must still run.
    /// The first broker found in `dirs` (`broker::candidate_dirs`) for this data directory.
    pub fn discover_any(dirs: &[std::path::PathBuf], data_dir: &Path) -> Option<Self> {
        dirs.iter().find_map(|dir| Self::discover(dir, data_dir))
    }

    pub fn discover(dir: &Path, data_dir: &Path) -> Option<Self> {
        if !super::peer::private_to_us(dir) || !super::peer::private_to_us(&dir.join(super::DISCOVERY_FILE)) {
            return None;
        }
        let found = read_discovery(dir)?;
        if !same_dir(&found.data_dir, data_dir) || !super::peer::alive(found.pid) {
            return None;
        }
        Self::from_discovery(&found).map(|c| Self { checks: Some((data_dir.to_path_buf(), None)), ..c })
    }

    /// The running sandbox's address, which a sandbox org's loans must name.
    pub fn with_sandbox_url(mut self, sandbox_url: Option<String>) -> Self {
        if let Some((_, url)) = self.checks.as_mut() {
            *url = sandbox_url;
        }
        self
    }

    fn from_discovery(found: &Discovery) -> Option<Self> {
        // Plain HTTP to this machine: no proxy, and no certificate stores to load (reading the
        // system's store costs a `token` call more than its whole request to the broker).
        let builder = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(2))
            .no_proxy()
            .tls_built_in_root_certs(false)
            .tls_built_in_native_certs(false)
            .tls_built_in_webpki_certs(false);
        #[cfg(unix)]
        if let Some(socket) = found.socket.as_ref().filter(|s| super::peer::owned_by_us(s)) {
            let http = builder.unix_socket(socket.clone()).build().ok()?;
            return Some(Self { http, base: "http://localhost".into(), secret: None, proven: tokio::sync::OnceCell::new(), checks: None, pid: found.pid });
        }
        let tcp = found.tcp.as_ref().filter(|t| t.url.starts_with("http://127.0.0.1:"))?;
        let http = builder.build().ok()?;
        Some(Self { http, base: tcp.url.clone(), secret: Some(tcp.secret.clone()), proven: tokio::sync::OnceCell::new(), checks: None, pid: found.pid })
    }

    fn get(&self, path: &str) -> reqwest::RequestBuilder {
        let request = self.http.get(format!("{}{path}", self.base));
        match &self.secret {
            Some(secret) => request.bearer_auth(secret),
            None => request,
        }
    }

    /// On the port: whether what answers there knows this run's secret, asked without sending
    /// it. Anything else there (a stale `broker.json`, another user's process on a freed port)
    /// is no broker: the caller does the work itself, and the secret never left.
    async fn proven(&self) -> bool {
        let Some(secret) = &self.secret else { return true };
        *self
            .proven
            .get_or_init(|| async {
                let nonce = super::proof::new_nonce();
                let url = format!("{}{}?nonce={nonce}", self.base, super::proof::PATH);
                // Short: what answers on a stale port may never answer (the keychain is the way on).
                let answered = match self.http.get(url).timeout(Duration::from_secs(2)).send().await {
                    Ok(r) if r.status().is_success() => r.json::<serde_json::Value>().await.ok(),
                    _ => None,
                };
                let proof = answered.as_ref().and_then(|j| j["proof"].as_str()).unwrap_or("");
                let holds = super::proof::holds(secret, &nonce, proof);
                if !holds {
                    tracing::warn!(url = %self.base, "what answers on the broker's port did not prove it is the broker; not using it");
                }
                holds
            })
            .await
    }

    async fn call<T: serde::de::DeserializeOwned>(&self, path: &str) -> Reached<T> {
        if !self.proven().await {
            return Reached::Unreachable;
        }
        let response = match self.get(path).send().await {
            Ok(r) => r,
            Err(e) if e.is_connect() => return Reached::Unreachable,
            Err(e) => return Reached::Answered(Err(EngineError::new(ErrorCode::Network, format!("The broker did not answer: {e}")))),
        };
        let ok = response.status().is_success();
        let body = match response.bytes().await {
            Ok(b) => b,
            Err(e) => return Reached::Answered(Err(EngineError::new(ErrorCode::Network, format!("The broker's answer was cut off: {e}")))),
        };
        if ok {
            return Reached::Answered(
                serde_json::from_slice(&body)
                    .map_err(|e| EngineError::new(ErrorCode::ZoomBadResponse, format!("The broker answered something unexpected: {e}"))),
            );
        }
        Reached::Answered(Err(parse_error(&body)))
    }

    /// A token for the connection `key`. Its `api_url` is checked against the org's allowed
    /// hosts as the engine checks Zoom's (`orgs::api_url_allowed`): a script sends its data
    /// where the loan says, so a loan from something that is not our broker must not choose.
    pub async fn token(&self, key: &str) -> Reached<TokenLoan> {
        let key: String = percent_encoding::utf8_percent_encode(key, percent_encoding::NON_ALPHANUMERIC).to_string();
        match self.call::<TokenLoan>(&format!("/v1/connections/{key}/token")).await {
            Reached::Answered(Ok(loan)) => Reached::Answered(self.check_loan(&loan).map(|()| loan)),
            other => other,
        }
    }

    fn check_loan(&self, loan: &TokenLoan) -> Result<(), EngineError> {
        let Some((data_dir, sandbox_url)) = &self.checks else { return Ok(()) };
        let orgs = crate::store::MetadataStore::new(data_dir).read_orgs()?;
        let allowed = orgs.iter().find(|o| o.id == loan.org_id).is_some_and(|org| crate::orgs::api_url_allowed(org, &loan.api_url, sandbox_url.as_deref()));
        if allowed {
            return Ok(());
        }
        Err(EngineError::new(
            ErrorCode::ZoomBadResponse,
            format!("The broker lent a token for an API address its org does not allow ({}); it was not used.", crate::summary::quoted(&loan.api_url)),
        ))
    }

    pub async fn connections(&self) -> Reached<Vec<ConnectionSummary>> {
        #[derive(Deserialize)]
        struct Listed {
            connections: Vec<ConnectionSummary>,
        }
        match self.call::<Listed>("/v1/connections").await {
            Reached::Answered(r) => Reached::Answered(r.map(|l| l.connections)),
            Reached::Unreachable => Reached::Unreachable,
        }
    }

    /// Whether it answers at all.
    pub async fn alive(&self) -> bool {
        matches!(self.call::<serde_json::Value>("/v1/health").await, Reached::Answered(Ok(_)))
    }
}

/// An action's calls through the running app's proxy (`/zoom/KEY/…`): the app's tokens and its
/// pace of the account, so a script's bulk run and the app's own calls share one limiter.
pub struct Proxied {
    client: BrokerClient,
    key: String,
}

impl Proxied {
    pub fn new(client: BrokerClient, key: &str) -> Self {
        Self { client, key: key.to_string() }
    }
}

impl crate::actions::Transport for Proxied {
    async fn call(&self, request: crate::actions::call::ApiRequest) -> Result<crate::actions::Reply, EngineError> {
        if !self.client.proven().await {
            return Err(crate::actions::transport::unreachable("The running app's broker could not be used."));
        }
        let key: String = percent_encoding::utf8_percent_encode(&self.key, percent_encoding::NON_ALPHANUMERIC).to_string();
        let url = format!("{}/zoom/{key}/{}", self.client.base, request.path.trim_start_matches('/'));
        let mut builder = self.client.http.request(request.method.clone(), url).headers(request.headers.clone()).body(request.body.clone());
        if let Some(secret) = &self.client.secret {
            builder = builder.bearer_auth(secret);
        }
        let response = builder.send().await.map_err(|e| EngineError::new(ErrorCode::Network, format!("The broker did not answer: {e}")))?;
        let status = response.status().as_u16();
        // Bounded as a direct call's answer is (actions/transport.rs).
        let mut response = response;
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| EngineError::new(ErrorCode::Network, format!("The broker's answer was cut off: {e}")))? {
            if body.len() + chunk.len() > crate::actions::transport::MAX_ANSWER {
                return Err(EngineError::new(ErrorCode::ZoomBadResponse, "Zoom's answer through the broker was larger than any of its answers."));
            }
            body.extend_from_slice(&chunk);
        }
        // The proxy's own refusals are `{"error": {"code": "<ours>"}}`; Zoom's have a number.
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        if json["error"]["code"].is_string() {
            return Err(parse_error(&body));
        }
        Ok(crate::actions::Reply::from_bytes(status, &body))
    }
}

/// `{"error": {"code", "message"}}` as the engine's error (an unknown code as a Zoom error).
fn parse_error(body: &[u8]) -> EngineError {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let code = json["error"]["code"].as_str().unwrap_or("");
    let message = json["error"]["message"].as_str().unwrap_or("The broker refused the request.").to_string();
    let code = ErrorCode::ALL.into_iter().find(|c| c.as_str() == code).unwrap_or(ErrorCode::ZoomError);
    EngineError::new(code, message)
}

/// A broker that answers in `dir` (whatever data directory it serves), for `start`'s check.
pub(crate) async fn live_broker(dir: &Path) -> Option<Discovery> {
    let found = read_discovery(dir)?;
    let client = BrokerClient::from_discovery(&found)?;
    client.alive().await.then_some(found)
}

/// Where the broker's discovery file says its socket is (for the docs' curl examples).
pub fn socket_path(dir: &Path) -> Option<PathBuf> {
    read_discovery(dir)?.socket
}
