//! The command line logs to stderr only — its stdout is the token, a table or JSON — and every
//! line passes through the engine's redaction first. Silent unless `ZOOM_CONNECTIONS_LOG` asks;
//! `serve` logs at info by default (a service's log is how its admin sees it work).

use std::io::{self, Write};

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;
use zoom_connections_engine::redact::redact;

pub const ENV: &str = "ZOOM_CONNECTIONS_LOG";

pub fn init() {
    if let Ok(filter) = EnvFilter::try_from_env(ENV) {
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).with_writer(Redacting(io::stderr)).try_init();
    }
}

pub fn init_service() {
    let filter = EnvFilter::try_from_env(ENV).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).with_writer(Redacting(io::stderr));
    // Under systemd, standard error is the journal, which stamps each line itself.
    let _ = if std::env::var_os("JOURNAL_STREAM").is_some() { builder.without_time().try_init() } else { builder.try_init() };
}

/// A `MakeWriter` whose writers redact each formatted event before passing it on.
pub struct Redacting<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Redacting<M> {
    type Writer = RedactingWriter<M::Writer>;
    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter(self.0.make_writer())
    }
}

pub struct RedactingWriter<W: Write>(W);

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
