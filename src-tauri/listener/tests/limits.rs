//! The limits over real TCP connections, as another local user would hold them.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::routing::get;
use axum::Router;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use zoom_connections_listener::{serve, Limits};

async fn start(limits: Limits) -> (SocketAddr, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = Router::new()
        .route("/", get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { format!("hello {}", peer.ip()) }))
        .route("/body", axum::routing::post(|body: String| async move { body.len().to_string() }))
        .route("/big", get(|| async { "x".repeat(8 * 1024 * 1024) }));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(serve(listener, router, limits, |_, addr: &SocketAddr| *addr, async move {
        let _ = stopped.await;
    }));
    (addr, stop, served)
}

/// Reads until the server closes the connection; None if it is still open after `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    let mut seen = Vec::new();
    tokio::time::timeout(within, async {
        let mut buf = [0u8; 1024];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .ok()
    .map(|()| seen)
}

#[tokio::test]
async fn a_half_sent_request_and_an_idle_connection_are_closed_after_the_header_timeout() {
    let (addr, _stop, _served) = start(Limits::new(8, Duration::from_millis(300), Duration::from_secs(600))).await;
    let mut half = TcpStream::connect(addr).await.unwrap();
    half.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ").await.unwrap();
    assert!(closed_within(&mut half, Duration::from_secs(10)).await.is_some(), "a half-sent head is not held for ever");

    // A whole request is answered (with the peer as connect info), then the idle keep-alive
    // connection is closed too.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").await.unwrap();
    let seen = closed_within(&mut idle, Duration::from_secs(10)).await.expect("closed once idle");
    let text = String::from_utf8_lossy(&seen);
    assert!(text.starts_with("HTTP/1.1 200") && text.ends_with("hello 127.0.0.1"), "{text}");
}

/// After the head: a body that stops coming, and a client that stops reading its answer, are
/// closed once no byte has passed for `idle` (the header timeout no longer runs then).
#[tokio::test]
async fn a_stalled_body_and_an_unread_answer_are_closed_when_idle() {
    let (addr, _stop, _served) = start(Limits::new(8, Duration::from_secs(600), Duration::from_millis(400))).await;
    let mut stalled = TcpStream::connect(addr).await.unwrap();
    stalled.write_all(b"POST /body HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nonly a little").await.unwrap();
    assert!(closed_within(&mut stalled, Duration::from_secs(10)).await.is_some(), "a body that stopped coming is not waited for for ever");

    // 8 MiB answers, asked for and never read: the socket buffers fill and the writes stop.
    let mut deaf = TcpStream::connect(addr).await.unwrap();
    for _ in 0..4 {
        deaf.write_all(b"GET /big HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Closed by now: reading drains what was buffered, then ends (not waiting for the rest).
    let drained = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = vec![0u8; 1 << 16];
        let mut total = 0usize;
        loop {
            match deaf.read(&mut buf).await {
                Ok(0) | Err(_) => return total,
                Ok(n) => total += n,
            }
        }
    })
    .await
    .expect("the connection was closed, not left waiting for a reader");
    assert!(drained < 4 * 8 * 1024 * 1024, "it was cut, not served whole: {drained} bytes");
}

#[tokio::test]
async fn connections_over_the_cap_are_closed_at_once_and_the_cap_frees_up() {
    let (addr, stop, served) = start(Limits::new(2, Duration::from_secs(600), Duration::from_secs(600))).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET / HT").await.unwrap();
        held.push(s);
    }
    // Held connections are being served (no answer yet): the third is over the cap.
    let mut third = TcpStream::connect(addr).await.unwrap();
    assert!(closed_within(&mut third, Duration::from_secs(10)).await.is_some(), "over the cap: closed, not queued");
    for s in &mut held {
        assert!(closed_within(s, Duration::from_millis(200)).await.is_none(), "within the cap: still served");
    }
    drop(held);
    // The cap frees up as the held ones go: a request is answered again.
    let answered = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Ok(r) = reqwest::get(format!("http://{addr}/")).await {
                return r.status().as_u16();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap();
    assert_eq!(answered, 200);
    // Shutdown returns once the connections are done.
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), served).await.expect("serve returns after shutdown").unwrap();
}
