//! The sandbox listens where any local user and any web page reach it: a half-sent request is
//! not held for ever (src-tauri/listener; docs/security.md, Listeners).

mod common;

use std::time::Duration;

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn a_half_sent_request_is_closed_after_the_header_timeout() {
    let sandbox = Sandbox::start().await;
    let mut half = tokio::net::TcpStream::connect(sandbox.running.addr()).await.unwrap();
    half.write_all(b"GET /oauth/authorize HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ").await.unwrap();
    let mut buf = [0u8; 256];
    let closed = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(n) = half.read(&mut buf).await {
            if n == 0 {
                return;
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the sandbox still holds a half-sent request after 30 s");
    // And it goes on serving.
    assert_eq!(sandbox.get("/").await.status(), 200);
}
