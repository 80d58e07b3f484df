//! The loopback redirect (RFC 8252): a one-shot HTTP listener on 127.0.0.1 at an ephemeral port
//! that exists only while its flow is pending. It hands the full callback URL to the engine and
//! answers the browser with a short page, in English and Japanese (the browser's language is
//! not the app's to guess). A request naming another host is refused before the engine sees it:
//! a web page that rebinds its own name to 127.0.0.1 must not read this page (docs/security.md).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::extract::{OriginalUri, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::callback_url::LOOPBACK_PATH;
use crate::error::{EngineError, ErrorCode, Result};

/// Gets the full callback URL; returns the new connection's nickname, or why it failed.
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
    // A web page or another local user can reach it too: bounded (src-tauri/listener).
    let limits = zoom_connections_listener::Limits::new(16, std::time::Duration::from_secs(10), std::time::Duration::from_secs(30));
    let until_stopped = async move {
        let _ = stopped.await;
    };
    tokio::spawn(zoom_connections_listener::serve(listener, app, limits, |_, _| (), until_stopped));
    Ok(LoopbackListener { redirect_uri: format!("{base}{LOOPBACK_PATH}"), _stop: stop })
}

async fn callback(State((handler, base)): State<(Handler, String)>, OriginalUri(uri): OriginalUri, headers: HeaderMap) -> Response {
    let ours = base.strip_prefix("http://");
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if host.is_none() || host != ours {
        return (StatusCode::BAD_REQUEST, "wrong host").into_response();
    }
    let (title_en, title_ja, text_en, text_ja) = match handler(format!("{base}{uri}")).await {
        Ok(nickname) => ("Connected", "接続しました", format!("“{nickname}” is connected."), format!("「{nickname}」を接続しました。")),
        // The engine's reason is in English; its Japanese reading is in the app's window.
        Err(reason) => ("Not connected", "接続できませんでした", reason, "理由はアプリの画面に表示されます。".to_string()),
    };
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Zoom Connections</title></head>\
         <body style=\"font:16px system-ui,sans-serif;margin:15vh auto;max-width:32em\">\
         <h1>{}</h1><p>{}</p><p>You can close this tab and return to Zoom Connections.</p>\
         <div lang=\"ja\"><h1>{}</h1><p>{}</p><p>このタブを閉じて Zoom Connections に戻ってください。</p></div></body></html>",
        escape(title_en),
        escape(&text_en),
        escape(title_ja),
        escape(&text_ja)
    ))
    .into_response()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
