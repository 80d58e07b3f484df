//! `zoom-connections doctor` (docs/cli.md, doctor): everything the app needs, checked one line
//! at a time, each failure with its fix. Exit code as `status`: 0 all well, 1 something needs
//! the user, 5 the keychain cannot be used, 6 only Zoom could not be reached.

use std::collections::BTreeSet;
use std::sync::Arc;

use zoom_connections_engine::diagnose::Unreached;
use zoom_connections_engine::vault::KeychainStore;
use zoom_connections_engine::{Engine, EngineConfig, ErrorCode};

use crate::text::{fill, Text};
use crate::{exit, exit_code, require_data_dir, SANDBOX_URL_FILE};

/// What was found wrong, by the exit code it calls for.
#[derive(Default)]
struct Findings {
    keychain: bool,
    unreachable: usize,
    other: usize,
}

impl Findings {
    fn count(&self) -> usize {
        usize::from(self.keychain) + self.unreachable + self.other
    }
}

fn ok(line: &str) {
    println!("✓ {line}");
}

fn bad(text: &Text, line: &str, fix: &str) {
    println!("✗ {line}");
    println!("    {}{fix}", text.doctor.fix);
}

/// No D-Bus session bus to find a Secret Service on: a server, a container, an SSH session
/// without a desktop.
fn no_desktop_session() -> bool {
    if !cfg!(target_os = "linux") {
        return false;
    }
    let set = |v: &str| std::env::var_os(v).is_some_and(|s| !s.is_empty());
    let bus_in_runtime = std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|d| std::path::Path::new(&d).join("bus").exists());
    !set("DBUS_SESSION_BUS_ADDRESS") && !bus_in_runtime
}

/// `HTTPS_PROXY` as it may be shown: host and port only (a proxy URL can carry a password).
fn proxy_shown() -> Option<String> {
    let raw = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"].iter().find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))?;
    let without_scheme = raw.split_once("://").map_or(raw.as_str(), |(_, rest)| rest);
    let host = without_scheme.rsplit_once('@').map_or(without_scheme, |(_, host)| host);
    Some(host.trim_end_matches('/').to_string())
}

/// The proxy GNOME's settings name (`host:port`, or `PAC URL`), asked with `gsettings`, GNOME's
/// own tool (the settings' storage is dconf's to read). reqwest, and so the app, reads only the
/// proxy variables: a proxy set only in GNOME's settings is not used. None: no tool, no GNOME,
/// or no proxy there.
async fn desktop_proxy() -> Option<String> {
    async fn get(schema: &str, key: &str) -> Option<String> {
        let run = tokio::process::Command::new("gsettings").args(["get", schema, key]).stdin(std::process::Stdio::null()).kill_on_drop(true).output();
        let out = tokio::time::timeout(std::time::Duration::from_secs(3), run).await.ok()?.ok()?;
        let value = String::from_utf8(out.stdout).ok()?;
        out.status.success().then(|| value.trim().trim_matches('\'').to_string())
    }
    match get("org.gnome.system.proxy", "mode").await?.as_str() {
        "manual" => {
            let host = get("org.gnome.system.proxy.https", "host").await.filter(|h| !h.is_empty())?;
            let port = get("org.gnome.system.proxy.https", "port").await.unwrap_or_default();
            Some(format!("{host}:{port}"))
        }
        "auto" => get("org.gnome.system.proxy", "autoconfig-url").await.filter(|url| !url.is_empty()).map(|url| format!("PAC {url}")),
        _ => None,
    }
}

pub(crate) async fn run(fallback: &'static Text) -> i32 {
    let mut found = Findings::default();
    let dir = match require_data_dir() {
        Ok(d) => d,
        Err(e) => return crate::fail(&e),
    };
    // The store as every command opens it: the keychain, or the vault file when chosen. A vault
    // that does not open is said below, with the keychain standing in for the other checks.
    let (store, store_error) = match crate::secret_store::existing_store(&dir) {
        Ok(store) => (store, None),
        Err(e) => (Arc::new(KeychainStore::new()) as zoom_connections_engine::vault::SharedStore, Some(e)),
    };
    // The engine first, for the language setting; every check below reports on its own.
    let mut config = EngineConfig::new(dir.clone(), store);
    config.owns_data = false;
    config.sandbox_url = std::fs::read_to_string(dir.join(SANDBOX_URL_FILE)).ok().map(|s| s.trim().to_string());
    let engine = Engine::open(config);
    let text = engine.as_ref().ok().map(|e| Text::detect(e.settings().language.as_deref())).unwrap_or(fallback);
    let d = &text.doctor;

    let probe = dir.join(format!(".doctor-{}", std::process::id()));
    match std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&probe, b"probe")).and_then(|_| std::fs::remove_file(&probe)) {
        Ok(()) => ok(&fill(d.data_ok, &[("dir", &dir.display().to_string())])),
        Err(e) => {
            found.other += 1;
            bad(text, &fill(d.data_bad, &[("dir", &dir.display().to_string()), ("why", &e.to_string())]), d.data_fix);
        }
    }
    let engine = match engine {
        Ok(engine) => engine,
        Err(e) => {
            bad(text, &fill(d.list_bad, &[("message", &e.message)]), d.list_fix);
            println!("{}", fill(d.summary_bad, &[("count", &(found.count() + 1).to_string())]));
            return exit::FAILURE;
        }
    };

    let vault_file = crate::secret_store::uses_vault_file(&dir);
    let probed = match store_error {
        Some(e) => Err(e),
        None => engine.probe_keychain().await,
    };
    match probed {
        Ok(()) if vault_file => ok(d.vault_ok),
        Ok(()) => ok(d.keychain_ok),
        Err(e) => {
            found.keychain = true;
            // Without a desktop session there is no keychain to unlock: the vault file is the fix.
            let fix = if vault_file {
                d.vault_fix
            } else if no_desktop_session() {
                d.keychain_fix_headless
            } else {
                d.keychain_fix
            };
            bad(text, &fill(d.keychain_bad, &[("message", &e.message)]), fix);
        }
    }

    let mut hosts = BTreeSet::new();
    for org in engine.orgs() {
        if org.sandbox {
            ok(&fill(d.org_sandbox, &[("org", &org.name)]));
            continue;
        }
        hosts.insert(org.auth_base.trim_end_matches('/').to_string());
        hosts.insert(org.api_base.trim_end_matches('/').to_string());
        let mut problems = Vec::new();
        if org.client_id.trim().is_empty() {
            problems.push(d.org_no_client_id);
        }
        if org.confidential && !found.keychain && !engine.has_client_secret(&org.id).unwrap_or(false) {
            problems.push(d.org_no_secret);
        }
        if problems.is_empty() {
            ok(&fill(d.org_ok, &[("org", &org.name)]));
        } else {
            found.other += 1;
            bad(text, &fill(d.org_bad, &[("org", &org.name), ("problem", &problems.join("; "))]), d.org_fix);
        }
    }

    let proxy = proxy_shown().map(|p| fill(d.via_proxy, &[("proxy", &p)])).unwrap_or_default();
    if hosts.is_empty() {
        ok(d.zoom_none);
    }
    for base in hosts.iter().filter(|h| !h.is_empty()) {
        let host = base.split_once("://").map_or(base.as_str(), |(_, h)| h);
        match engine.reach(&format!("{base}/")).await {
            Ok(status) => ok(&fill(d.zoom_ok, &[("host", host), ("status", &status.to_string()), ("proxy", &proxy)])),
            Err(Unreached::Dns(why)) => {
                found.unreachable += 1;
                bad(text, &fill(d.zoom_dns, &[("host", host), ("why", &why)]), d.zoom_dns_fix);
            }
            Err(Unreached::Connection(why)) => {
                found.unreachable += 1;
                bad(text, &fill(d.zoom_tls, &[("host", host), ("why", &why), ("proxy", &proxy)]), d.zoom_tls_fix);
            }
        }
    }
    // Out of reach with no proxy variable: a proxy the desktop names may be the way out.
    if found.unreachable > 0 && proxy_shown().is_none() {
        if let Some(desktop) = desktop_proxy().await {
            found.unreachable += 1;
            bad(text, &fill(d.desktop_proxy, &[("proxy", &desktop)]), d.desktop_proxy_fix);
        }
    }

    let connections = engine.connections();
    if connections.is_empty() {
        ok(d.no_connections);
    }
    // Without the keychain no grant can be tested; that line already said why.
    for conn in &connections {
        if found.keychain {
            break;
        }
        match engine.test_connection(&conn.id).await {
            Ok(result) => ok(&fill(d.grant_ok, &[("nickname", &conn.nickname), ("summary", &text.test_result(&result))])),
            Err(e) => {
                let transient = exit_code(e.code) == exit::ZOOM_UNREACHABLE;
                if e.code == ErrorCode::KeychainUnavailable {
                    found.keychain = true;
                } else if transient {
                    found.unreachable += 1;
                } else {
                    found.other += 1;
                }
                let fix = if e.code == ErrorCode::KeychainUnavailable {
                    d.keychain_fix
                } else if transient {
                    d.grant_fix_later
                } else if e.code == ErrorCode::ScimUnavailable {
                    d.grant_fix_scim
                } else {
                    d.grant_fix_reconnect
                };
                bad(text, &fill(d.grant_bad, &[("nickname", &conn.nickname), ("message", &text.error(&e))]), fix);
            }
        }
    }

    if found.count() == 0 {
        println!("{}", d.summary_ok);
        return exit::OK;
    }
    println!("{}", fill(d.summary_bad, &[("count", &found.count().to_string())]));
    if found.keychain {
        exit::KEYCHAIN_UNAVAILABLE
    } else if found.other > 0 {
        exit::FAILURE
    } else {
        exit::ZOOM_UNREACHABLE
    }
}
