//! `zoom-connections exec [NICK] -- COMMAND [ARGS…]` (docs/cli.md, exec): the command runs with
//! the connection's token in its environment (as aws-vault's `exec` does with AWS credentials),
//! its output passes through with the token masked (as 1Password's `op run` does), signals
//! sent to `exec` reach it, and its exit code is `exec`'s.

use std::process::Stdio;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::args::ExecArgs;
use crate::borrow::{lend, Lent};
use crate::mask::Masker;
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
    let secret = lent.access.expose().to_string();
    let pumps = match (child.stdout.take(), child.stderr.take()) {
        (Some(out), Some(err)) => {
            Some((tokio::spawn(pump(out, tokio::io::stdout(), Masker::new(&[&secret]))), tokio::spawn(pump(err, tokio::io::stderr(), Masker::new(&[&secret])))))
        }
        _ => None,
    };
    drop(secret);
    let status = loop {
        tokio::select! {
            status = child.wait() => break status,
            Some(signal) = signals.next() => forward(child.id(), signal),
        }
    };
    if let Some((out, err)) = pumps {
        let _ = out.await;
        let _ = err.await;
    }
    match status {
        Ok(status) => code_of(status),
        Err(e) => {
            eprintln!("zoom-connections: {}", fill(text.cannot_run, &[("command", program), ("why", &e.to_string())]));
            exit::FAILURE
        }
    }
}

/// Copies the child's output with the token masked. A reader that went away (`| head`) ends
/// the copy; the child then sees its pipe closed, as it would without `exec`.
async fn pump(mut from: impl AsyncRead + Unpin, mut to: impl AsyncWrite + Unpin, mut masker: Masker) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let out = masker.push(&buf[..n]);
        if to.write_all(&out).await.is_err() || to.flush().await.is_err() {
            return;
        }
    }
    let _ = to.write_all(&masker.finish()).await;
    let _ = to.flush().await;
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
