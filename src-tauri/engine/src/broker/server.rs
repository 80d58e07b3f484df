//! The broker's HTTP side: the routes, the check of every caller, the audit of every request.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use tokio::sync::watch;

use super::audit::{AuditLog, Entry};
use super::client::TokenLoan;
use super::peer::{current_uid, same_secret, Caller};
use super::proxy;
use crate::engine::Engine;
use crate::error::{EngineError, ErrorCode};

#[derive(Clone)]
pub(crate) struct BrokerState {
    pub engine: Engine,
    audit: Arc<AuditLog>,
    /// Set on the loopback port's state only: what a request there must carry.
    tcp: Option<Arc<TcpGuard>>,
}

struct TcpGuard {
    port: u16,
    secret: String,
}

impl BrokerState {
    pub fn new(engine: Engine, audit_path: std::path::PathBuf) -> Self {
        Self { engine, audit: Arc::new(AuditLog::new(audit_path)), tcp: None }
    }

    pub fn with_tcp(mut self, port: u16, secret: &str) -> Self {
        self.tcp = Some(Arc::new(TcpGuard { port, secret: secret.to_string() }));
        self
    }
}

/// Which connection a response was about, for the audit line.
#[derive(Clone)]
pub(crate) struct AuditedConnection(pub String);

fn router(state: BrokerState) -> Router {
    Router::new()
        .route("/v1/health", get(health))
        .route(super::proof::PATH, get(proof))
        .route("/v1/connections", get(connections))
        .route("/v1/connections/{key}/token", get(token))
        .route("/zoom/{*rest}", any(proxy::forward))
        .fallback(|| async { error_response(&EngineError::new(ErrorCode::NotFound, "The broker has no such route (docs/cli.md, The broker).")) })
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// Each of the broker's listeners is bounded on its own (src-tauri/listener): a flood of the
/// port, which any local user can reach, leaves the socket's connections to its owner.
/// Quiet for up to 150 s: a token handout may wait 60 s for another process's lock, and the proxy
/// 120 s for Zoom's next bytes.
const QUIET: std::time::Duration = std::time::Duration::from_secs(150);
const SOCKET_LIMITS: zoom_connections_listener::Limits = zoom_connections_listener::Limits::new(256, std::time::Duration::from_secs(10), QUIET);
const PORT_LIMITS: zoom_connections_listener::Limits = zoom_connections_listener::Limits::new(128, std::time::Duration::from_secs(10), QUIET);

#[cfg(unix)]
pub(crate) fn serve_unix(listener: tokio::net::UnixListener, state: BrokerState, stopped: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    let who = |io: &tokio::net::UnixStream, _: &tokio::net::unix::SocketAddr| {
        // The kernel names the peer (`SO_PEERCRED`).
        let cred = io.peer_cred().ok();
        Caller::Unix { uid: cred.map(|c| c.uid()), pid: cred.and_then(|c| c.pid()) }
    };
    tokio::spawn(zoom_connections_listener::serve(listener, router(state), SOCKET_LIMITS, who, until_stopped(stopped)))
}

pub(crate) fn serve_tcp(listener: tokio::net::TcpListener, state: BrokerState, stopped: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    let who = |_: &tokio::net::TcpStream, addr: &std::net::SocketAddr| Caller::Tcp { addr: *addr };
    tokio::spawn(zoom_connections_listener::serve(listener, router(state), PORT_LIMITS, who, until_stopped(stopped)))
}

async fn until_stopped(mut stopped: watch::Receiver<bool>) {
    let _ = stopped.wait_for(|s| *s).await;
}

/// Why a request is refused before any handler sees it; None: it may go on.
fn refusal(state: &BrokerState, caller: &Caller, path: &str, headers: &HeaderMap) -> Option<(StatusCode, &'static str)> {
    // A web page's request always carries its Origin; no script of ours sends one.
    if headers.contains_key(header::ORIGIN) {
        return Some((StatusCode::FORBIDDEN, "web page"));
    }
    match caller {
        Caller::Unix { uid, .. } => (*uid != Some(current_uid())).then_some((StatusCode::FORBIDDEN, "another user")),
        Caller::Tcp { .. } => {
            // The socket's state has no secret: nothing may come in over TCP without one.
            let Some(guard) = &state.tcp else { return Some((StatusCode::UNAUTHORIZED, "secret")) };
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
            let loopback_host = host == format!("127.0.0.1:{}", guard.port) || host == format!("localhost:{}", guard.port);
            if !loopback_host {
                return Some((StatusCode::MISDIRECTED_REQUEST, "host"));
            }
            // The one request without the secret: the client's check that this is the broker,
            // before it sends the secret (proof.rs).
            if path == super::proof::PATH {
                return None;
            }
            let presented = headers
                .get(header::AUTHORIZATION)
                .and_then(|h| h.to_str().ok())
                .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
                .unwrap_or("");
            (!same_secret(presented.trim().as_bytes(), guard.secret.as_bytes())).then_some((StatusCode::UNAUTHORIZED, "secret"))
        }
    }
}

/// Every request: the caller checked, then served, then audited (refused ones counted: audit.rs).
async fn guard(State(state): State<BrokerState>, ConnectInfo(caller): ConnectInfo<Caller>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    // The caller checked before anything of its request is kept (the audit line is bounded).
    let refused_because = refusal(&state, &caller, request.uri().path(), request.headers());
    let path = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/").to_string();
    let mut entry = Entry::new(&caller, request.method().as_str(), &path);
    let response = match refused_because {
        Some((status, why)) => {
            entry.refused = Some(why);
            let message = match why {
                "web page" => "The broker does not answer web pages.",
                "another user" => "The broker serves only the user who runs it.",
                "host" => "The broker answers only requests for 127.0.0.1.",
                _ => "This request lacks the broker's secret (see docs/cli.md, The broker).",
            };
            refused(status, message)
        }
        None => {
            // A proof is asked without the secret (proof.rs): counted as strangers' requests are,
            // not a line each, so that no one can push the log out with it.
            if matches!(caller, Caller::Tcp { .. }) && request.uri().path() == super::proof::PATH {
                entry.refused = Some("proof without the secret");
            }
            next.run(request).await
        }
    };
    entry.status = response.status().as_u16();
    entry.ms = started.elapsed().as_millis() as u64;
    entry.connection = response.extensions().get::<AuditedConnection>().map(|c| c.0.clone());
    state.audit.write(&entry);
    response
}

fn refused(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({"error": {"code": "unauthorized", "message": message}});
    let mut response = (status, Json(body)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"zoom-connections\""));
    }
    response
}

/// The HTTP status for an engine error: what a script can tell from the status alone.
pub(crate) fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        // Only the user can fix it (reconnect in the app).
        ErrorCode::ZoomInvalidGrant | ErrorCode::ZoomInvalidClient | ErrorCode::WrongZoomUser => StatusCode::CONFLICT,
        ErrorCode::ZoomRateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Network | ErrorCode::ZoomBadResponse | ErrorCode::ZoomError => StatusCode::BAD_GATEWAY,
        ErrorCode::KeychainUnavailable | ErrorCode::Storage | ErrorCode::LockTimeout | ErrorCode::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::MissingScope | ErrorCode::RoleNotAllowed | ErrorCode::ScimUnavailable => StatusCode::FORBIDDEN,
        ErrorCode::InvalidSettings | ErrorCode::InvalidNickname => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// `{"error": {"code", "message"}}` with the status for its code.
pub(crate) fn error_response(e: &EngineError) -> Response {
    (status_of(e.code), Json(serde_json::json!({"error": e}))).into_response()
}

fn about(response: impl IntoResponse, connection_id: &str) -> Response {
    let mut response = response.into_response();
    response.extensions_mut().insert(AuditedConnection(connection_id.to_string()));
    response
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({"service": "zoom-connections-broker", "version": env!("CARGO_PKG_VERSION"), "pid": std::process::id()}))
}

/// `GET /v1/proof?nonce=N`: HMAC(secret, N) on the loopback port (proof.rs); the socket, whose
/// file is the proof, has no secret.
async fn proof(State(state): State<BrokerState>, axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>) -> Response {
    let nonce = query.get("nonce").map(String::as_str).unwrap_or("");
    match &state.tcp {
        Some(guard) if super::proof::well_formed(nonce) => Json(serde_json::json!({"proof": super::proof::answer(&guard.secret, nonce)})).into_response(),
        Some(_) => error_response(&EngineError::new(ErrorCode::InvalidSettings, "The nonce must be 64 hex digits.")),
        None => error_response(&EngineError::new(ErrorCode::NotFound, "The socket has no secret to prove.")),
    }
}

async fn connections(State(state): State<BrokerState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({"schema_version": crate::summary::SCHEMA_VERSION, "connections": state.engine.summaries()}))
}

/// A connection by nickname or id; a connection created by another process since this one read
/// the list is found after reading it again.
pub(crate) fn find(engine: &Engine, key: &str) -> Result<crate::model::Connection, EngineError> {
    engine.find_connection(key).or_else(|_| {
        engine.reload();
        engine.find_connection(key)
    })
}

async fn token(State(state): State<BrokerState>, Path(key): Path<String>) -> Response {
    let conn = match find(&state.engine, &key) {
        Ok(c) => c,
        Err(e) => return error_response(&e),
    };
    match state.engine.hand_out(&conn.id).await {
        Ok(handout) => {
            let conn = state.engine.connection(&conn.id).unwrap_or(conn);
            let loan = TokenLoan {
                access_token: handout.access,
                token_type: "bearer".into(),
                expires_at: handout.expires_at,
                valid_until: handout.valid_until,
                api_url: handout.api_url,
                account_id: conn.identity.account_id.clone(),
                connection_id: conn.id.clone(),
                nickname: conn.nickname.clone(),
                org_id: conn.org_id.clone(),
            };
            let mut response = about(Json(loan), &conn.id);
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(e) => about(error_response(&e), &conn.id),
    }
}

pub(crate) fn with_connection(response: Response, connection_id: &str) -> Response {
    about(response, connection_id)
}

pub(crate) fn body_too_large() -> Response {
    let e = EngineError::new(ErrorCode::InvalidSettings, format!("Requests through the proxy are limited to {} MiB.", proxy::MAX_REQUEST_BODY / (1024 * 1024)));
    (StatusCode::PAYLOAD_TOO_LARGE, Json(serde_json::json!({"error": e}))).into_response()
}
