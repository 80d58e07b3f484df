//! An embedded Zoom: a real HTTP server on 127.0.0.1 that behaves like Zoom's OAuth and API
//! endpoints (see ZOOM.md). The app starts it in sandbox mode; tests start it on an ephemeral port.

use std::net::SocketAddr;

use axum::response::Html;
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A sandbox serving on a loopback port until dropped or shut down.
pub struct RunningSandbox {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
}

impl RunningSandbox {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
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

/// Starts a sandbox on `127.0.0.1:port` (0 = an ephemeral port) inside the current tokio runtime.
pub async fn start(port: u16) -> std::io::Result<RunningSandbox> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let app = router();
    tokio::spawn(async move {
        let served = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = rx.await;
        });
        if let Err(e) = served.await {
            tracing::error!("sandbox server stopped: {e}");
        }
    });
    Ok(RunningSandbox { addr, shutdown: Some(tx) })
}

fn router() -> Router {
    Router::new().route("/", get(index))
}

async fn index() -> Html<&'static str> {
    Html(include_str!("pages/index.html"))
}
