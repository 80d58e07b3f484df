//! The tray icon, built in code so that its menu and icon follow connection status. On Linux a
//! tray has no tooltip and no click event: the menu is where the status lives — a summary line,
//! one line per connection, Run keepalive now, Open, Quit — rebuilt on every change.

use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime};
use zoom_connections_engine::model::{Connection, Status};

use crate::engine_state::AppEngine;
use crate::i18n::{fill, Strings};

const TRAY_ID: &str = "main";
const MENU_OPEN: &str = "open";
const MENU_QUIT: &str = "quit";
const MENU_RUN_NOW: &str = "run-now";

/// Icon variants: the worst status wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TrayStatus {
    Ok,
    Warning,
    Error,
}

fn icon(status: TrayStatus) -> tauri::Result<Image<'static>> {
    let bytes: &'static [u8] = match status {
        TrayStatus::Ok => include_bytes!("../../icons/tray/ok.png"),
        TrayStatus::Warning => include_bytes!("../../icons/tray/warning.png"),
        TrayStatus::Error => include_bytes!("../../icons/tray/error.png"),
    };
    Image::from_bytes(bytes)
}

fn clock_time(unix: i64) -> String {
    zoom_connections_engine::local_time::format(unix, "%H:%M")
}

/// The menu's status lines and the icon, from the connections, in the app's language. Pure, so
/// it is tested as is.
pub fn status_lines(t: &Strings, conns: &[Connection], margin: i64) -> (String, Vec<String>, TrayStatus) {
    let mut worst = TrayStatus::Ok;
    let mut lines = Vec::new();
    let mut needing = 0;
    for c in conns {
        let (severity, tail) = match c.status {
            Status::Active | Status::Refreshing if c.is_s2s() => (TrayStatus::Ok, Some(t.on_demand.to_string())),
            Status::Active | Status::Refreshing => (TrayStatus::Ok, c.next_keepalive_at(margin).map(|at| fill(t.next_at, &[("time", &clock_time(at))]))),
            Status::Retrying => (TrayStatus::Warning, c.next_attempt_at.map(|at| fill(t.retry_at, &[("time", &clock_time(at))]))),
            Status::NeedsReconnect | Status::Superseded => {
                needing += 1;
                (TrayStatus::Error, None)
            }
        };
        worst = worst.max(severity);
        let tail = tail.map(|tail| format!(" · {tail}")).unwrap_or_default();
        lines.push(format!("{} — {}{tail}", c.nickname, t.status(c.status)));
    }
    let count = |one: &str, many: &str, n: usize| if n == 1 { one.to_string() } else { fill(many, &[("n", &n.to_string())]) };
    let summary = match (conns.len(), needing, worst) {
        (0, _, _) => t.no_connections.to_string(),
        (n, 0, TrayStatus::Ok) => count(t.kept_alive_one, t.kept_alive, n),
        (_, 0, _) => t.retrying_summary.to_string(),
        (_, k, _) => count(t.need_you_one, t.need_you, k),
    };
    (summary, lines, worst)
}

fn menu<R: Runtime>(app: &AppHandle<R>, t: &Strings, summary: &str, lines: &[String]) -> tauri::Result<Menu<R>> {
    let menu = Menu::new(app)?;
    menu.append(&MenuItem::with_id(app, "summary", summary, false, None::<&str>)?)?;
    for (i, line) in lines.iter().enumerate() {
        menu.append(&MenuItem::with_id(app, format!("conn-{i}"), line, false, None::<&str>)?)?;
    }
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&MenuItem::with_id(app, MENU_RUN_NOW, t.run_now, true, None::<&str>)?)?;
    menu.append(&MenuItem::with_id(app, MENU_OPEN, t.open, true, None::<&str>)?)?;
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&MenuItem::with_id(app, MENU_QUIT, t.quit, true, None::<&str>)?)?;
    Ok(menu)
}

fn current<R: Runtime>(app: &AppHandle<R>) -> (&'static Strings, String, Vec<String>, TrayStatus) {
    match app.try_state::<AppEngine>().map(|s| s.get()) {
        Some(Ok(engine)) => {
            let settings = engine.settings();
            let t = crate::i18n::strings(settings.language.as_deref());
            let (summary, lines, status) = status_lines(t, &engine.connections(), settings.refresh_margin_secs);
            (t, summary, lines, status)
        }
        _ => (crate::i18n::strings(None), "Zoom Connections".into(), vec![], TrayStatus::Warning),
    }
}

/// The tray's own folder for its icon files (libappindicator reads the icon from a file): in the
/// app's cache directory, private to the user, instead of the shared `/tmp/tray-icon/` where
/// another local user could plant a symlink or swap the icon.
fn icon_dir<R: Runtime>(app: &AppHandle<R>) -> Option<std::path::PathBuf> {
    let dir = app.path().app_cache_dir().ok()?.join("tray-icon");
    std::fs::create_dir_all(&dir).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).ok()?;
    }
    Some(dir)
}

pub fn build<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let (t, summary, lines, status) = current(app);
    // Where no tray host runs (a bare X server, some desktops) building still succeeds and
    // nothing is shown; the window remains the way in.
    let mut builder = TrayIconBuilder::with_id(TRAY_ID);
    match icon_dir(app) {
        Some(dir) => builder = builder.temp_dir_path(dir),
        None => tracing::warn!("no private folder for the tray icon; the tray uses the platform's default"),
    }
    builder
        .icon(icon(status)?)
        .tooltip("Zoom Connections")
        .menu(&menu(app, t, &summary, &lines)?)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| match event.id().as_ref() {
            MENU_OPEN => crate::window::show_main(app),
            MENU_RUN_NOW => crate::engine_state::run_keepalive_now(app),
            MENU_QUIT => {
                tracing::info!("quit from the tray");
                crate::quit::request(app);
            }
            _ => {}
        })
        .build(app)?;
    tracing::info!(summary = %summary, lines = ?lines, "tray updated");
    Ok(())
}

/// Rebuilds the menu and the icon from the current status.
pub fn refresh<R: Runtime>(app: &AppHandle<R>) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else { return };
    let (t, summary, lines, status) = current(app);
    let result = menu(app, t, &summary, &lines).and_then(|m| tray.set_menu(Some(m))).and_then(|_| icon(status)).and_then(|i| tray.set_icon(Some(i)));
    match result {
        Ok(()) => tracing::info!(summary = %summary, lines = ?lines, "tray updated"),
        Err(e) => tracing::warn!("could not update the tray: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zoom_connections_engine::model::ZoomIdentity;

    fn conn(nick: &str, status: Status) -> Connection {
        Connection {
            id: nick.into(),
            org_id: "o".into(),
            nickname: nick.into(),
            kind: Default::default(),
            s2s: None,
            identity: ZoomIdentity {
                user_id: "u".into(),
                email: "e".into(),
                display_name: "d".into(),
                account_id: "a".into(),
                account_number: None,
                role_name: "Owner".into(),
                user_type: Some(2),
            },
            granted_scopes: vec![],
            api_url: String::new(),
            status,
            status_reason: None,
            reason: None,
            created_at: 0,
            granted_at: None,
            access_expires_at: 1_900_000_000,
            last_success_at: None,
            last_failure_at: None,
            next_attempt_at: None,
            consecutive_failures: 0,
            failing_since: None,
            generation: 0,
            handed_out_until: None,
            minted_at: None,
            served: 0,
            unanswered_refresh_at: None,
        }
    }

    #[test]
    fn lines_and_icon_follow_the_worst_status() {
        let t = &crate::i18n::EN;
        let (summary, lines, icon) = status_lines(t, &[], 600);
        assert_eq!((summary.as_str(), lines.len(), icon), ("No connections yet", 0, TrayStatus::Ok));

        let all_ok = [conn("Prod", Status::Active), conn("Preview", Status::Active)];
        let (summary, lines, icon) = status_lines(t, &all_ok, 600);
        assert_eq!(summary, "2 connections kept alive");
        assert!(lines[0].starts_with("Prod — Active · next "), "{}", lines[0]);
        assert_eq!(icon, TrayStatus::Ok);

        let mut s2s = conn("Provisioning", Status::Active);
        s2s.kind = zoom_connections_engine::model::ConnectionKind::ServerToServer;
        let (_, lines, _) = status_lines(t, &[s2s.clone()], 600);
        assert_eq!(lines, ["Provisioning — Active · on demand"]);
        let (_, lines, _) = status_lines(&crate::i18n::JA, &[s2s], 600);
        assert_eq!(lines, ["Provisioning — 有効 · 必要時に発行"]);

        let retrying = [conn("Prod", Status::Retrying), conn("Preview", Status::Active)];
        assert_eq!(status_lines(t, &retrying, 600).2, TrayStatus::Warning);

        let lost = [conn("Prod", Status::NeedsReconnect), conn("Preview", Status::Retrying)];
        let (summary, lines, icon) = status_lines(t, &lost, 600);
        assert_eq!(summary, "1 connection needs you");
        assert_eq!(lines[0], "Prod — Needs reconnect");
        assert_eq!(icon, TrayStatus::Error);

        let ja = &crate::i18n::JA;
        let (summary, lines, _) = status_lines(ja, &lost, 600);
        assert_eq!(summary, "1 件の接続で対応が必要です");
        assert_eq!(lines[0], "Prod — 再接続が必要");
        assert!(status_lines(ja, &all_ok, 600).1[0].starts_with("Prod — 有効 · 次回 "));
    }
}
