//! `zoom-connections doctor` (docs/cli.md, doctor) as a real process on the real keychain: each
//! check's line and fix, a broken keychain, an unreachable host, a proxy named only in GNOME's
//! settings, and its exit codes. Ignored in a plain `cargo test` (it needs a Secret Service);
//! `make test` runs it.

use std::process::Output;

use zoom_connections_engine::model::{Org, RedirectMode};

mod common;
use common::{stderr, stdout, Setup};

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service: run through make test"]
async fn doctor_names_a_broken_keychain_and_an_unreachable_host_with_their_fixes() {
    let s = Setup::new().await;
    s.connect("Production", "owner@contoso.example").await;
    let out = s.run(&["doctor"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("✓ keychain") && stdout(&out).contains("✓ connection “Production”"), "{}", stdout(&out));

    let no_keychain = s.cli(&["doctor"]).env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus").env_remove("DISPLAY").output().unwrap();
    assert_eq!(code(&no_keychain), Some(5), "{}", stdout(&no_keychain));
    assert!(stdout(&no_keychain).contains("✗ keychain"), "{}", stdout(&no_keychain));
    assert!(stdout(&no_keychain).contains("fix: unlock the login keyring"));

    // An org whose Zoom host does not resolve (a typo, or DNS without the proxy).
    let mut org = Org::sandbox();
    org.id = "typo".into();
    org.name = "Typo".into();
    org.sandbox = false;
    org.client_id = "abc".into();
    org.auth_base = "https://zoom.invalid".into();
    org.api_base = "https://api.zoom.invalid".into();
    org.redirect = RedirectMode::Loopback;
    s.engine.save_org(org, None).unwrap();
    let no_proxy_variable = |cmd: &mut std::process::Command| {
        for v in ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"] {
            cmd.env_remove(v);
        }
    };
    // GNOME's settings as this test sets them: gsettings' keyfile backend in a folder of its own.
    let desktop = tempfile::tempdir().unwrap();
    let desktop_settings = |cmd: &mut std::process::Command| {
        cmd.env("GSETTINGS_BACKEND", "keyfile").env("XDG_CONFIG_HOME", desktop.path());
    };
    let mut doctor = s.cli(&["doctor"]);
    no_proxy_variable(&mut doctor);
    desktop_settings(&mut doctor);
    let out = doctor.output().unwrap();
    assert_eq!(code(&out), Some(6), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("✗ Zoom: zoom.invalid cannot be resolved"), "{text}");
    assert!(text.contains("fix: check DNS"), "{text}");
    assert!(text.contains("✓ org “Typo”: settings complete"), "{text}");
    assert!(!text.contains("proxy:"), "no desktop proxy to name: {text}");

    // GNOME names a proxy that no variable does (an app started from the desktop has none).
    for (schema, key, value) in [
        ("org.gnome.system.proxy", "mode", "manual"),
        ("org.gnome.system.proxy.https", "host", "proxy.corp.example"),
        ("org.gnome.system.proxy.https", "port", "3128"),
    ] {
        let mut set = std::process::Command::new("gsettings");
        set.args(["set", schema, key, value]);
        desktop_settings(&mut set);
        assert!(set.status().unwrap().success(), "gsettings set {schema} {key}");
    }
    let mut doctor = s.cli(&["doctor"]);
    no_proxy_variable(&mut doctor);
    desktop_settings(&mut doctor);
    let text = stdout(&doctor.output().unwrap());
    assert!(text.contains("✗ proxy: GNOME's settings name proxy.corp.example:3128, but the app and the command line use only the HTTPS_PROXY"), "{text}");
    assert!(text.contains("3 problem(s) above need you"), "two hosts and the proxy: {text}");
    assert!(text.contains("fix: put HTTPS_PROXY=http://HOST:PORT"), "{text}");

    // The same in Japanese, from the app's language setting.
    let mut settings = s.engine.settings();
    settings.language = Some("ja".into());
    s.engine.save_settings(settings).unwrap();
    let out = s.cli(&["doctor"]).env_remove("HTTPS_PROXY").output().unwrap();
    assert!(stdout(&out).contains("の名前を解決できません") && stdout(&out).contains("対処："), "{}", stdout(&out));
}

/// A connection whose account may not use SCIM (the fabrikam account: a Pro plan, no vanity
/// URL, no SSO): doctor says what SCIM needs, not "reconnect".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service: run through make test"]
async fn doctor_says_what_scim_needs_when_zoom_refuses_it() {
    let s = Setup::new().await;
    s.connect("Fab", "owner@fabrikam.example").await;
    let out = s.run(&["doctor"]);
    assert_eq!(code(&out), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("✗ connection “Fab”"), "{text}");
    assert!(text.contains("fix: SCIM needs a Business or Education Zoom account"), "{text}");
    assert!(!text.contains("fix: reconnect"), "{text}");
}
