//! Logging with `tracing` to the app's log directory (and stderr), every line passed through the
//! engine's redaction first so that nothing token-like reaches a file.

use std::io::{self, Write};

use tauri::{AppHandle, Manager, Runtime};
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::prelude::*;
use tracing_subscriber::EnvFilter;
use zoom_connections_engine::redact::redact;

/// Log files kept: one per day.
const KEEP_DAYS: usize = 7;

pub fn init<R: Runtime>(app: &AppHandle<R>) -> Result<(), Box<dyn std::error::Error>> {
    let dir = app.path().app_log_dir()?;
    std::fs::create_dir_all(&dir)?;
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

/// The command line logs to stderr only, and only when asked (`ZOOM_CONNECTIONS_LOG=debug`):
/// its stdout is the token.
pub fn init_cli() {
    if let Ok(filter) = EnvFilter::try_from_env("ZOOM_CONNECTIONS_LOG") {
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).with_writer(Redacting(io::stderr)).try_init();
    }
}

/// A `MakeWriter` whose writers redact each formatted event before passing it on.
struct Redacting<M>(M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Redacting<M> {
    type Writer = RedactingWriter<M::Writer>;
    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter(self.0.make_writer())
    }
}

struct RedactingWriter<W: Write>(W);

impl<W: Write> Write for RedactingWriter<W> {
    // The fmt layer formats a whole event into one buffer and writes it in one call, so each
    // call sees complete lines and a secret is never split across two writes.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(redact(&text).as_bytes())?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}
