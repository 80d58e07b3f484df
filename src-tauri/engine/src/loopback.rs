//! The loopback redirect (RFC 8252): a one-shot HTTP listener on 127.0.0.1 at an ephemeral port
//! that exists only while its flow is pending. It hands the full callback URL to the engine and
//! answers the browser with a short page.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::extract::{OriginalUri, State};
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::callback_url::LOOPBACK_PATH;
use crate::error::{EngineError, ErrorCode, Result};

/// Gets the full callback URL; returns the page text for the browser.
pub type Handler = Arc<dyn Fn(String) -> Pin<Box<dyn Future<Output = std::result::Result<String, String>> + Send>> + Send + Sync>;

/// Stops listening when dropped.
pub struct LoopbackListener {
    pub redirect_uri: String,
    _stop: oneshot::Sender<()>,
}

pub async fn listen(handler: Handler) -> Result<LoopbackListener> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| EngineError::new(ErrorCode::Network, format!("could not open a loopback port for the sign-in: {e}")))?;
    let port = listener.local_addr().map_err(|e| EngineError::new(ErrorCode::Network, format!("loopback port: {e}")))?.port();
    let base = format!("http://127.0.0.1:{port}");
    let app = Router::new().route(LOOPBACK_PATH, get(callback)).with_state((handler, base.clone()));
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let served = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(e) = served.await {
            tracing::warn!("loopback listener stopped: {e}");
        }
    });
    Ok(LoopbackListener { redirect_uri: format!("{base}{LOOPBACK_PATH}"), _stop: stop })
}

async fn callback(State((handler, base)): State<(Handler, String)>, OriginalUri(uri): OriginalUri) -> Html<String> {
    let (title, text) = match handler(format!("{base}{uri}")).await {
        Ok(text) => ("Connected", text),
        Err(text) => ("Not connected", text),
    };
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Zoom Connections</title></head>\
         <body style=\"font:16px system-ui,sans-serif;margin:15vh auto;max-width:32em\"><h1>{}</h1><p>{}</p>\
         <p>You can close this tab and return to Zoom Connections.</p></body></html>",
        escape(title),
        escape(&text)
    ))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
