//! One call to Zoom's API on a connection, the way every action and the proxy make it: the
//! connection's cached token (`CallTokens`), the account's pace (`RateLimits`), a token Zoom
//! refuses replaced once through the connection's holder (single-flight, `Want::Replace`), and a
//! 429 per second waited out and sent again, so that none reaches the caller. A 429 of the daily
//! limit is passed on: nothing sent today can pass it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::header::{HeaderMap, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};

use crate::engine::{lock, Engine};
use crate::error::{EngineError, ErrorCode, Result};
use crate::tokens::{Handout, Want};

/// A cached token is used while it has at least this long left (longer than any call).
const MIN_LEFT: i64 = 60;
/// A token fetched for calls has at least this long left.
const MIN_LEFT_FETCHED: i64 = 5 * 60;
/// After this process's own rotation, how long a refusal of the new token is passed on instead
/// of rotating again (a token that dies at once points at something a rotation cannot fix).
const ROTATION_PAUSE: Duration = Duration::from_secs(60);
/// A 429 answer is read whole to tell a per-second one from a daily one; Zoom's are small.
const MAX_REFUSAL_BODY: usize = 64 * 1024;
/// How long one call waits out 429s per second in all before it passes one on: under the 90 s a
/// client of the broker's proxy waits for its answer (broker/client.rs), so that no call is
/// still being retried here after its caller gave up (and, say, read the user back).
const MAX_RATE_LIMITED_WAIT: Duration = Duration::from_secs(45);
/// The longest one 429 holds a category (a longer Retry-After is not a per-second one).
const MAX_QPS_WAIT: Duration = Duration::from_secs(30);
/// How long a call refused per second without a wait named waits before its next turn: Zoom
/// counts whole seconds, so the next one has begun by then.
const UNTOLD_WAIT: Duration = Duration::from_secs(1);

/// The token each connection's calls use, until Zoom refuses it or it nears its end.
#[derive(Default)]
pub(crate) struct CallTokens {
    cache: Mutex<HashMap<String, Handout>>,
    /// When this process last rotated a connection's token for a call.
    rotated: Mutex<HashMap<String, std::time::Instant>>,
}

impl CallTokens {
    pub(crate) async fn current(&self, engine: &Engine, id: &str) -> Result<Handout> {
        let conn = engine.connection(id)?;
        let now = engine.now_for(&conn);
        if let Some(cached) = lock(&self.cache).get(id) {
            if cached.generation == conn.generation && cached.expires_at - now > MIN_LEFT {
                return Ok(cached.clone());
            }
        }
        let fetched = engine.use_token(id, MIN_LEFT_FETCHED).await?;
        lock(&self.cache).insert(id.to_string(), fetched.clone());
        Ok(fetched)
    }

    /// Zoom refused `refused`: a new token, rotating only if no one has since it was issued.
    /// None: this process rotated the connection moments ago and will not again so soon.
    pub(crate) async fn replace(&self, engine: &Engine, id: &str, refused: &Handout) -> Result<Option<Handout>> {
        if lock(&self.rotated).get(id).is_some_and(|at| at.elapsed() < ROTATION_PAUSE) && engine.connection(id)?.generation == refused.generation {
            // A rotation may be in flight elsewhere (keepalive, another process): Zoom ended this
            // token when it issued the new one, before the generation moved. Holding the
            // connection waits for whoever rotates, here or in another process, and reads the
            // generation again; only if it has not moved is Zoom's refusal passed on.
            let now = engine.hold(id).await?.connection()?.generation;
            if now == refused.generation {
                return Ok(None);
            }
            self.forget(id, refused.generation);
            return self.current(engine, id).await.map(Some);
        }
        let (_, refreshed) = engine.refresh(id, Want::Replace { generation: refused.generation }).await.map_err(EngineError::from)?;
        if refreshed == crate::tokens::Refreshed::Rotated {
            lock(&self.rotated).insert(id.to_string(), std::time::Instant::now());
        }
        self.forget(id, refused.generation);
        self.current(engine, id).await.map(Some)
    }

    /// Drops the cached token of `generation`, if it is still the one cached.
    fn forget(&self, id: &str, generation: u64) {
        let mut cache = lock(&self.cache);
        if cache.get(id).is_some_and(|c| c.generation == generation) {
            cache.remove(id);
        }
    }
}

/// A request to the API host: `path` is under it (`v2/users?page_size=300`, `scim2/Users`).
#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pub body: axum::body::Bytes,
}

impl ApiRequest {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self { method, path: path.into(), headers: HeaderMap::new(), body: axum::body::Bytes::new() }
    }

    pub fn json(mut self, body: &serde_json::Value, content_type: &'static str) -> Self {
        self.headers.insert(reqwest::header::CONTENT_TYPE, reqwest::header::HeaderValue::from_static(content_type));
        self.body = axum::body::Bytes::from(body.to_string());
        self
    }
}

/// Zoom's answer: its body still to be read (streamed by the proxy), or already read (a 401 or
/// a 429, read to tell which it is).
pub enum AnswerBody {
    Stream(reqwest::Response),
    Read(Vec<u8>),
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: AnswerBody,
}

impl Answer {
    /// The whole body, at most `max` bytes (more is an error: Zoom's answers are small).
    pub async fn bytes(self, max: usize) -> Result<Vec<u8>> {
        match self.body {
            AnswerBody::Read(b) => Ok(b),
            AnswerBody::Stream(mut r) => {
                let mut body = Vec::new();
                loop {
                    match r.chunk().await {
                        Ok(Some(chunk)) => {
                            if body.len() + chunk.len() > max {
                                return Err(EngineError::new(
                                    ErrorCode::ZoomBadResponse,
                                    format!("Zoom's answer was larger than {} MiB.", max / (1024 * 1024)),
                                ));
                            }
                            body.extend_from_slice(&chunk);
                        }
                        Ok(None) => return Ok(body),
                        Err(e) => {
                            return Err(EngineError::new(ErrorCode::Network, format!("Zoom's answer was cut off: {}", crate::redact::redact(&e.to_string()))))
                        }
                    }
                }
            }
        }
    }
}

async fn read_bounded(mut response: reqwest::Response) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        if body.len() + chunk.len() > MAX_REFUSAL_BODY {
            break;
        }
        body.extend_from_slice(&chunk);
    }
    body
}

/// Zoom's answer to a token it does not take (`zoom_answers::refuses_token`).
fn token_refused(headers: &HeaderMap, body: &[u8]) -> bool {
    crate::zoom_answers::refuses_token(headers.get(WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()), body)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A 429 of a daily limit (or one that asks to wait longer than a per-second one would).
pub fn is_daily_limit(headers: &HeaderMap) -> bool {
    header(headers, "x-ratelimit-type").is_some_and(|t| t.to_ascii_lowercase().contains("daily"))
}

/// Sends `request` on connection `id` (whose Zoom account is `account`) with `http`.
pub(crate) async fn send(engine: &Engine, id: &str, account: &str, request: &ApiRequest, http: &reqwest::Client) -> Result<Answer> {
    let tokens = &engine.inner.call_tokens;
    let limits = &engine.inner.rate_limits;
    let mut token = tokens.current(engine, id).await?;
    let mut replaced = false;
    let mut waited = Duration::ZERO;
    let method = request.method.as_str();
    loop {
        let category = limits.category(method, &request.path);
        limits.turn(account, category).await;
        let url = format!("{}/{}", token.api_url.trim_end_matches('/'), request.path.trim_start_matches('/'));
        let sent = http
            .request(request.method.clone(), &url)
            .headers(request.headers.clone())
            .bearer_auth(token.access.expose())
            .body(request.body.clone())
            .send()
            .await;
        let response =
            sent.map_err(|e| EngineError::new(ErrorCode::Network, format!("Zoom could not be reached: {}", crate::redact::redact(&e.to_string()))))?;
        let status = response.status();
        let headers = response.headers().clone();
        if status == StatusCode::TOO_MANY_REQUESTS {
            let body = read_bounded(response).await;
            if let Some(named) = header(&headers, "x-ratelimit-category").and_then(super::Category::parse) {
                if named != category {
                    limits.learn(method, &request.path, named);
                }
            }
            let named = header(&headers, "x-ratelimit-category").and_then(super::Category::parse).unwrap_or(category);
            let told = crate::retry_after::rate_limit_wait(|name| header(&headers, name), engine.now()).map(|r| r.wait);
            let wait = told.unwrap_or(UNTOLD_WAIT);
            if is_daily_limit(&headers) || wait > MAX_QPS_WAIT || waited + wait > MAX_RATE_LIMITED_WAIT {
                return Ok(Answer { status, headers, body: AnswerBody::Read(body) });
            }
            waited += wait;
            let limit = header(&headers, "x-ratelimit-limit").and_then(|v| v.trim().parse().ok());
            limits.refused(account, named, limit, told);
            // Zoom's second is full: this call waits for the next one (its phase unknown, so up to
            // a second), then takes a turn at the slower pace.
            tracing::debug!(connection = %id, ?named, "Zoom's per-second limit; waiting and sending again");
            tokio::time::sleep(wait).await;
            continue;
        }
        limits.answered(account, category);
        if status != StatusCode::UNAUTHORIZED {
            return Ok(Answer { status, headers, body: AnswerBody::Stream(response) });
        }
        let body = read_bounded(response).await;
        if token_refused(&headers, &body) && !replaced {
            replaced = true;
            tracing::info!(connection = %id, "the call's token was refused; replacing it and sending the call again");
            match tokens.replace(engine, id, &token).await? {
                Some(t) => token = t,
                None => return Ok(Answer { status, headers, body: AnswerBody::Read(body) }),
            }
            continue;
        }
        return Ok(Answer { status, headers, body: AnswerBody::Read(body) });
    }
}
