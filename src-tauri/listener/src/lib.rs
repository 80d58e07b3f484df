//! Serving a router where strangers can reach it (README.md beside this crate): axum's serve
//! loop with a header-read timeout, a connection cap, and a raised descriptor limit.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::serve::Listener;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{watch, Semaphore};

/// What one listener allows.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once; more are closed as they arrive.
    pub max_connections: usize,
    /// How long a request's head (and so an idle keep-alive connection) may take.
    pub header_read: Duration,
    /// How long a connection may pass no byte either way at any other time: a body that stops
    /// coming, a client that stops reading its answer. Longer than any wait of the handlers'
    /// own (the proxy's for Zoom: 120 s).
    pub idle: Duration,
}

impl Limits {
    pub const fn new(max_connections: usize, header_read: Duration, idle: Duration) -> Self {
        Self { max_connections, header_read, idle }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then lets the requests in flight
/// finish (idle connections are closed at once) and returns. `connect_info` gives each
/// connection its `ConnectInfo<C>` (the peer's address, or its credentials on a Unix socket).
pub async fn serve<L, C, F>(mut listener: L, router: Router, limits: Limits, connect_info: F, shutdown: impl Future<Output = ()> + Send)
where
    L: Listener,
    C: Clone + Send + Sync + 'static,
    F: Fn(&L::Io, &L::Addr) -> C,
{
    raise_open_file_limit();
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let (closing, closed) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (io, addr) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            // Over the cap: closed at once, so the descriptor is free again.
            drop(io);
            continue;
        };
        let info = connect_info(&io, &addr);
        let router = router.clone();
        let mut closed = closed.clone();
        let started = tokio::time::Instant::now();
        let last_byte = Arc::new(AtomicU64::new(0));
        let io = Watched { inner: io, started, last_byte: last_byte.clone() };
        tokio::spawn(async move {
            let _permit = permit;
            let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(info.clone()));
                let mut router = router.clone();
                async move { tower_service::Service::call(&mut router, request).await }
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read);
            let connection = builder.serve_connection(TokioIo::new(io), service).with_upgrades();
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                () = until_closing(&mut closed) => {
                    connection.as_mut().graceful_shutdown();
                    tokio::select! {
                        _ = connection => {}
                        () = until_idle(started, &last_byte, limits.idle) => {}
                    }
                }
                // Dropping the connection closes it.
                () = until_idle(started, &last_byte, limits.idle) => {}
            }
        });
    }
    let _ = closing.send(true);
    // Every connection's permit back: all of them have finished.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = permits.acquire_many(all).await;
}

/// Resolves once no byte has passed for `idle` (checked a few times per `idle`: no timer runs
/// for a listener without connections).
async fn until_idle(started: tokio::time::Instant, last_byte: &AtomicU64, idle: Duration) {
    loop {
        let last = started + Duration::from_millis(last_byte.load(Ordering::Relaxed));
        let quiet_until = last + idle;
        if tokio::time::Instant::now() >= quiet_until {
            return;
        }
        tokio::time::sleep_until(quiet_until).await;
    }
}

/// A connection's stream that notes when a byte last passed, either way.
struct Watched<T> {
    inner: T,
    started: tokio::time::Instant,
    last_byte: Arc<AtomicU64>,
}

impl<T> Watched<T> {
    fn touched(&self) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_byte.store(ms, Ordering::Relaxed);
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.touched();
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.touched();
        }
        polled
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

async fn until_closing(closed: &mut watch::Receiver<bool>) {
    loop {
        let closing = *closed.borrow_and_update();
        if closing || closed.changed().await.is_err() {
            return;
        }
    }
}

/// Raises this process's soft limit on open files to its hard limit (at most 65,536), once:
/// the soft default (1,024) is what a flood of one listener exhausted.
pub fn raise_open_file_limit() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        #[cfg(unix)]
        {
            let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
            // SAFETY: getrlimit and setrlimit only read and write the struct passed.
            unsafe {
                if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
                    let wanted = limit.rlim_max.min(65_536);
                    if limit.rlim_cur < wanted {
                        let raised = libc::rlimit { rlim_cur: wanted, rlim_max: limit.rlim_max };
                        if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) != 0 {
                            tracing::warn!("could not raise the open-file limit from {}", limit.rlim_cur);
                        }
                    }
                }
            }
        }
    });
}

/// The soft limit on open files now (for tests and `doctor`).
#[cfg(unix)]
pub fn open_file_limit() -> u64 {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit only writes the struct passed.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
        limit.rlim_cur
    } else {
        0
    }
}
