//! What the command line says, in English and Japanese (the glossary of docs/i18n.md, shared
//! with the window). The language is the app's setting when it has one, else the locale
//! (`LC_ALL`, `LC_MESSAGES`, `LANG`). JSON output and error codes are never translated.

use zoom_connections_engine::model::Status;
use zoom_connections_engine::EngineError;

pub struct Text {
    pub keepalive_report: &'static str,
    pub no_connections: &'static str,
    pub headers: [&'static str; 8],
    pub needs_you: &'static str,
    /// A Server-to-Server connection: tokens minted when needed, no keepalive.
    pub on_demand: &'static str,
    pub s2s_account: &'static str,
    pub status: [&'static str; 5],
    pub no_target: &'static str,
    /// `status`: `{date}` when the refresh token may end (about 90 days after the sign-in).
    pub refresh_may_end: &'static str,
    /// A `.zoom-connection` not used: `{path}`, `{why}` (one of `target_file_why`).
    pub target_file: &'static str,
    /// target::Why, in its order.
    pub target_file_why: [&'static str; 6],
    pub last_next: &'static str,
    pub check_ok: &'static str,
    pub check_failed: &'static str,
    /// A passed connection test: `{users}`; `{email}` and `{role}`.
    pub test_scim: &'static str,
    pub test_users_me: &'static str,
    pub test_users_list: &'static str,
    pub not_found: &'static str,
    pub cannot_run: &'static str,
    pub doctor: Doctor,
    pub actions: ActionsText,
    /// Engine errors and reasons are worded in Japanese (`reasons.rs`); else the engine's own
    /// English.
    pub japanese: bool,
}

/// `users`, `groups` and `api`.
pub struct ActionsText {
    pub user_headers: [&'static str; 5],
    pub group_headers: [&'static str; 3],
    /// `{n}` users or groups found.
    pub found: &'static str,
    /// Done: `{who}`.
    pub created: &'static str,
    pub invited: &'static str,
    pub updated: &'static str,
    pub activated: &'static str,
    pub deactivated: &'static str,
    pub disassociated: &'static str,
    pub deleted: &'static str,
    /// `{n}` users, `{group}`.
    pub added: &'static str,
    /// `{who}`, `{group}`.
    pub removed: &'static str,
    pub user_status: [&'static str; 3],
    /// A bulk run's plan: `{change}`, `{same}`, `{refused}`.
    pub plan: &'static str,
    /// bulk::Refusal in its order: admin, yourself, pending, duplicate, not found.
    pub refusals: [&'static str; 5],
    /// `{n}` users, `{action}`.
    pub confirm: &'static str,
    pub confirm_needs_yes: &'static str,
    /// `{done}` of `{total}`, `{failed}`.
    pub progress: &'static str,
    /// `{run}`: its id, for --resume / --undo.
    pub finished: &'static str,
    pub stopped: &'static str,
    pub cancelled: &'static str,
    pub nothing_to_do: &'static str,
    pub runs_headers: [&'static str; 5],
}

pub struct Doctor {
    pub keychain_ok: &'static str,
    pub keychain_bad: &'static str,
    pub keychain_fix: &'static str,
    /// No desktop session: the vault file instead (docs/cli.md, On a server).
    pub keychain_fix_headless: &'static str,
    pub vault_ok: &'static str,
    pub vault_fix: &'static str,
    pub data_ok: &'static str,
    pub data_bad: &'static str,
    pub data_fix: &'static str,
    pub list_bad: &'static str,
    pub list_fix: &'static str,
    pub org_ok: &'static str,
    pub org_sandbox: &'static str,
    pub org_bad: &'static str,
    pub org_fix: &'static str,
    pub org_no_client_id: &'static str,
    pub org_no_secret: &'static str,
    pub fix: &'static str,
    pub zoom_ok: &'static str,
    pub zoom_dns: &'static str,
    pub zoom_dns_fix: &'static str,
    pub zoom_tls: &'static str,
    pub zoom_tls_fix: &'static str,
    pub zoom_none: &'static str,
    pub via_proxy: &'static str,
    /// Zoom out of reach while the desktop's settings name a proxy the environment does not.
    pub desktop_proxy: &'static str,
    pub desktop_proxy_fix: &'static str,
    pub grant_ok: &'static str,
    pub grant_bad: &'static str,
    pub grant_fix_reconnect: &'static str,
    /// SCIM refused for the account (ErrorCode::ScimUnavailable): what SCIM needs.
    pub grant_fix_scim: &'static str,
    pub grant_fix_later: &'static str,
    pub no_connections: &'static str,
    pub summary_ok: &'static str,
    pub summary_bad: &'static str,
}

pub static EN: Text = Text {
    keepalive_report: "refreshed {refreshed}, failed {failed}, needing the user {needing}",
    no_connections: "No connections yet. Create one in the app (New Connection) or here: zoom-connections connect NICKNAME.",
    headers: ["ID", "NICKNAME", "ORG", "ZOOM ACCOUNT", "ROLE", "STATUS", "TOKEN EXPIRES", "NEXT REFRESH"],
    needs_you: "needs you",
    on_demand: "on demand",
    s2s_account: "Server-to-Server app",
    status: ["Active", "Refreshing", "Retrying", "Needs reconnect", "Superseded"],
    no_target: "Name a connection: zoom-connections {command} NICKNAME — or set ZOOM_CONNECTION, or write its nickname in a .zoom-connection file.",
    refresh_may_end: "Zoom may end its refresh token around {date} (about 90 days after its sign-in, by one of Zoom's pages): reconnect before then",
    target_file:
        "{path} was not used: {why}. Name the connection on the command line, or put only its nickname in that file (docs/cli.md, Naming a connection).",
    target_file_why: [
        "it cannot be opened as a file of this user (a link is not followed)",
        "it is not a regular file",
        "it is larger than 4 KiB",
        "it is not UTF-8 text",
        "it names no connection",
        "its first line is not a connection's nickname or id",
    ],
    last_next: "last success {last}, next refresh {next}",
    check_ok: "its grant answered just now: {summary}",
    check_failed: "its grant did not answer: {message}",
    test_scim: "SCIM works: {users} users in the Zoom account.",
    test_users_me: "signed in to Zoom as {email} ({role}).",
    test_users_list: "Server-to-Server works: {users} active users in the Zoom account.",
    not_found: "command not found: {command}",
    cannot_run: "cannot run {command}: {why}",
    actions: ActionsText {
        user_headers: ["EMAIL", "NAME", "STATUS", "TYPE", "DEPARTMENT"],
        group_headers: ["ID", "NAME", "MEMBERS"],
        found: "{n} found.",
        created: "Created {who}.",
        invited: "Invited {who}: the user is pending until they accept Zoom's email.",
        updated: "Updated {who}.",
        activated: "Activated {who}.",
        deactivated: "Deactivated {who}: they can no longer sign in; `users activate` undoes it.",
        disassociated: "Removed {who} from the account (disassociated: they keep their data in a free Zoom account of their own).",
        deleted: "Deleted {who} and their data for good.",
        added: "Added {n} users to {group}.",
        removed: "Removed {who} from {group}.",
        user_status: ["active", "deactivated", "pending"],
        plan: "{change} will change, {same} are already so, {refused} are left out.",
        refusals: ["the owner or an admin (Zoom refuses; make them a member first)", "the connection's own user", "an invitation not accepted yet", "named twice", "no such user"],
        confirm: "{action} {n} users? [y/N] ",
        confirm_needs_yes: "Not on a terminal: add --yes to run it (or --dry-run to see what it would do).",
        progress: "{done} of {total} done, {failed} failed",
        finished: "Finished run {run}.",
        stopped: "Run {run} stopped; `users bulk --resume {run}` goes on where it stopped.",
        cancelled: "Run {run} cancelled; `users bulk --resume {run}` goes on with the rest.",
        nothing_to_do: "Nothing to do.",
        runs_headers: ["RUN", "CONNECTION", "ACTION", "USERS", "STATE"],
    },
    doctor: Doctor {
        keychain_ok: "keychain: reachable and unlocked",
        keychain_bad: "keychain: {message}",
        keychain_fix: "unlock the login keyring (or start a Secret Service such as gnome-keyring) and run doctor again",
        keychain_fix_headless: "this machine has no desktop session, so no keychain: keep secrets in the encrypted vault file instead, e.g. zoom-connections --vault file orgs add … (its passphrase from systemd-creds, a 0600 file or the terminal; docs/cli.md, On a server)",
        vault_ok: "vault file: opened with its passphrase",
        vault_fix: "give the vault file's passphrase (systemd credential vault-passphrase, --vault-passphrase-file FILE of mode 0600, --vault-passphrase-stdin or a terminal) and run doctor again",
        data_ok: "data directory: {dir} is writable",
        data_bad: "data directory: {dir} cannot be written: {why}",
        data_fix: "give this user write access to it, or free disk space",
        list_bad: "list of connections: {message}",
        list_fix: "open the Zoom Connections app: it keeps the unreadable list aside and starts a new one",
        org_ok: "org “{org}”: settings complete",
        org_sandbox: "org “{org}”: the built-in Zoom sandbox (answers while the app runs)",
        org_bad: "org “{org}”: {problem}",
        org_fix: "complete it in the app: Settings → the org → Check settings",
        org_no_client_id: "the Zoom app's client id is missing",
        org_no_secret: "the Zoom app's client secret is not in the keychain",
        fix: "fix: ",
        zoom_ok: "Zoom: {host} answered (HTTP {status}){proxy}",
        zoom_dns: "Zoom: {host} cannot be resolved: {why}",
        zoom_dns_fix: "check DNS, or set HTTPS_PROXY if this network reaches the internet through a proxy",
        zoom_tls: "Zoom: {host} cannot be reached: {why}{proxy}",
        zoom_tls_fix: "check the firewall and the proxy (HTTPS_PROXY); a TLS-inspecting proxy's root certificate must be in the system's store",
        zoom_none: "Zoom: no org uses real Zoom yet; nothing to reach",
        via_proxy: " via the proxy {proxy}",
        desktop_proxy:
            "proxy: GNOME's settings name {proxy}, but the app and the command line use only the HTTPS_PROXY or ALL_PROXY variable, and neither is set",
        desktop_proxy_fix: "put HTTPS_PROXY=http://HOST:PORT (and NO_PROXY) in ~/.config/environment.d/proxy.conf, then log out and back in",
        grant_ok: "connection “{nickname}”: {summary}",
        grant_bad: "connection “{nickname}”: {message}",
        grant_fix_reconnect: "reconnect it in the app (Reconnect)",
        grant_fix_scim: "SCIM needs a Business or Education Zoom account with an approved vanity URL and single sign-on, and an Owner or Admin: ask the account owner, or take SCIM out of the org's required scopes in the app's Settings (docs/zoom.md, SCIM 2)",
        grant_fix_later: "try again later; keepalive retries by itself",
        no_connections: "connections: none yet",
        summary_ok: "Everything the app needs is in place.",
        summary_bad: "{count} problem(s) above need you.",
    },
    japanese: false,
};

pub static JA: Text = Text {
    keepalive_report: "更新 {refreshed} 件、失敗 {failed} 件、対応が必要 {needing} 件",
    no_connections: "接続はまだありません。アプリの［新規接続］か、ここで作成してください：zoom-connections connect ニックネーム",
    headers: ["ID", "ニックネーム", "Org", "Zoom アカウント", "ロール", "状態", "トークンの有効期限", "次回の更新"],
    needs_you: "対応が必要",
    on_demand: "必要時に発行",
    s2s_account: "Server-to-Server アプリ",
    status: ["有効", "更新中", "再試行中", "再接続が必要", "置き換え済み"],
    no_target: "接続を指定してください：zoom-connections {command} ニックネーム（または ZOOM_CONNECTION を設定するか、.zoom-connection ファイルにニックネームを書いてください）。",
    refresh_may_end: "リフレッシュトークンは {date} ごろに Zoom によって失効する可能性があります（Zoom の一部のページによると、サインインから約 90 日）。それまでに再接続してください",
    target_file: "{path} は使用しませんでした：{why}。コマンドラインで接続を指定するか、このファイルには接続ニックネームだけを書いてください（docs/cli.md の「Naming a connection」）。",
    target_file_why: [
        "このユーザーのファイルとして開けません（シンボリックリンクはたどりません）",
        "通常のファイルではありません",
        "4 KiB を超えています",
        "UTF-8 のテキストではありません",
        "接続が書かれていません",
        "1 行目が接続ニックネームまたは ID ではありません",
    ],
    last_next: "前回の成功 {last}、次回の更新 {next}",
    check_ok: "承認を今確認しました：{summary}",
    check_failed: "承認を確認できませんでした：{message}",
    test_scim: "SCIM が動作しています：Zoom アカウントのユーザーは {users} 人です。",
    test_users_me: "{email}（{role}）として Zoom にサインインしています。",
    test_users_list: "Server-to-Server が動作しています：Zoom アカウントの有効なユーザーは {users} 人です。",
    not_found: "コマンドが見つかりません：{command}",
    cannot_run: "{command} を実行できません：{why}",
    actions: ActionsText {
        user_headers: ["メールアドレス", "名前", "状態", "種別", "部署"],
        group_headers: ["ID", "名前", "メンバー数"],
        found: "{n} 件見つかりました。",
        created: "{who} を作成しました。",
        invited: "{who} を招待しました。Zoom からのメールで承諾されるまで保留中です。",
        updated: "{who} を更新しました。",
        activated: "{who} を有効にしました。",
        deactivated: "{who} を無効にしました。サインインできなくなります（`users activate` で元に戻せます）。",
        disassociated: "{who} をアカウントから外しました（関連付け解除：データは本人の無料 Zoom アカウントに残ります）。",
        deleted: "{who} をデータごと完全に削除しました。",
        added: "{group} に {n} 人を追加しました。",
        removed: "{who} を {group} から外しました。",
        user_status: ["有効", "無効", "保留中"],
        plan: "変更 {change} 人、変更不要 {same} 人、対象外 {refused} 人です。",
        refusals: ["オーナーまたは管理者（Zoom が拒否します。先にメンバーに変更してください）", "この接続のユーザー自身", "招待を未承諾", "重複して指定", "該当するユーザーなし"],
        confirm: "{n} 人を{action}しますか？ [y/N] ",
        confirm_needs_yes: "端末ではないため実行しません。実行するには --yes を付けてください（--dry-run で内容だけを確認できます）。",
        progress: "{total} 人中 {done} 人完了、失敗 {failed} 人",
        finished: "実行 {run} が完了しました。",
        stopped: "実行 {run} は途中で止まりました。`users bulk --resume {run}` で続きから再開できます。",
        cancelled: "実行 {run} を取り消しました。`users bulk --resume {run}` で残りを実行できます。",
        nothing_to_do: "実行する処理はありません。",
        runs_headers: ["実行", "接続", "操作", "ユーザー数", "状態"],
    },
    doctor: Doctor {
        keychain_ok: "キーチェーン：利用でき、ロック解除されています",
        keychain_bad: "キーチェーン：{message}",
        keychain_fix: "ログインキーリングのロックを解除するか（gnome-keyring などの Secret Service を起動して）、doctor をもう一度実行してください",
        keychain_fix_headless: "このマシンにはデスクトップセッションがないため、キーチェーンを使えません。暗号化されたボールトファイルにシークレットを保存してください。例：zoom-connections --vault file orgs add …（パスフレーズは systemd-creds、モード 0600 のファイル、または端末から。docs/cli.md「サーバーで使う」）",
        vault_ok: "ボールトファイル：パスフレーズで開けました",
        vault_fix: "ボールトファイルのパスフレーズを指定して（systemd の認証情報 vault-passphrase、モード 0600 の --vault-passphrase-file ファイル、--vault-passphrase-stdin、または端末）、doctor をもう一度実行してください",
        data_ok: "データディレクトリ：{dir} に書き込めます",
        data_bad: "データディレクトリ：{dir} に書き込めません：{why}",
        data_fix: "このユーザーに書き込み権限を与えるか、ディスクの空き容量を確保してください",
        list_bad: "接続の一覧：{message}",
        list_fix: "Zoom Connections アプリを開いてください。読めない一覧は別名で保存され、新しい一覧が作られます",
        org_ok: "Org「{org}」：設定はそろっています",
        org_sandbox: "Org「{org}」：組み込みの Zoom サンドボックス（アプリの起動中に応答します）",
        org_bad: "Org「{org}」：{problem}",
        org_fix: "アプリで設定してください：設定 → Org →［設定を確認］",
        org_no_client_id: "Zoom アプリのクライアント ID がありません",
        org_no_secret: "Zoom アプリのクライアントシークレットがキーチェーンにありません",
        fix: "対処：",
        zoom_ok: "Zoom：{host} が応答しました（HTTP {status}）{proxy}",
        zoom_dns: "Zoom：{host} の名前を解決できません：{why}",
        zoom_dns_fix: "DNS を確認してください。プロキシ経由でインターネットに出るネットワークでは HTTPS_PROXY を設定してください",
        zoom_tls: "Zoom：{host} にアクセスできません：{why}{proxy}",
        zoom_tls_fix: "ファイアウォールとプロキシ（HTTPS_PROXY）を確認してください。TLS を検査するプロキシのルート証明書はシステムの証明書ストアに必要です",
        zoom_none: "Zoom：実際の Zoom を使う Org はまだありません。確認する接続先はありません",
        via_proxy: "（プロキシ {proxy} 経由）",
        desktop_proxy: "プロキシ：GNOME の設定では {proxy} を使いますが、アプリとコマンドラインが使うのは HTTPS_PROXY または ALL_PROXY 変数だけで、どちらも設定されていません",
        desktop_proxy_fix: "~/.config/environment.d/proxy.conf に HTTPS_PROXY=http://ホスト:ポート（と NO_PROXY）を書き、ログインし直してください",
        grant_ok: "接続「{nickname}」：{summary}",
        grant_bad: "接続「{nickname}」：{message}",
        grant_fix_reconnect: "アプリで再接続してください（［再接続］）",
        grant_fix_scim: "SCIM には、承認済みのバニティ URL とシングルサインオンを設定したビジネスまたは教育機関向けの Zoom アカウントと、オーナーまたは管理者が必要です。アカウントのオーナーに依頼するか、アプリの［設定］で Org の必須スコープから SCIM を外してください（docs/zoom.md の「SCIM 2」）",
        grant_fix_later: "しばらくしてからもう一度お試しください。キープアライブは自動で再試行します",
        no_connections: "接続：まだありません",
        summary_ok: "アプリに必要なものはすべてそろっています。",
        summary_bad: "上記の {count} 件の問題に対応が必要です。",
    },
    japanese: true,
};

impl Text {
    /// A passed connection test, in this language.
    pub fn test_result(&self, r: &zoom_connections_engine::TestResult) -> String {
        let users = r.users.unwrap_or(0).to_string();
        match r.probe {
            zoom_connections_engine::Probe::Scim => fill(self.test_scim, &[("users", &users)]),
            zoom_connections_engine::Probe::UsersList => fill(self.test_users_list, &[("users", &users)]),
            zoom_connections_engine::Probe::UsersMe => {
                fill(self.test_users_me, &[("email", r.email.as_deref().unwrap_or("")), ("role", r.role.as_deref().unwrap_or(""))])
            }
        }
    }

    /// An engine error in this language: in Japanese the code's words (`reasons.rs`), with the
    /// engine's English message after it for its details (the names, Zoom's own words), as the
    /// window does.
    pub fn error(&self, e: &EngineError) -> String {
        if self.japanese {
            format!("{}（{}）", zoom_connections_engine::reasons::error_words(e.code, true), e.message)
        } else {
            e.message.clone()
        }
    }

    /// The app's language setting once an engine has read it in this process, else the
    /// locale: for messages said far from where the engine was opened (errors).
    pub fn current() -> &'static Text {
        Text::detect(LANGUAGE_SETTING.get().and_then(|s| s.as_deref()))
    }

    /// The app's language setting if given, else the locale.
    pub fn detect(setting: Option<&str>) -> &'static Text {
        let locale = || ["LC_ALL", "LC_MESSAGES", "LANG"].iter().find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty())).unwrap_or_default();
        let lang = setting.map(str::to_string).unwrap_or_else(locale);
        if lang.starts_with("ja") {
            &JA
        } else {
            &EN
        }
    }

    pub fn status(&self, s: Status) -> &'static str {
        self.status[match s {
            Status::Active => 0,
            Status::Refreshing => 1,
            Status::Retrying => 2,
            Status::NeedsReconnect => 3,
            Status::Superseded => 4,
        }]
    }
}

/// The app's language setting, as the engine this process opened read it.
static LANGUAGE_SETTING: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();

/// Remembers the app's language setting for `Text::current` (the first engine opened wins).
pub fn remember_setting(language: Option<String>) {
    let _ = LANGUAGE_SETTING.set(language);
}

/// `{name}` placeholders filled in.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(template.to_string(), |out, (k, v)| out.replace(&format!("{{{k}}}"), v))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every placeholder of a message is in its translation, and no message is left English.
    #[test]
    fn both_languages_say_the_same_things() {
        let placeholders = |s: &str| {
            let mut names: Vec<String> = s.split('{').skip(1).filter_map(|p| p.split_once('}')).map(|(n, _)| n.to_string()).collect();
            names.sort();
            names
        };
        let pairs = |t: &'static Text| -> Vec<&'static str> {
            let d = &t.doctor;
            let mut all = vec![
                t.keepalive_report,
                t.no_connections,
                t.needs_you,
                t.on_demand,
                t.s2s_account,
                t.no_target,
                t.refresh_may_end,
                t.target_file,
                t.last_next,
                t.test_scim,
                t.test_users_me,
                t.test_users_list,
                t.check_ok,
                t.check_failed,
                t.not_found,
                t.cannot_run,
            ];
            all.extend(t.headers);
            all.extend(t.target_file_why);
            all.extend(t.status);
            all.extend([
                d.keychain_ok,
                d.keychain_bad,
                d.keychain_fix,
                d.keychain_fix_headless,
                d.vault_ok,
                d.vault_fix,
                d.data_ok,
                d.data_bad,
                d.data_fix,
                d.list_bad,
                d.list_fix,
                d.org_ok,
                d.org_sandbox,
                d.org_bad,
                d.org_fix,
                d.org_no_client_id,
                d.org_no_secret,
                d.fix,
                d.zoom_ok,
                d.zoom_dns,
                d.zoom_dns_fix,
                d.zoom_tls,
                d.zoom_tls_fix,
                d.zoom_none,
                d.via_proxy,
                d.desktop_proxy,
                d.desktop_proxy_fix,
                d.grant_ok,
                d.grant_bad,
                d.grant_fix_reconnect,
                d.grant_fix_scim,
                d.grant_fix_later,
                d.no_connections,
                d.summary_ok,
                d.summary_bad,
            ]);
            all
        };
        let (en, ja) = (pairs(&EN), pairs(&JA));
        assert_eq!(en.len(), ja.len());
        for (e, j) in en.iter().zip(&ja) {
            assert_eq!(placeholders(e), placeholders(j), "{e} / {j}");
            let untranslated = e == j && e.chars().any(|c| c.is_ascii_lowercase()) && !matches!(*e, "ID");
            assert!(!untranslated, "not translated: {e}");
        }
        // An error in Japanese: the code's words, the English details after them.
        let e = EngineError::new(zoom_connections_engine::ErrorCode::LockTimeout, "held");
        assert_eq!(JA.error(&e), "別のプロセスがこの接続または接続の一覧を長く使用していました（held）");
        assert_eq!(EN.error(&e), "held");
        assert_eq!(Text::detect(Some("ja")).needs_you, JA.needs_you);
        assert_eq!(Text::detect(Some("en")).needs_you, EN.needs_you);
    }
}
