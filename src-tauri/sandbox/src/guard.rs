//! What keeps the sandbox from being a way in for a web page in the user's browser, which can
//! reach 127.0.0.1 like any local program: a request must name this server in its `Host` header
//! (a DNS-rebinding page's requests name the page's own host), and a form posted from another
//! site's page (its `Origin`) is refused.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::Shared;

/// The `host:port` forms this server answers to.
fn own_hosts(base_url: &str) -> Vec<String> {
    let port = base_url.rsplit(':').next().unwrap_or_default();
    vec![format!("127.0.0.1:{port}"), format!("localhost:{port}")]
}

pub async fn own_host_only(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_ascii_lowercase);
    match host {
        Some(h) if own_hosts(&shared.base_url).contains(&h) => next.run(request).await,
        _ => (StatusCode::MISDIRECTED_REQUEST, "This is the Zoom Connections sandbox: it answers only to its own address.").into_response(),
    }
}

pub async fn same_origin_only(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        if let Some(origin) = request.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
            let own = own_hosts(&shared.base_url).iter().any(|h| origin.eq_ignore_ascii_case(&format!("http://{h}")));
            if !own {
                return (StatusCode::FORBIDDEN, "Cross-site requests are refused.").into_response();
            }
        }
    }
    next.run(request).await
}
