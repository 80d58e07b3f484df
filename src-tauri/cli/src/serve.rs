//! `zoom-connections serve` (docs/cli.md, serve): the broker, the API proxy, keepalive and alerts
//! without a window, for a machine without a desktop session (a jump host, a CI runner, a
//! container). Stops on SIGTERM or Ctrl-C the way the app quits: the broker stops taking
//! requests, rotations in flight finish and tokens they produced reach the keychain.
//!
//! Under systemd (`Type=notify`, packaging/systemd/) it says when it is ready (after the broker
//! listens), pings the watchdog from its runtime while `WatchdogSec=` asks for it, and says
//! when it is stopping; elsewhere these are no-ops.

use std::time::Duration;

use zoom_connections_engine::broker::{self, BrokerConfig};
use zoom_connections_engine::DEFAULT_CONCURRENCY;

use crate::args::ServeArgs;
use crate::{exit, fail, open_engine};

/// How long stopping waits for requests and rotations in flight.
const STOP_WAIT: Duration = Duration::from_secs(10);

pub(crate) fn run(args: ServeArgs) -> i32 {
    crate::logging::init_service();
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("zoom-connections: {e}");
            return exit::FAILURE;
        }
    };
    runtime.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> i32 {
    // Like the app, a long-running owner of the data narrows what an older version left
    // readable to other users (docs/security.md, Another local user).
    if let Some(dir) = crate::data_dir() {
        if let Err(e) = zoom_connections_engine::fsutil::make_tree_private(&dir) {
            tracing::warn!("the data directory {} could not be made private: {e}", dir.display());
        }
    }
    let engine = match open_engine() {
        Ok(e) => e,
        Err(e) => return fail(&e),
    };
    let config = BrokerConfig { dir: broker::default_dir(), tcp_port: args.tcp };
    let running = match broker::start(engine.clone(), config).await {
        Ok(b) => b,
        Err(e) => return fail(&e),
    };
    let alerts = engine.spawn_alerts();
    let keepalive = {
        let engine = engine.clone();
        let tick = Duration::from_secs(args.tick_secs.max(1));
        tokio::spawn(async move { engine.run_keepalive(tick, DEFAULT_CONCURRENCY).await })
    };
    if let Some(socket) = &running.socket {
        tracing::info!(connections = engine.connections().len(), "serving on {}", socket.display());
    }
    if let Some(addr) = running.tcp {
        tracing::info!("serving on http://{addr} (its secret is in {})", broker::default_dir().join(broker::DISCOVERY_FILE).display());
    }
    let status = format!("serving {} connection(s)", engine.connections().len());
    let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Ready, sd_notify::NotifyState::Status(&status)]);
    let watchdog = watchdog();
    stopped().await;
    let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Stopping]);
    tracing::info!("stopping: the broker takes no more requests; rotations in flight finish");
    let _ = tokio::time::timeout(STOP_WAIT, running.stop()).await;
    // The drain: no new rotation starts, those in flight finish and are written (each runs on
    // its own task, so stopping the keepalive loop afterwards cancels only its waiting).
    let report = engine.shutdown(STOP_WAIT).await;
    keepalive.abort();
    alerts.abort();
    if let Some(w) = watchdog {
        w.abort();
    }
    if report.unsaved > 0 || report.still_holding > 0 {
        exit::FAILURE
    } else {
        exit::OK
    }
}

/// Pings systemd's watchdog at half its interval from this runtime: a runtime whose workers are
/// all stuck stops the pings, and systemd restarts the service. (One stuck worker of two does
/// not: the watchdog proves the process turns, not that every task does.)
fn watchdog() -> Option<tokio::task::JoinHandle<()>> {
    let mut usec = 0;
    if !sd_notify::watchdog_enabled(false, &mut usec) || usec == 0 {
        return None;
    }
    let every = Duration::from_micros(usec / 2).max(Duration::from_millis(100));
    Some(tokio::spawn(async move {
        loop {
            let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Watchdog]);
            tokio::time::sleep(every).await;
        }
    }))
}

#[cfg(unix)]
async fn stopped() {
    use tokio::signal::unix::{signal, SignalKind};
    match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn stopped() {
    let _ = tokio::signal::ctrl_c().await;
}
