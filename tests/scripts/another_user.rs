//! Another local user against the broker, for real (docs/security.md, The broker): root, as in
//! CI, runs curl as uid 65534 (`nobody`). Without root it cannot be tried: said, and a failure in CI.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use zoom_connections_engine::broker;

use super::common::{stderr, stdout, Setup};

/// Proves the refusals; returns whether it could (root), for the audit log's counts.
pub fn is_refused(s: &Setup, socket: &Path, base: &str) -> bool {
    let root = unsafe { libc::geteuid() } == 0;
    if root {
        let as_nobody = |args: &[&str]| std::process::Command::new("runuser").args(["-u", "nobody", "--"]).args(args).output().unwrap();
        let socket_arg = socket.to_str().unwrap();
        let code = |o: &std::process::Output| stdout(o).trim().to_string();
        // It cannot even reach the socket (the directory is 0700, the socket 0600)…
        let other = as_nobody(&["curl", "-sS", "--unix-socket", socket_arg, "http://localhost/v1/connections"]);
        assert!(!other.status.success(), "{}", stdout(&other));
        assert!(stderr(&other).contains("Permission denied") || stderr(&other).contains("Couldn't connect"), "{}", stderr(&other));
        assert!(!stdout(&other).contains("Production"));
        // …nor read the port's secret in the discovery file (0600)…
        let discovery_file = s.broker_dir().join(broker::DISCOVERY_FILE);
        assert!(!as_nobody(&["cat", discovery_file.to_str().unwrap()]).status.success(), "the port's secret is readable by another user");
        // …and with the modes opened (a mistake, a shared directory), the broker itself refuses
        // it: the peer's uid is checked on every request.
        let mode = |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
        let opened = [s.home.path().to_path_buf(), s.runtime.clone(), s.broker_dir()];
        for dir in &opened {
            mode(dir, 0o711);
        }
        mode(socket, 0o666);
        let refused = as_nobody(&["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--unix-socket", socket_arg, "http://localhost/v1/connections"]);
        let token_refused = as_nobody(&[
            "curl",
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--unix-socket",
            socket_arg,
            "http://localhost/v1/connections/Production/token",
        ]);
        for dir in &opened {
            mode(dir, 0o700);
        }
        mode(socket, 0o600);
        assert_eq!(code(&refused), "403", "{}", stderr(&refused));
        assert_eq!(code(&token_refused), "403", "{}", stderr(&token_refused));
        // The port answers it as anyone without the secret.
        let port_refused = as_nobody(&["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", &format!("{base}/v1/connections")]);
        assert_eq!(code(&port_refused), "401", "{}", stderr(&port_refused));
    } else {
        // Only root can be another user here; CI runs as root, so there it must have been proved.
        assert!(std::env::var_os("CI").is_none(), "CI runs as root: the other-user refusal must be proved there");
        eprintln!("NOT CHECKED (not root): the broker's refusal of another user; the 0700/0600 modes above are what refuses one");
    }
    root
}
