//! Signals while the command line works: `exec` passes them on to its child, and `token` and
//! `exec` let a token being borrowed finish first — a rotation it started must reach the
//! keychain, or the connection is lost — and only then stop.

use std::future::Future;

/// A signal caught.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caught {
    pub signo: i32,
    /// Ctrl-C or Ctrl-\ typed in the terminal: the whole foreground process group got it,
    /// the child included, so it is not sent again.
    pub from_terminal: bool,
}

#[cfg(unix)]
pub(crate) struct Signals(Option<[(i32, tokio::signal::unix::Signal); 6]>);

#[cfg(unix)]
impl Signals {
    pub fn install() -> Self {
        use tokio::signal::unix::{signal, SignalKind};
        let all = (|| {
            Ok::<_, std::io::Error>([
                (libc::SIGTERM, signal(SignalKind::terminate())?),
                (libc::SIGHUP, signal(SignalKind::hangup())?),
                (libc::SIGUSR1, signal(SignalKind::user_defined1())?),
                (libc::SIGUSR2, signal(SignalKind::user_defined2())?),
                (libc::SIGINT, signal(SignalKind::interrupt())?),
                (libc::SIGQUIT, signal(SignalKind::quit())?),
            ])
        })();
        Self(all.ok())
    }

    pub async fn next(&mut self) -> Option<Caught> {
        let Some([term, hup, usr1, usr2, int, quit]) = &mut self.0 else { return std::future::pending().await };
        let signo = tokio::select! {
            Some(()) = term.1.recv() => term.0,
            Some(()) = hup.1.recv() => hup.0,
            Some(()) = usr1.1.recv() => usr1.0,
            Some(()) = usr2.1.recv() => usr2.0,
            Some(()) = int.1.recv() => int.0,
            Some(()) = quit.1.recv() => quit.0,
        };
        let from_terminal = (signo == libc::SIGINT || signo == libc::SIGQUIT) && in_terminal_foreground();
        Some(Caught { signo, from_terminal })
    }
}

/// Whether this process group is the foreground of its controlling terminal (then a Ctrl-C
/// typed there reached the whole group). The terminal itself, not standard input: `cat x |
/// zoom-connections exec …` has a pipe there and a terminal all the same.
#[cfg(unix)]
fn in_terminal_foreground() -> bool {
    let Ok(tty) = std::fs::File::open("/dev/tty") else { return false };
    // SAFETY: both calls only read the process's and the terminal's state, on a descriptor
    // that `tty` keeps open for their duration.
    unsafe {
        let foreground = libc::tcgetpgrp(std::os::unix::io::AsRawFd::as_raw_fd(&tty));
        foreground != -1 && foreground == libc::getpgrp()
    }
}

/// Passes a caught signal on to the child, unless the terminal already did.
#[cfg(unix)]
pub(crate) fn forward(pid: Option<u32>, caught: Caught) {
    if let (Some(pid), false) = (pid, caught.from_terminal) {
        // SAFETY: kill has no memory effects; a child that has just exited makes it fail (ESRCH).
        unsafe {
            libc::kill(pid as libc::pid_t, caught.signo);
        }
    }
}

#[cfg(not(unix))]
pub(crate) struct Signals;

#[cfg(not(unix))]
impl Signals {
    pub fn install() -> Self {
        Signals
    }
    pub async fn next(&mut self) -> Option<Caught> {
        std::future::pending().await
    }
}

#[cfg(not(unix))]
pub(crate) fn forward(_pid: Option<u32>, _caught: Caught) {}

/// Runs `work` to its end whatever signal comes meanwhile, and says which came first. A second
/// signal ends the process at once: whoever insists has been told (on stderr) what it may cost.
pub(crate) async fn finishing<T>(signals: &mut Signals, work: impl Future<Output = T>) -> (T, Option<Caught>) {
    tokio::pin!(work);
    let mut caught: Option<Caught> = None;
    loop {
        tokio::select! {
            done = &mut work => return (done, caught),
            Some(c) = signals.next() => {
                if caught.is_some() {
                    std::process::exit(128 + c.signo);
                }
                eprintln!("zoom-connections: finishing the token work in progress before stopping (a rotation cut short loses the connection); signal again to stop at once");
                caught = Some(c);
            }
        }
    }
}
