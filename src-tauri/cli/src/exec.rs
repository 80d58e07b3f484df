//! `zoom-connections exec [NICK] -- COMMAND [ARGS…]` (docs/cli.md, exec): the command runs with
//! the connection's token in its environment (as aws-vault's `exec` does with AWS credentials),
//! its output passes through with the token masked (as 1Password's `op run` does), signals
//! sent to `exec` reach it, and its exit code is `exec`'s.

use std::process::Stdio;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

use crate::args::ExecArgs;
use crate::borrow::{lend, Lent};
use crate::mask::{Masker, Stream};
use crate::signals::{finishing, forward, Signals};
use crate::text::{fill, Text};
use crate::{exit, fail, target};

pub(crate) fn run(args: ExecArgs, text: &'static Text) -> i32 {
    match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(exec(args, text)),
        Err(e) => {
            eprintln!("zoom-connections: {e}");
            exit::FAILURE
        }
    }
}

/// What the child gets besides the environment it inherits.
fn environment(lent: &Lent) -> Vec<(&'static str, String)> {
    vec![
        ("ZOOM_ACCESS_TOKEN", lent.access.expose().to_string()),
        ("ZOOM_ACCOUNT_ID", lent.account_id.clone()),
        ("ZOOM_API_URL", lent.api_url.trim_end_matches('/').to_string()),
        ("ZOOM_CONNECTION", lent.nickname.clone()),
        ("ZOOM_CONNECTION_ORG", lent.org_id.clone()),
        ("ZOOM_TOKEN_VALID_UNTIL", lent.valid_until.to_string()),
    ]
}

async fn exec(args: ExecArgs, text: &'static Text) -> i32 {
    let key = match target::resolve(args.connection.as_deref(), "exec", text) {
        Ok(k) => k,
        Err(usage) => {
            eprintln!("zoom-connections: {usage}");
            return exit::USAGE;
        }
    };
    let Some((program, program_args)) = args.command.split_first() else { return exit::USAGE };
    // Installed before the token is borrowed: a signal then waits for the borrowing (which may
    // be rotating) to finish, and before the child exists, so that none meant for it is lost.
    let mut signals = Signals::install();
    let (lent, early) = finishing(&mut signals, lend(&key)).await;
    let lent = match lent {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    if let Some(caught) = early {
        return 128 + caught.signo;
    }
    let masking = !args.no_masking;
    let mut command = tokio::process::Command::new(program);
    command.args(program_args).envs(environment(&lent)).stdin(Stdio::inherit());
    if masking {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
    }
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("zoom-connections: {}", fill(text.not_found, &[("command", program)]));
            return exit::NOT_FOUND;
        }
        Err(e) => {
            eprintln!("zoom-connections: {}", fill(text.cannot_run, &[("command", program), ("why", &e.to_string())]));
            return exit::CANNOT_RUN;
        }
    };
    let pumps = match (child.stdout.take(), child.stderr.take()) {
        (Some(out), Some(err)) => Some(tokio::spawn(pump(out, err, Masker::new(&[lent.access.expose()])))),
        _ => None,
    };
    let status = loop {
        tokio::select! {
            status = child.wait() => break status,
            Some(signal) = signals.next() => forward(child.id(), signal),
        }
    };
    if let Some(pumps) = pumps {
        let _ = pumps.await;
    }
    match status {
        Ok(status) => code_of(status),
        Err(e) => {
            eprintln!("zoom-connections: {}", fill(text.cannot_run, &[("command", program), ("why", &e.to_string())]));
            exit::FAILURE
        }
    }
}

/// How long a tail held back by the masker (it could be the start of the token) waits for what
/// follows before it is shown: a prompt without a newline must appear.
const HOLD_AT_MOST: std::time::Duration = std::time::Duration::from_millis(50);

/// Copies the child's stdout and stderr, in the order their bytes arrive, through one masker
/// (mask.rs: half a token on each is a token on the screen). A reader that went away (`| head`)
/// ends the copy of its stream; the child then sees that pipe closed, as it would without `exec`.
async fn pump(out: impl AsyncRead + Unpin, err: impl AsyncRead + Unpin, mut masker: Masker) {
    let (mut out, mut err) = (Some(out), Some(err));
    let (mut out_buf, mut err_buf) = (vec![0u8; 16 * 1024], vec![0u8; 16 * 1024]);
    let mut to = Destinations { out: Some(tokio::io::stdout()), err: Some(tokio::io::stderr()) };
    while out.is_some() || err.is_some() {
        // Biased: when both streams have bytes, which came first cannot be known from two pipes;
        // stdout first keeps the order of a command that writes stdout, then stderr.
        let (stream, read) = tokio::select! {
            biased;
            read = async { out.as_mut()?.read(&mut out_buf).await.ok() }, if out.is_some() => (Stream::Out, read),
            read = async { err.as_mut()?.read(&mut err_buf).await.ok() }, if err.is_some() => (Stream::Err, read),
            () = tokio::time::sleep(HOLD_AT_MOST), if masker.holding() => {
                to.write(masker.flush()).await;
                continue;
            }
        };
        let chunk = match (read, stream) {
            (Some(n), Stream::Out) if n > 0 => &out_buf[..n],
            (Some(n), Stream::Err) if n > 0 => &err_buf[..n],
            (_, Stream::Out) => {
                out = None;
                continue;
            }
            (_, Stream::Err) => {
                err = None;
                continue;
            }
        };
        to.write(masker.push(stream, chunk)).await;
        if to.out.is_none() {
            out = None;
        }
        if to.err.is_none() {
            err = None;
        }
    }
    to.write(masker.flush()).await;
}

struct Destinations {
    out: Option<tokio::io::Stdout>,
    err: Option<tokio::io::Stderr>,
}

impl Destinations {
    /// Writes each part to its stream; a stream whose reader went away is written no more.
    async fn write(&mut self, parts: Vec<(Stream, Vec<u8>)>) {
        for (stream, bytes) in parts {
            let written = match stream {
                Stream::Out => match self.out.as_mut() {
                    Some(to) => to.write_all(&bytes).await.is_ok() && to.flush().await.is_ok(),
                    None => continue,
                },
                Stream::Err => match self.err.as_mut() {
                    Some(to) => to.write_all(&bytes).await.is_ok() && to.flush().await.is_ok(),
                    None => continue,
                },
            };
            if !written {
                match stream {
                    Stream::Out => self.out = None,
                    Stream::Err => self.err = None,
                }
            }
        }
    }
}

#[cfg(unix)]
fn code_of(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(signal)) => 128 + signal,
        _ => exit::FAILURE,
    }
}

#[cfg(not(unix))]
fn code_of(status: std::process::ExitStatus) -> i32 {
    status.code().unwrap_or(exit::FAILURE)
}
