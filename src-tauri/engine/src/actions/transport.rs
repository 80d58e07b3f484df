//! Where an action's calls go: `Direct` sends them from this process (the app, `serve`, or a
//! command line that found no broker running); the broker's client sends them through the
//! running app's proxy (`broker::client::Proxied`).

use std::future::Future;

use super::call::ApiRequest;
use crate::engine::Engine;
use crate::error::{EngineError, ErrorCode, Result};

/// Zoom's answers to actions are small; a page of 300 users is about 200 KiB.
pub const MAX_ANSWER: usize = 16 * 1024 * 1024;

/// Zoom's answer to one call: its status and its body (JSON when it is JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: serde_json::Value,
    /// The body as text when it was not JSON (an HTML page from something in between).
    pub text: Option<String>,
}

impl Reply {
    pub fn from_bytes(status: u16, body: &[u8]) -> Self {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Self { status, body: serde_json::Value::Null, text: None };
        }
        match serde_json::from_slice(body) {
            Ok(json) => Self { status, body: json, text: None },
            Err(_) => Self { status, body: serde_json::Value::Null, text: Some(String::from_utf8_lossy(&body[..body.len().min(2048)]).into_owned()) },
        }
    }

    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

pub trait Transport: Send + Sync {
    fn call(&self, request: ApiRequest) -> impl Future<Output = Result<Reply>> + Send;
}

/// Calls made from this process, on the engine's tokens and paces.
#[derive(Clone)]
pub struct Direct {
    engine: Engine,
    id: String,
    account: String,
}

impl Direct {
    /// The connection `key` (nickname or id) of `engine`.
    pub fn new(engine: &Engine, key: &str) -> Result<Self> {
        let conn = engine.find_connection(key)?;
        Ok(Self { engine: engine.clone(), id: conn.id, account: conn.identity.account_id })
    }

    pub fn scopes(&self) -> Result<Vec<String>> {
        Ok(self.engine.connection(&self.id)?.granted_scopes)
    }
}

impl Transport for Direct {
    async fn call(&self, request: ApiRequest) -> Result<Reply> {
        let http = self.engine.inner.zoom.proxy_http()?;
        let answer = super::call::send(&self.engine, &self.id, &self.account, &request, http).await?;
        let status = answer.status.as_u16();
        let body = answer.bytes(MAX_ANSWER).await?;
        Ok(Reply::from_bytes(status, &body))
    }
}

impl<T: Transport> Transport for &T {
    async fn call(&self, request: ApiRequest) -> Result<Reply> {
        (**self).call(request).await
    }
}

/// A transport's error as the engine's (for transports outside this module).
pub fn unreachable(what: &str) -> EngineError {
    EngineError::new(ErrorCode::Network, what.to_string())
}
