//! A server without a desktop (docs/cli.md, On a server), from an empty host: every process this
//! test starts has no D-Bus session and no display (a cleared environment), so there is no
//! keychain. It checks `doctor`'s advice for such a host, adds an org into a new vault file,
//! connects by paste-back and by the device grant (this test is the admin's browser on another
//! device), runs `serve` from its systemd unit's command line with systemd's readiness and
//! watchdog protocol, restarts it, keeps both connections alive across rotations, serves
//! `token`, `exec` and the proxy, refuses a wrong vault passphrase without touching the vault,
//! and finds no secret in plain text in any file it made.
//!
//! systemd itself cannot run in this test's container: the unit's `Environment=` and
//! `ExecStart=` lines are run as systemd would run them, with `NOTIFY_SOCKET` and
//! `WATCHDOG_USEC` set as systemd sets them.

#[path = "headless/host.rs"]
mod host;

use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::process::Stdio;
use std::time::Duration;

use host::*;
use serde_json::{json, Value};
use zoom_connections_engine::broker;
use zoom_sandbox::user_agent::{SignIn, UserAgent};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_an_empty_headless_host_to_connections_serving_scripts() {
    let host = Host::new().await;
    // The admin's device polls every second here (Zoom's example: 5), and tokens last 30 s, so
    // that serve's keepalive rotates them within a tick.
    host.control("/settings", json!({"device_poll_interval": 1, "access_token_lifetime": 30})).await;

    // No desktop session: the keychain cannot be used, and doctor says what to do instead.
    let doctor = host.command(&["doctor"]).output().unwrap();
    assert_eq!(code(&doctor), Some(5), "{}", text(&doctor.stdout));
    assert!(text(&doctor.stdout).contains("no desktop session") && text(&doctor.stdout).contains("--vault file"), "{}", text(&doctor.stdout));

    // Without a passphrase anywhere, the vault is not made (and nothing is written).
    let refused = host.command(&["--vault", "file", "orgs", "list"]).output().unwrap();
    assert_eq!(code(&refused), Some(5), "{}", text(&refused.stderr));
    assert!(text(&refused.stderr).contains("needs its passphrase"), "{}", text(&refused.stderr));
    assert!(!host.data_dir().join("vault-key.age").exists());

    // An org: its client secret from standard input, never an argument.
    let added = host.run_with_stdin(
        &["--vault", "file", "orgs", "add", "Contoso", "--client-id", "sandbox-confidential", "--client-secret-stdin", "--sandbox"],
        CLIENT_SECRET,
    );
    assert_eq!(code(&added), Some(0), "{}", text(&added.stderr));
    assert!(text(&added.stdout).contains("http://127.0.0.1/oauth/callback"), "{}", text(&added.stdout));
    // From here on the vault file is found by itself.
    // The passphrase file by its flag, too.
    let by_flag = host.command(&["orgs", "list", "--json", "--vault-passphrase-file", host.passphrase_file().to_str().unwrap()]).output().unwrap();
    assert_eq!(code(&by_flag), Some(0), "{}", text(&by_flag.stderr));
    let orgs: Value = serde_json::from_slice(&by_flag.stdout).unwrap();
    let contoso = orgs["orgs"].as_array().unwrap().iter().find(|o| o["id"] == "contoso").cloned().unwrap_or_else(|| panic!("{orgs}"));
    assert_eq!(contoso["confidential"], true);
    // Check settings, as the window's: nothing wrong before a sign-in, and what only one confirms.
    let check = host.run(&["orgs", "check", "contoso"]);
    assert_eq!(code(&check), Some(0), "{}{}", text(&check.stdout), text(&check.stderr));
    assert!(text(&check.stdout).contains("Only a sign-in can confirm"), "{}", text(&check.stdout));

    // Paste-back: the link opened on another device; the loopback redirect fails there, and the
    // admin pastes the address their browser ended on. A wrong paste first changes nothing.
    let mut connect =
        host.cli(&["connect", "Nightly", "--sign-in", "paste"]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let lines = lines_of(&mut connect);
    let authorize = wait_line(&lines, "the authorize link", |l| l.trim().starts_with(&host.url).then(|| l.trim().to_string()));
    let redirect = UserAgent::new().authorize(&authorize, &SignIn::password("admin@contoso.example"), true).await.unwrap();
    assert!(redirect.as_str().starts_with("http://127.0.0.1:"), "{redirect}");
    let mut stdin = connect.stdin.take().unwrap();
    let forged = redirect.as_str().replace("state=", "state=x");
    writeln!(stdin, "{forged}").unwrap();
    wait_line(&lines, "the refusal of a wrong paste", |l| l.contains("Paste it again").then(|| l.to_string()));
    writeln!(stdin, "  {redirect}  ").unwrap();
    let done = connect.wait_with_output().unwrap();
    assert_eq!(code(&done), Some(0));
    assert!(text(&done.stdout).contains("Connected “Nightly” in Contoso: admin@contoso.example (Admin)"), "{}", text(&done.stdout));

    // The device grant: a code typed on the admin's phone while the command polls.
    let mut connect = host.cli(&["connect", "Offboarding", "--sign-in", "device"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let lines = lines_of(&mut connect);
    let (uri, user_code) = device_code(&lines);
    assert!(uri.starts_with(&host.url), "{uri}");
    let page = UserAgent::new().authorize_device(&uri, &user_code, &SignIn::password("owner@contoso.example"), true).await.unwrap();
    assert_eq!(page, "Device connected");
    let done = connect.wait_with_output().unwrap();
    assert_eq!(code(&done), Some(0));
    assert!(text(&done.stdout).contains("Connected “Offboarding” in Contoso: owner@contoso.example (Owner)"), "{}", text(&done.stdout));

    let listed: Value = serde_json::from_slice(&host.run(&["list", "--json"]).stdout).unwrap();
    let listed = listed.as_array().unwrap().clone();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed.iter().all(|c| c["status"] == "active"), "{listed:?}");

    // serve, as its unit starts it.
    let notify_path = host.home.path().join("notify.sock");
    let notify = UnixDatagram::bind(&notify_path).unwrap();
    notify.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    // The user unit, then (a restart) the system unit: its socket under the account's cache
    // directory, where an SSH session (with a runtime directory of its own) and a cron job
    // (with none) both find it.
    for unit in [Unit::User, Unit::System] {
        let socket = host.socket(unit);
        let before = (host.refreshes("admin@contoso.example").await, host.refreshes("owner@contoso.example").await);
        let mut serve = host.serve_from_unit(unit, &notify_path);
        let log = lines_of(&mut serve);
        let told = wait_notify(&notify, "READY=1");
        // Ready means serving: the broker's socket is there.
        assert!(socket.exists(), "READY=1 before the socket ({told:?})");
        wait_notify(&notify, "WATCHDOG=1");

        // Scripts: token, exec and the proxy, through serve.
        let audit = host.data_dir().join(broker::AUDIT_LOG);
        let loans = || std::fs::read_to_string(&audit).unwrap_or_default().lines().filter(|l| l.contains("/token")).count();
        let lent_before = loans();
        let token = host.run(&["token", "Nightly"]);
        assert_eq!(code(&token), Some(0), "{}", text(&token.stderr));
        // Lent by serve (its audit log has the loan), not read from the vault by `token` itself.
        assert_eq!(loans(), lent_before + 1, "{unit:?}: token did not go through serve");
        let token = text(&token.stdout).trim().to_string();
        // (Before the next loan: with 30-second tokens each loan rotates, ending the last one.)
        let me = host.http.get(format!("{}/v2/users/me", host.url)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(me.status(), 200);
        // A cron job has no runtime directory: it finds the system unit's socket in the cache
        // directory. (The user unit's is in /run/user/<uid>, which this test cannot make.)
        if unit == Unit::System {
            let cron = host.cli(&["token", "Nightly"]).env_remove("XDG_RUNTIME_DIR").output().unwrap();
            assert_eq!(code(&cron), Some(0), "{}", text(&cron.stderr));
            assert_eq!(loans(), lent_before + 2, "a cron job's token did not go through serve");
        }
        let exec = host.run(&["exec", "Offboarding", "--", "sh", "-c", "test -n \"$ZOOM_ACCESS_TOKEN\" && echo \"$ZOOM_CONNECTION_ORG\""]);
        assert_eq!(code(&exec), Some(0), "{}", text(&exec.stderr));
        assert_eq!(text(&exec.stdout).trim(), "contoso");
        let proxy = reqwest::Client::builder().unix_socket(socket.clone()).build().unwrap();
        let me = proxy.get("http://localhost/zoom/Offboarding/v2/users/me").send().await.unwrap();
        assert_eq!(me.status(), 200);
        assert_eq!(me.json::<Value>().await.unwrap()["email"], "owner@contoso.example");

        // Keepalive rotates both connections, twice each.
        for _ in 0..300 {
            let now = (host.refreshes("admin@contoso.example").await, host.refreshes("owner@contoso.example").await);
            if now.0 >= before.0 + 2 && now.1 >= before.1 + 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let after = (host.refreshes("admin@contoso.example").await, host.refreshes("owner@contoso.example").await);
        assert!(after.0 >= before.0 + 2 && after.1 >= before.1 + 2, "{unit:?}: rotations {before:?} → {after:?}");

        // systemctl stop: SIGTERM, STOPPING=1, a clean exit, the socket gone.
        unsafe { libc::kill(serve.id() as i32, libc::SIGTERM) };
        wait_notify(&notify, "STOPPING=1");
        let status = wait_exit(&mut serve, Duration::from_secs(30));
        let said: Vec<String> = log.try_iter().collect();
        assert_eq!(status.code(), Some(0), "{}", said.join("\n"));
        assert!(!socket.exists());
        assert!(!said.iter().any(|l| l.contains(&token)), "a token in serve's log");
    }
    let listed: Value = serde_json::from_slice(&host.run(&["list", "--json"]).stdout).unwrap();
    assert!(listed.as_array().unwrap().iter().all(|c| c["status"] == "active"), "{listed}");

    // The rest of the window's commands: Reconnect (device grant, the same Zoom user),
    // Server-to-Server, Delete (asks first; --yes revokes at Zoom), an org kept while used.
    let mut reconnect = host.cli(&["reconnect", "Nightly", "--sign-in", "device"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let lines = lines_of(&mut reconnect);
    let (uri, user_code) = device_code(&lines);
    assert_eq!(UserAgent::new().authorize_device(&uri, &user_code, &SignIn::password("admin@contoso.example"), true).await.unwrap(), "Device connected");
    let done = reconnect.wait_with_output().unwrap();
    assert_eq!(code(&done), Some(0));
    assert!(text(&done.stdout).contains("Connected “Nightly”"), "{}", text(&done.stdout));
    let done = host.run_with_stdin(
        &[
            "connect",
            "Reports",
            "--org",
            "contoso",
            "--server-to-server",
            "--account-id",
            "acct_contoso",
            "--client-id",
            "sandbox-s2s",
            "--client-secret-stdin",
        ],
        "sandbox-s2s-secret",
    );
    assert_eq!(code(&done), Some(0), "{}", text(&done.stderr));
    assert!(text(&done.stdout).contains("Server-to-Server"), "{}", text(&done.stdout));
    let unasked = host.run(&["delete", "Offboarding"]);
    assert_eq!(code(&unasked), Some(2), "{}", text(&unasked.stderr));
    assert!(text(&unasked.stderr).contains("--yes"), "{}", text(&unasked.stderr));
    let kept = host.run(&["orgs", "remove", "contoso"]);
    assert_eq!(code(&kept), Some(1), "{}", text(&kept.stderr));
    let deleted = host.run(&["delete", "Offboarding", "--yes"]);
    assert_eq!(code(&deleted), Some(0), "{}", text(&deleted.stderr));
    let grants = host.grants().await;
    let user_grants = grants.iter().filter(|g| g["email"] == "owner@contoso.example" && g["client_id"] == "sandbox-confidential");
    assert!(user_grants.clone().count() > 0 && user_grants.clone().all(|g| g["status"] != "active"), "the grant is still active at Zoom: {grants:?}");
    let listed: Value = serde_json::from_slice(&host.run(&["list", "--json"]).stdout).unwrap();
    let names: Vec<&str> = listed.as_array().unwrap().iter().map(|c| c["nickname"].as_str().unwrap()).collect();
    assert_eq!(names, ["Nightly", "Reports"]);

    // `auto` on an app Zoom has not enabled the device sign-in for: said, then paste-back.
    let added = host.run(&["orgs", "add", "Fabrikam", "--client-id", "sandbox-public", "--sandbox"]);
    assert_eq!(code(&added), Some(0), "{}", text(&added.stderr));
    let mut connect = host.cli(&["connect", "Auto", "--org", "fabrikam"]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let lines = lines_of(&mut connect);
    wait_line(&lines, "the fallback", |l| l.contains("has not enabled device sign-in").then(|| l.to_string()));
    let authorize = wait_line(&lines, "the authorize link", |l| l.trim().starts_with(&host.url).then(|| l.trim().to_string()));
    let redirect = UserAgent::new().authorize(&authorize, &SignIn::password("owner@fabrikam.example"), true).await.unwrap();
    writeln!(connect.stdin.take().unwrap(), "{redirect}").unwrap();
    let done = connect.wait_with_output().unwrap();
    assert_eq!(code(&done), Some(0));
    assert!(text(&done.stdout).contains("Connected “Auto” in Fabrikam"), "{}", text(&done.stdout));
    // A browser on this machine finishing the loopback redirect while standard input is closed
    // (a script's `< /dev/null`): the command waits for the redirect without spinning on the
    // ended input (it burnt a core before), and the listener completes the sign-in.
    assert_eq!(code(&host.run(&["delete", "Auto", "--yes"])), Some(0));
    let mut connect =
        host.cli(&["connect", "Browser", "--org", "fabrikam", "--sign-in", "browser"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let lines = lines_of(&mut connect);
    let authorize = wait_line(&lines, "the authorize link", |l| l.trim().starts_with(&host.url).then(|| l.trim().to_string()));
    wait_line(&lines, "the paste prompt", |l| l.contains("paste it here").then(|| l.to_string()));
    let cpu_before = cpu_ticks(connect.id());
    // A measuring window, not an oracle: how much CPU a waiting command takes in a second.
    std::thread::sleep(Duration::from_secs(1));
    let waited = cpu_ticks(connect.id()) - cpu_before;
    assert!(waited < 30, "waiting for the browser took {waited} ticks of CPU in a second");
    let redirect = UserAgent::new().authorize(&authorize, &SignIn::password("owner@fabrikam.example"), true).await.unwrap();
    let page = reqwest::get(redirect.as_str()).await.unwrap().text().await.unwrap();
    assert!(page.contains("is connected"), "{page}");
    let done = connect.wait_with_output().unwrap();
    assert_eq!(code(&done), Some(0));
    assert!(text(&done.stdout).contains("Connected “Browser” in Fabrikam"), "{}", text(&done.stdout));
    // An org goes only once its connections have.
    assert_eq!(code(&host.run(&["orgs", "remove", "fabrikam"])), Some(1));
    assert_eq!(code(&host.run(&["delete", "Browser", "--yes"])), Some(0));
    let removed = host.run(&["orgs", "remove", "fabrikam"]);
    assert_eq!(code(&removed), Some(0), "{}", text(&removed.stderr));
    let orgs: Value = serde_json::from_slice(&host.run(&["orgs", "list", "--json"]).stdout).unwrap();
    assert!(orgs["orgs"].as_array().unwrap().iter().all(|o| o["id"] != "fabrikam"), "{orgs}");

    // A wrong passphrase: serve refuses to start and the vault is as it was.
    let vault_files = ["vault-key.age", "vault.age"].map(|f| host.data_dir().join(f));
    let before: Vec<Vec<u8>> = vault_files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    host.set_passphrase("not the passphrase of this vault");
    let mut serve = host.serve_from_unit(Unit::User, &notify_path);
    let status = wait_exit(&mut serve, Duration::from_secs(30));
    let mut said = String::new();
    std::io::Read::read_to_string(serve.stderr.as_mut().unwrap(), &mut said).unwrap();
    assert_eq!(status.code(), Some(5), "{said}");
    assert!(said.contains("passphrase is wrong"), "{said}");
    assert!(!host.socket(Unit::User).exists());
    let after: Vec<Vec<u8>> = vault_files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    assert_eq!(before, after, "the vault changed");
    host.set_passphrase(PASSPHRASE);

    // No secret in plain text in any file of the host: the data directory (vault, metadata,
    // history, audit log), the runtime directory and the unit's configuration.
    let issued: Value = host.http.get(format!("{}/_sandbox/issued-secrets", host.url)).send().await.unwrap().json().await.unwrap();
    let mut secrets: Vec<String> =
        issued["tokens"].as_array().unwrap().iter().chain(issued["codes"].as_array().unwrap()).map(|s| s.as_str().unwrap().to_string()).collect();
    secrets.push(CLIENT_SECRET.to_string());
    assert!(secrets.len() > 10, "{}", secrets.len());
    let mut files = Vec::new();
    files_under(host.home.path(), &mut files);
    assert!(files.iter().any(|f| f.ends_with("vault.age")), "{files:?}");
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        for secret in &secrets {
            assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()), "a secret in plain text in {}", file.display());
        }
        // The passphrase is only in its own file.
        if file != &host.passphrase_file() {
            assert!(!bytes.windows(PASSPHRASE.len()).any(|w| w == PASSPHRASE.as_bytes()), "the passphrase in {}", file.display());
        }
    }
}
