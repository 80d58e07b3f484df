//! Logging with `tracing` to the app's log directory (and stderr), every line passed through the
//! engine's redaction first (the command line's `Redacting` writer) so that nothing token-like
//! reaches a file.

use std::io;

use tauri::{AppHandle, Manager, Runtime};
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::prelude::*;
use tracing_subscriber::EnvFilter;
use zoom_connections_cli::logging::Redacting;

/// Log files kept: one per day.
const KEEP_DAYS: usize = 7;

pub fn init<R: Runtime>(app: &AppHandle<R>) -> Result<(), Box<dyn std::error::Error>> {
    let dir = app.path().app_log_dir()?;
    // Private from its creation (fsutil.rs): the appender makes its daily files with the
    // umask's mode, which this folder keeps from other users.
    zoom_connections_engine::fsutil::create_private_dir(&dir)?;
    let file = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("zoom-connections")
        .filename_suffix("log")
        .max_log_files(KEEP_DAYS)
        .build(&dir)?;
    let filter = EnvFilter::try_from_env("ZOOM_CONNECTIONS_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_ansi(false).with_writer(Redacting(file)))
        .with(tracing_subscriber::fmt::layer().with_writer(Redacting(io::stderr)))
        .try_init()?;
    tracing::info!(dir = %dir.display(), "logging to file");
    Ok(())
}
