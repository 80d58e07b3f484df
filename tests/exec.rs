//! `exec` (docs/cli.md, exec) as a real process on the real keychain: the token in the command's
//! environment and its promise, masking as a terminal sees it (both streams, pieces, a prompt),
//! exit codes and signals, naming the connection (and a cloned repository's hostile
//! `.zoom-connection`). Ignored in a plain `cargo test` (it needs a Secret Service); `make test`
//! runs it.

use std::process::{Output, Stdio};
use std::time::Duration;

mod common;
use common::{stderr, stdout, Setup};

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service: run through make test"]
async fn exec_injects_a_lasting_token_masks_it_and_passes_on_the_exit_code() {
    let s = Setup::new().await;
    let id = s.connect("Production", "owner@contoso.example").await;
    let conn = s.engine.connection(&id).unwrap();
    let token_file = s.home.path().join("token");

    // Without a broker: the keychain, under the app's locks.
    let out = s
        .cli(&["exec", "Production", "--", "sh", "-c", r#"printf %s "$ZOOM_ACCESS_TOKEN" > "$0"; echo "token=$ZOOM_ACCESS_TOKEN"; echo "err $ZOOM_ACCESS_TOKEN" >&2; echo "$ZOOM_ACCOUNT_ID|$ZOOM_API_URL|$ZOOM_CONNECTION|$ZOOM_CONNECTION_ORG"; exit 7"#])
        .arg(&token_file)
        .output()
        .unwrap();
    // `sh -c SCRIPT ARG0`: the file name follows the script.
    assert_eq!(code(&out), Some(7), "{}", stderr(&out));
    let token = std::fs::read_to_string(&token_file).unwrap();
    assert!(token.len() > 20);
    assert_eq!(s.me(&token).await, 200, "the child got a working token");
    assert!(!stdout(&out).contains(&token) && !stderr(&out).contains(&token), "the token is masked in both streams");
    assert!(stdout(&out).contains("token=<redacted>") && stderr(&out).contains("err <redacted>"));
    assert!(stdout(&out).contains(&format!("{}|{}|Production|sandbox", conn.identity.account_id, s.sandbox_url.trim_end_matches('/'))), "{}", stdout(&out));
    // The promise: keepalive leaves the token alone for ten minutes.
    let promised = s.reopened().connection(&id).unwrap().handed_out_until.unwrap();
    assert!(promised >= s.engine.now() + 590, "handed out until {promised}");

    // Half the token on stdout and half on stderr, into one file as a terminal shows them, and
    // the token in curl --trace-ascii's rows: no piece of it shows (one masker, pieces masked).
    let screen = s.home.path().join("screen");
    let both = std::fs::File::create(&screen).unwrap();
    // Its first 11 characters (too few to be masked on their own) on stdout, the rest on stderr.
    let split = r#"t=$ZOOM_ACCESS_TOKEN; printf 'a %s' "${t%"${t#???????????}"}"; printf '%s b\n' "${t#???????????}" >&2"#;
    let out = s.cli(&["exec", "Production", "--", "sh", "-c", split]).stdout(both.try_clone().unwrap()).stderr(both).output().unwrap();
    assert_eq!(code(&out), Some(0));
    let shown = std::fs::read_to_string(&screen).unwrap();
    assert_eq!(shown, "a <redacted> b\n", "the token shows across the two streams");
    let traced = r#"printf '%s\n' "$ZOOM_ACCESS_TOKEN" | fold -w 30 | sed 's/^/0000: /'"#;
    let out = s.cli(&["exec", "Production", "--", "sh", "-c", traced]).output().unwrap();
    assert_eq!(code(&out), Some(0));
    let shown = stdout(&out);
    for piece in token.as_bytes().windows(12) {
        assert!(!shown.contains(std::str::from_utf8(piece).unwrap()), "a piece of the token shows: {shown}");
    }
    assert!(shown.starts_with("0000: <redacted>"), "{shown}");

    // A prompt that ends like the token's start is held back, then shown while the command
    // still runs (it waits for an answer that never comes here).
    let prompt = r#"t=$ZOOM_ACCESS_TOKEN; printf 'Paste %s' "${t%"${t#?????}"}"; sleep 5"#;
    let mut child = s.cli(&["exec", "Production", "--", "sh", "-c", prompt]).stdout(Stdio::piped()).spawn().unwrap();
    let mut out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 64];
        while let Ok(n) = std::io::Read::read(&mut out, &mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
            let _ = tx.send(String::from_utf8_lossy(&seen).to_string());
        }
    });
    let mut shown = String::new();
    while let Ok(now) = rx.recv_timeout(Duration::from_secs(3)) {
        shown = now;
        if shown.len() >= "Paste ".len() + 5 {
            break;
        }
    }
    assert_eq!(shown, format!("Paste {}", &token[..5]), "the prompt appeared while the command ran");
    assert!(child.try_wait().unwrap().is_none(), "…and before it ended");
    let _ = child.kill();
    let _ = child.wait();

    // --no-masking passes the output untouched.
    let raw = s.cli(&["exec", "--no-masking", "Production", "--", "sh", "-c", "echo $ZOOM_ACCESS_TOKEN"]).output().unwrap();
    assert_eq!(code(&raw), Some(0));
    assert_eq!(s.me(stdout(&raw).trim()).await, 200);

    // The connection from ZOOM_CONNECTION, then from a .zoom-connection file upward.
    let from_env = s.cli(&["exec", "--", "sh", "-c", "echo $ZOOM_CONNECTION"]).env("ZOOM_CONNECTION", "production").output().unwrap();
    assert_eq!(stdout(&from_env).trim(), "Production", "{}", stderr(&from_env));
    let project = s.home.path().join("project/scripts");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(s.home.path().join("project/.zoom-connection"), "# our tenant\nProduction\n").unwrap();
    let from_file = s.cli(&["exec", "--", "sh", "-c", "echo $ZOOM_CONNECTION"]).current_dir(&project).output().unwrap();
    assert_eq!(stdout(&from_file).trim(), "Production", "{}", stderr(&from_file));
    let unnamed = s.cli(&["exec", "--", "true"]).current_dir(s.home.path()).output().unwrap();
    assert_eq!(code(&unnamed), Some(2), "{}", stderr(&unnamed));
    assert!(stderr(&unnamed).contains(".zoom-connection"));
    // A cloned repository's .zoom-connection that links to the environment: refused, and not
    // a byte of the environment printed.
    let cloned = s.home.path().join("cloned");
    std::fs::create_dir_all(&cloned).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", cloned.join(".zoom-connection")).unwrap();
    let hostile = s.cli(&["exec", "--", "true"]).current_dir(&cloned).env("CI_SECRET_FOR_THIS_TEST", "do-not-print-me").output().unwrap();
    assert_eq!(code(&hostile), Some(2), "{}", stderr(&hostile));
    assert!(!stderr(&hostile).contains("do-not-print-me") && !stdout(&hostile).contains("do-not-print-me"), "{}", stderr(&hostile));
    assert!(stderr(&hostile).contains(".zoom-connection"), "{}", stderr(&hostile));

    // A signal that ends the child is 128+N; a missing command 127; an unknown connection 3.
    let killed = s.cli(&["exec", "Production", "--", "sh", "-c", "kill -TERM $$"]).output().unwrap();
    assert_eq!(code(&killed), Some(128 + 15));
    assert_eq!(code(&s.run(&["exec", "Production", "--", "/nonexistent/tool"])), Some(127));
    assert_eq!(code(&s.run(&["exec", "Nope", "--", "true"])), Some(3));

    // SIGTERM to exec reaches the child, which may clean up and choose its exit code.
    let mut child = s
        .cli(&["exec", "Production", "--", "sh", "-c", "trap 'echo cleaned; exit 42' TERM; echo ready; while :; do sleep 0.05; done"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 6];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    assert_eq!(&first, b"ready\n");
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), Some(42));
    assert!(stdout(&out).contains("cleaned"));

    // SIGINT from outside a terminal (timeout -s INT, a supervisor) reaches the child too.
    let mut child = s
        .cli(&["exec", "Production", "--", "sh", "-c", "trap 'echo interrupted; exit 3' INT; echo ready; while :; do sleep 0.05; done"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), Some(3));
    assert!(stdout(&out).contains("interrupted"));
}
