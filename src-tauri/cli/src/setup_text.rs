//! What `orgs`, `connect`, `reconnect`, `delete` and the vault file say, in English and Japanese
//! (the glossary of docs/i18n.md). Chosen with the rest of the command line's words (`text.rs`).

pub struct SetupText {
    pub orgs_headers: [&'static str; 6],
    pub no_orgs: &'static str,
    /// `{name}`, `{id}`, `{redirect}`.
    pub org_added: &'static str,
    pub org_removed: &'static str,
    pub sandbox_cloud: &'static str,
    /// `{parts}`.
    pub check_ok: &'static str,
    /// `{problem}`.
    pub check_problem: &'static str,
    /// SetupPart in its order: redirect URL, app type, scopes, client secret, role, SCIM account.
    pub parts: [&'static str; 6],
    pub no_org: &'static str,
    /// `{orgs}`.
    pub choose_org: &'static str,
    pub opening_browser: &'static str,
    pub open_link: &'static str,
    pub paste_prompt: &'static str,
    /// `{message}`.
    pub paste_again: &'static str,
    /// `{uri}`, `{code}`, `{time}`.
    pub device_prompt: &'static str,
    pub scan: &'static str,
    pub waiting: &'static str,
    pub device_fallback: &'static str,
    /// `{nickname}`, `{org}`, `{email}`, `{role}`, `{account}`.
    pub connected: &'static str,
    /// `{nickname}`, `{org}`, `{account}`.
    pub s2s_connected: &'static str,
    /// `{nickname}`, `{org}`, `{email}`.
    pub delete_confirm: &'static str,
    pub delete_needs_yes: &'static str,
    pub deleted: &'static str,
    pub not_deleted: &'static str,
    pub secret_prompt: &'static str,
    pub secret_needed: &'static str,
    pub passphrase: &'static str,
    pub new_passphrase: &'static str,
    pub passphrase_again: &'static str,
    pub passphrases_differ: &'static str,
    pub no_passphrase: &'static str,
    /// Zoom roles as the console names them.
    pub roles: [(&'static str, &'static str); 3],
}

pub static EN: SetupText = SetupText {
    orgs_headers: ["ID", "NAME", "ZOOM", "CLIENT ID", "REDIRECT URL", "CONNECTIONS"],
    no_orgs: "No orgs yet. Add one: zoom-connections orgs add NAME --client-id ID",
    org_added: "Added the org “{name}” (id {id}). Register this redirect URL in the Zoom app: {redirect}",
    org_removed: "Removed the org “{name}” and its client secret.",
    sandbox_cloud: "sandbox",
    check_ok: "Zoom found nothing wrong with what it checks before a sign-in. Only a sign-in can confirm: {parts}.",
    check_problem: "Zoom refused the settings: {problem}",
    parts: ["the redirect URL", "the app type", "the scopes", "the client secret", "the role of who signs in", "the account's SCIM"],
    no_org: "There is no org yet: add one first (zoom-connections orgs add NAME --client-id ID).",
    choose_org: "Name the org with --org: {orgs}.",
    opening_browser: "Opening your browser to sign in to Zoom. If it does not open, use the link below.",
    open_link: "Open this link on any device and sign in to Zoom as an Owner or Admin:",
    paste_prompt: "Your browser then goes to an address that does not load (http://127.0.0.1:…). Copy that whole address from the address bar and paste it here:",
    paste_again: "{message} Paste it again, or press Ctrl-C to stop.",
    device_prompt: "On any device, open {uri} and enter the code {code} (until {time}).",
    scan: "Or scan this with a phone:",
    waiting: "Waiting for the sign-in… (Ctrl-C stops)",
    device_fallback: "Zoom has not enabled device sign-in for this app, so sign in by paste-back.",
    connected: "Connected “{nickname}” in {org}: {email} ({role}), Zoom account {account}.",
    s2s_connected: "Connected “{nickname}” in {org}: Server-to-Server app of the Zoom account {account}.",
    delete_confirm: "Delete “{nickname}” in {org} ({email})? Its grant is revoked at Zoom, and scripts that use it stop working. [y/N] ",
    delete_needs_yes: "Deleting asks first; add --yes to delete without asking. Nothing was deleted.",
    deleted: "Deleted “{nickname}”: its grant was revoked at Zoom.",
    not_deleted: "Nothing was deleted.",
    secret_prompt: "Client secret (not shown): ",
    secret_needed: "This needs the Zoom app's client secret: --client-secret-file FILE or --client-secret-stdin (never an argument).",
    passphrase: "Vault passphrase: ",
    new_passphrase: "New vault passphrase (at least 12 characters): ",
    passphrase_again: "The same passphrase again: ",
    passphrases_differ: "The two passphrases differ. Nothing was created.",
    no_passphrase: "The vault file needs its passphrase: give it with systemd's credential vault-passphrase, --vault-passphrase-file FILE (mode 0600), --vault-passphrase-stdin, or on a terminal (docs/cli.md, On a server).",
    roles: [("Owner", "Owner"), ("Admin", "Admin"), ("Member", "Member")],
};

pub static JA: SetupText = SetupText {
    orgs_headers: ["ID", "名前", "Zoom", "クライアント ID", "リダイレクト URL", "接続数"],
    no_orgs: "Org はまだありません。追加してください：zoom-connections orgs add 名前 --client-id ID",
    org_added: "Org「{name}」（ID {id}）を追加しました。Zoom アプリに次のリダイレクト URL を登録してください：{redirect}",
    org_removed: "Org「{name}」とそのクライアントシークレットを削除しました。",
    sandbox_cloud: "サンドボックス",
    check_ok: "サインイン前に Zoom が確認する項目に問題はありません。サインインして初めて確認できる項目：{parts}。",
    check_problem: "Zoom が設定を拒否しました：{problem}",
    parts: ["リダイレクト URL", "アプリの種類", "スコープ", "クライアントシークレット", "サインインするユーザーのロール", "アカウントの SCIM"],
    no_org: "Org がまだありません。先に追加してください（zoom-connections orgs add 名前 --client-id ID）。",
    choose_org: "--org で Org を指定してください：{orgs}。",
    opening_browser: "Zoom にサインインするためにブラウザーを開きます。開かない場合は下のリンクを使ってください。",
    open_link: "任意の端末でこのリンクを開き、オーナーまたは管理者として Zoom にサインインしてください：",
    paste_prompt: "サインイン後、ブラウザーは表示できないアドレス（http://127.0.0.1:…）に移動します。アドレスバーのアドレスをすべてコピーして、ここに貼り付けてください：",
    paste_again: "{message} もう一度貼り付けるか、Ctrl-C で中止してください。",
    device_prompt: "任意の端末で {uri} を開き、コード {code} を入力してください（{time} まで有効）。",
    scan: "またはスマートフォンでこのコードを読み取ってください：",
    waiting: "サインインを待っています…（Ctrl-C で中止）",
    device_fallback: "このアプリでは Zoom のデバイスサインインが有効になっていないため、アドレスの貼り付けでサインインします。",
    connected: "Org「{org}」に「{nickname}」を接続しました：{email}（{role}）、Zoom アカウント {account}。",
    s2s_connected: "Org「{org}」に「{nickname}」を接続しました：Zoom アカウント {account} の Server-to-Server アプリ。",
    delete_confirm: "Org「{org}」の「{nickname}」（{email}）を削除しますか？Zoom で承認が取り消され、この接続を使うスクリプトは動かなくなります。[y/N] ",
    delete_needs_yes: "削除の前に確認します。確認なしで削除するには --yes を付けてください。何も削除していません。",
    deleted: "「{nickname}」を削除しました。Zoom で承認を取り消しました。",
    not_deleted: "何も削除していません。",
    secret_prompt: "クライアントシークレット（表示されません）：",
    secret_needed: "Zoom アプリのクライアントシークレットが必要です：--client-secret-file ファイル または --client-secret-stdin（引数には書けません）。",
    passphrase: "ボールトのパスフレーズ：",
    new_passphrase: "新しいボールトのパスフレーズ（12 文字以上）：",
    passphrase_again: "もう一度同じパスフレーズ：",
    passphrases_differ: "2 つのパスフレーズが一致しません。何も作成していません。",
    no_passphrase: "ボールトファイルにはパスフレーズが必要です：systemd の認証情報 vault-passphrase、--vault-passphrase-file ファイル（モード 0600）、--vault-passphrase-stdin、または端末で入力してください（docs/cli.md「サーバーで使う」）。",
    roles: [("Owner", "オーナー"), ("Admin", "管理者"), ("Member", "メンバー")],
};

impl SetupText {
    pub fn current() -> &'static SetupText {
        if crate::text::Text::current().japanese {
            &JA
        } else {
            &EN
        }
    }

    /// A Zoom role as the console words it; a custom role as it is.
    pub fn role<'a>(&self, role: &'a str) -> &'a str {
        self.roles.iter().find(|(zoom, _)| zoom.eq_ignore_ascii_case(role)).map_or(role, |(_, shown)| shown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(t: &'static SetupText) -> Vec<&'static str> {
        let mut v = vec![
            t.no_orgs,
            t.org_added,
            t.org_removed,
            t.sandbox_cloud,
            t.check_ok,
            t.check_problem,
            t.no_org,
            t.choose_org,
            t.opening_browser,
            t.open_link,
            t.paste_prompt,
            t.paste_again,
            t.device_prompt,
            t.scan,
            t.waiting,
            t.device_fallback,
            t.connected,
            t.s2s_connected,
            t.delete_confirm,
            t.delete_needs_yes,
            t.deleted,
            t.not_deleted,
            t.secret_prompt,
            t.secret_needed,
            t.passphrase,
            t.new_passphrase,
            t.passphrase_again,
            t.passphrases_differ,
            t.no_passphrase,
        ];
        v.extend(t.orgs_headers);
        v.extend(t.parts);
        v
    }

    /// Every placeholder of a message is in its translation, and none is left in English.
    #[test]
    fn both_languages_say_the_same_things() {
        let placeholders = |s: &str| {
            let mut names: Vec<String> = s.split('{').skip(1).filter_map(|p| p.split_once('}')).map(|(n, _)| n.to_string()).collect();
            names.sort();
            names
        };
        let (en, ja) = (all(&EN), all(&JA));
        assert_eq!(en.len(), ja.len());
        for (e, j) in en.iter().zip(&ja) {
            assert_eq!(placeholders(e), placeholders(j), "{e} / {j}");
            assert!(e == &"ID" || e != j, "not translated: {e}");
        }
        assert_eq!(JA.role("owner"), "オーナー");
        assert_eq!(JA.role("Help Desk"), "Help Desk");
    }
}
