//! The words the shell itself shows — the tray menu and the notifications — in the app's
//! language (the Settings choice, else the OS locale). One struct per language: a string missing
//! from one of them does not compile, which is this catalog's parity check. The window's
//! catalogs are in ui/src/i18n/.

use zoom_connections_engine::model::Status;

pub struct Strings {
    /// Japanese: how the engine words typed reasons (`reasons::words`).
    pub japanese: bool,
    pub status_active: &'static str,
    pub status_refreshing: &'static str,
    pub status_retrying: &'static str,
    pub status_needs_reconnect: &'static str,
    pub status_superseded: &'static str,
    pub no_connections: &'static str,
    /// `{n}` connections.
    pub kept_alive: &'static str,
    pub kept_alive_one: &'static str,
    pub retrying_summary: &'static str,
    /// `{n}` connections.
    pub need_you: &'static str,
    pub need_you_one: &'static str,
    /// `{time}` of the next keepalive, of the next retry.
    pub next_at: &'static str,
    pub retry_at: &'static str,
    /// A Server-to-Server connection: tokens minted when needed, no keepalive.
    pub on_demand: &'static str,
    pub run_now: &'static str,
    pub open: &'static str,
    pub quit: &'static str,
    /// `{nickname}`.
    pub lost_title: &'static str,
    /// `{reason}`.
    pub lost_body: &'static str,
    /// The same for a Server-to-Server connection (nothing to reconnect).
    pub lost_body_s2s: &'static str,
    pub lost_reason_unknown: &'static str,
    pub recovered_title: &'static str,
    pub recovered_body: &'static str,
    pub attention_title: &'static str,
}

pub const EN: Strings = Strings {
    japanese: false,
    status_active: "Active",
    status_refreshing: "Refreshing",
    status_retrying: "Retrying",
    status_needs_reconnect: "Needs reconnect",
    status_superseded: "Superseded",
    no_connections: "No connections yet",
    kept_alive: "{n} connections kept alive",
    kept_alive_one: "1 connection kept alive",
    retrying_summary: "Retrying a connection…",
    need_you: "{n} connections need you",
    need_you_one: "1 connection needs you",
    next_at: "next {time}",
    retry_at: "retry {time}",
    on_demand: "on demand",
    run_now: "Run keepalive now",
    open: "Open Zoom Connections",
    quit: "Quit",
    lost_title: "“{nickname}” needs you",
    lost_body: "{reason}. Open Zoom Connections to reconnect it.",
    lost_body_s2s: "{reason}. Check the app in the Zoom App Marketplace, then Test or Rotate secret in Zoom Connections.",
    lost_reason_unknown: "The connection ended",
    recovered_title: "“{nickname}” is active again",
    recovered_body: "The connection recovered; nothing to do.",
    attention_title: "“{nickname}”: Zoom asks to wait",
};

pub const JA: Strings = Strings {
    japanese: true,
    status_active: "有効",
    status_refreshing: "更新中",
    status_retrying: "再試行中",
    status_needs_reconnect: "再接続が必要",
    status_superseded: "置き換え済み",
    no_connections: "接続はまだありません",
    kept_alive: "{n} 件の接続を維持しています",
    kept_alive_one: "1 件の接続を維持しています",
    retrying_summary: "接続を再試行しています…",
    need_you: "{n} 件の接続で対応が必要です",
    need_you_one: "1 件の接続で対応が必要です",
    next_at: "次回 {time}",
    on_demand: "必要時に発行",
    retry_at: "再試行 {time}",
    run_now: "今すぐキープアライブを実行",
    open: "Zoom Connections を開く",
    quit: "終了",
    lost_title: "「{nickname}」で対応が必要です",
    lost_body: "{reason}。Zoom Connections を開いて再接続してください。",
    lost_body_s2s: "{reason}。Zoom App Marketplace でアプリを確認し、Zoom Connections で［テスト］または［シークレットを差し替え］を実行してください。",
    lost_reason_unknown: "接続が終了しました",
    recovered_title: "「{nickname}」が復旧しました",
    recovered_body: "接続は復旧しました。操作は不要です。",
    attention_title: "「{nickname}」：Zoom から待機を求められています",
};

impl Strings {
    pub fn status(&self, s: Status) -> &'static str {
        match s {
            Status::Active => self.status_active,
            Status::Refreshing => self.status_refreshing,
            Status::Retrying => self.status_retrying,
            Status::NeedsReconnect => self.status_needs_reconnect,
            Status::Superseded => self.status_superseded,
        }
    }
}

/// The strings for a language setting (`en`, `ja`); without one, the OS locale's.
pub fn strings(setting: Option<&str>) -> &'static Strings {
    let lang = setting.map(str::to_string).unwrap_or_else(os_language);
    if lang.starts_with("ja") {
        &JA
    } else {
        &EN
    }
}

/// The OS locale's language, as POSIX names it (LC_ALL, LC_MESSAGES, LANG), e.g. `ja_JP.UTF-8`.
fn os_language() -> String {
    ["LC_ALL", "LC_MESSAGES", "LANG"].iter().filter_map(|k| std::env::var(k).ok()).find(|v| !v.is_empty()).unwrap_or_default().to_ascii_lowercase()
}

/// `template` with `{name}` filled in.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(template.to_string(), |t, (k, v)| t.replace(&format!("{{{k}}}"), v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_japanese_strings_are_japanese_and_keep_their_placeholders() {
        let pairs = [
            (EN.kept_alive, JA.kept_alive),
            (EN.need_you, JA.need_you),
            (EN.next_at, JA.next_at),
            (EN.retry_at, JA.retry_at),
            (EN.lost_title, JA.lost_title),
            (EN.lost_body, JA.lost_body),
            (EN.lost_body_s2s, JA.lost_body_s2s),
            (EN.recovered_title, JA.recovered_title),
            (EN.attention_title, JA.attention_title),
        ];
        for (en, ja) in pairs {
            let holes = |s: &str| s.matches('{').count();
            assert_eq!(holes(en), holes(ja), "{en} / {ja}");
            assert!(ja.chars().any(|c| c > '\u{3000}'), "not Japanese: {ja}");
        }
        assert_eq!(strings(Some("ja")).quit, "終了");
        assert_eq!(strings(Some("en")).quit, "Quit");
    }
}
