//! An embedded Zoom: a real HTTP server on 127.0.0.1 that behaves like Zoom's OAuth and API
//! endpoints as docs/zoom.md describes them. The app starts it in sandbox mode; tests start it on an
//! ephemeral port. See README.md beside this file for every behaviour and the control API.

mod api;
mod authorize;
mod clock;
mod control;
mod device;
mod errors;
pub mod faults;
mod grants;
mod groups;
mod guard;
mod marketplace;
mod pages;
mod paging;
mod persist;
mod pkce;
pub mod populate;
pub mod rate_limits;
mod readings;
mod redirect;
mod scim;
mod scim_groups;
pub mod seed;
mod state;
mod token_endpoint;
#[cfg(feature = "user-agent")]
pub mod user_agent;
mod users;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::State;
use axum::middleware;
use axum::response::Html;
use axum::routing::{delete, get, post, put};
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use seed::Seed;
use state::Shared;
pub use state::DEFAULT_ACCESS_TOKEN_LIFETIME;

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// 0 = an ephemeral port.
    pub port: u16,
    pub seed: Seed,
    pub access_token_lifetime: i64,
    /// Keep users, grants and token records (by hash) in this file between runs; none = memory
    /// only.
    pub state_file: Option<PathBuf>,
    /// Serve the control API (`/_sandbox/`) behind a secret of this run: for tests, and for the
    /// app when `ZOOM_CONNECTIONS_SANDBOX_CONTROL=1` asks for it. Off: not served at all.
    pub control: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self { port: 0, seed: Seed::builtin(), access_token_lifetime: DEFAULT_ACCESS_TOKEN_LIFETIME, state_file: None, control: false }
    }
}

impl SandboxConfig {
    /// With the control API on: what tests use.
    pub fn for_tests() -> Self {
        Self { control: true, ..Self::default() }
    }
}

/// A sandbox serving on a loopback port until dropped or shut down.
pub struct RunningSandbox {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    shared: Arc<Shared>,
}

impl RunningSandbox {
    /// `http://127.0.0.1:PORT`, without a trailing slash. Also the `api_url` of its tokens.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The sandbox's time (the wall clock plus what `/_sandbox/clock/advance` added), for a
    /// client that should travel through time with it.
    pub fn now(&self) -> i64 {
        self.shared.clock.now()
    }

    /// The control API's secret of this run (header `X-Sandbox-Control`); None when the control
    /// API is not served.
    pub fn control_secret(&self) -> Option<String> {
        self.shared.control_secret.clone()
    }

    pub fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Connections at once, and how long a request's head (or an idle connection) may take.
const LIMITS: zoom_connections_listener::Limits =
    zoom_connections_listener::Limits::new(256, std::time::Duration::from_secs(10), std::time::Duration::from_secs(60));

/// Starts a sandbox on 127.0.0.1 inside the current tokio runtime.
pub async fn start(config: SandboxConfig) -> std::io::Result<RunningSandbox> {
    config.seed.check().map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let listener = TcpListener::bind(("127.0.0.1", config.port)).await?;
    let addr = listener.local_addr()?;
    let inner = match &config.state_file {
        Some(path) => persist::load(path, config.seed.clone(), config.access_token_lifetime),
        None => state::Inner::new(config.seed.clone(), config.access_token_lifetime),
    };
    let shared = Arc::new(Shared::with_state(inner, config.seed, config.access_token_lifetime, format!("http://{addr}"), config.state_file, config.control));
    let (tx, rx) = oneshot::channel::<()>();
    // Any local user and any web page can reach it: bounded (src-tauri/listener).
    let stopped = async move {
        let _ = rx.await;
    };
    tokio::spawn(zoom_connections_listener::serve(listener, router(shared.clone()), LIMITS, |_, peer: &SocketAddr| *peer, stopped));
    tracing::info!(url = %format!("http://{addr}"), "Zoom sandbox listening");
    Ok(RunningSandbox { addr, shutdown: Some(tx), shared })
}

fn router(shared: Arc<Shared>) -> Router {
    let mut app = Router::new()
        .route("/", get(index))
        .route("/oauth/authorize", get(authorize::authorize))
        .route("/oauth/signin", get(authorize::sign_in_page).post(authorize::sign_in_with_password))
        .route("/oauth/signin/sso", get(authorize::sso_page).post(authorize::sso_domain))
        .route("/oauth/signin/google", get(authorize::google))
        .route("/oauth/signin/facebook", get(authorize::facebook))
        .route("/oauth/signin/choose", post(authorize::choose))
        .route("/oauth/preapprove", get(authorize::pre_approve_page).post(authorize::pre_approve))
        .route("/oauth/consent", get(authorize::consent_page).post(authorize::consent))
        .route("/oauth/token", post(token_endpoint::token))
        .route("/oauth/devicecode", post(device::device_code))
        .route(device::VERIFICATION_PATH, get(device::verification_page).post(device::verification_submit))
        .route("/oauth/device/complete/{code}", get(device::complete_link))
        .route("/oauth/revoke", post(token_endpoint::revoke))
        .route(marketplace::PATH, get(marketplace::added_apps).post(marketplace::remove))
        .route("/v2/users/me", get(users::users_me))
        .route("/v2/users", get(users::list).post(users::create))
        .route("/v2/users/{user}", get(users::get).patch(users::update).delete(users::delete))
        .route("/v2/users/{user}/status", put(users::status))
        .route("/v2/groups", get(groups::list))
        .route("/v2/groups/{group}", get(groups::get))
        .route("/v2/groups/{group}/members", get(groups::list_members).post(groups::add_members))
        .route("/v2/groups/{group}/members/{member}", delete(groups::remove_member))
        .route("/scim2/Users", get(scim::list).post(scim::create))
        .route("/scim2/Users/{id}", get(scim::get).patch(scim::patch).delete(scim::delete))
        .route("/scim2/Groups", get(scim_groups::list))
        .route("/scim2/Groups/{id}", get(scim_groups::get).patch(scim_groups::patch));
    if shared.control_secret.is_some() {
        app = app.nest("/_sandbox", control_router(shared.clone()));
    }
    // Every route: the Host header names this server (no DNS rebinding), and a form posted from
    // another site's page is refused.
    app.layer(middleware::from_fn_with_state(shared.clone(), guard::same_origin_only))
        .layer(middleware::from_fn_with_state(shared.clone(), guard::own_host_only))
        .with_state(shared)
}

fn control_router(shared: Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new()
        .route("/faults", get(control::faults).post(control::add_fault).delete(control::clear_faults))
        .route("/clock", get(control::clock))
        .route("/clock/advance", post(control::advance_clock))
        .route("/uninstall", post(control::uninstall))
        .route("/deactivate", post(control::deactivate))
        .route("/grants", get(control::grants).post(control::mint))
        .route("/issued-secrets", get(control::issued_secrets))
        .route("/settings", post(control::settings))
        .route("/populate", post(control::populate))
        .route("/changes", get(control::changes))
        .route("/reset", post(control::reset))
        .layer(middleware::from_fn_with_state(shared, control::authorized_only))
}

async fn index(State(shared): State<Arc<Shared>>) -> Html<String> {
    let inner = shared.lock();
    pages::index(&inner.seed, &shared.base_url)
}
