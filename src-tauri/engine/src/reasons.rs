//! Why a connection's status is what it is, as a typed value (`{code, …params}` in JSON): the
//! window words it in its catalogs; the tray, notifications, alerts and the command line with
//! `words` below, in English or Japanese (docs/i18n.md). `Connection::status_reason` keeps the
//! English sentence with Zoom's details, for logs, the JSON of `status` and the timeline.

use serde::{Deserialize, Serialize};

use crate::error::ErrorCode;
use crate::zoom_answers::ZoomReason;

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum StatusReason {
    /// Zoom refused a refresh or a mint: only the user can fix it.
    Refused { error: ErrorCode, zoom: Option<ZoomReason> },
    /// A failure that is retried by itself (`attempt` so far).
    Failing { error: ErrorCode, zoom: Option<ZoomReason>, attempt: u32 },
    /// Zoom asked to wait longer than an hour; the app tries again after an hour.
    WaitCapped { error: ErrorCode, attempt: u32 },
    /// Every refresh for `hours` has had an answer that proves nothing.
    GaveUp { hours: i64, attempts: u32 },
    /// The new tokens could not be written to the keychain: kept in memory, written later.
    KeychainWrite,
    /// Zoom refused the new token at once (401, code 124): the app was uninstalled.
    Deauthorized,
    /// A newer connection of the same Zoom user replaced it (rule 1).
    Superseded,
    /// Zoom refused the refresh token as dead, and it is old enough to have expired (about 90
    /// days from the sign-in or the last refresh: docs/zoom.md, Tokens): `days` old.
    RefreshExpired { days: i64 },
    /// Zoom refused the refresh token as dead after a refresh sent at `at` whose answer was never
    /// kept (cut, too late, unreadable, or the app stopped before storing it): Zoom rotated and
    /// its answer, with the new refresh token, was lost (docs/zoom.md, Tokens: a lost answer).
    AnswerLost { at: i64 },
}

/// The wording of a reason for the tray, notifications, alerts and the command line.
pub fn words(reason: &StatusReason, ja: bool) -> String {
    let what = |error: &ErrorCode, zoom: &Option<ZoomReason>| zoom.map(|z| zoom_words(z, ja)).unwrap_or_else(|| error_words(*error, ja).to_string());
    match (reason, ja) {
        (StatusReason::Refused { error, zoom }, _) => what(error, zoom),
        (StatusReason::Failing { error, zoom, attempt }, false) => format!("{} (attempt {attempt})", what(error, zoom)),
        (StatusReason::Failing { error, zoom, attempt }, true) => format!("{}（{attempt} 回目）", what(error, zoom)),
        (StatusReason::WaitCapped { error, attempt }, false) => {
            format!("{}; Zoom asked to wait more than an hour, so the app tries again in an hour (attempt {attempt})", error_words(*error, false))
        }
        (StatusReason::WaitCapped { error, attempt }, true) => {
            format!("{}。Zoom から 1 時間を超える待機を求められたため、1 時間後に再試行します（{attempt} 回目）", error_words(*error, true))
        }
        (StatusReason::GaveUp { hours, attempts }, false) => format!("Zoom has refused every refresh for {hours} hours ({attempts} attempts)"),
        (StatusReason::GaveUp { hours, attempts }, true) => format!("{hours} 時間にわたり、Zoom がすべての更新を拒否しました（{attempts} 回）"),
        (StatusReason::KeychainWrite, false) => "the new token could not be saved to the keychain; it is kept in memory and saved again".into(),
        (StatusReason::KeychainWrite, true) => "新しいトークンをキーチェーンに保存できませんでした。メモリーに保持し、あらためて保存します".into(),
        (StatusReason::Deauthorized, false) => "deauthorized or uninstalled in Zoom".into(),
        (StatusReason::Deauthorized, true) => "Zoom で承認解除またはアンインストールされました".into(),
        (StatusReason::Superseded, false) => "a newer connection for this Zoom user replaced it".into(),
        (StatusReason::Superseded, true) => "同じ Zoom ユーザーの新しい接続に置き換えられました".into(),
        (StatusReason::RefreshExpired { days }, false) => {
            format!("the refresh token expired ({days} days old; Zoom may end refresh tokens after about 90 days) or was deauthorized in Zoom: reconnect to sign in again")
        }
        (StatusReason::AnswerLost { .. }, false) => {
            "Zoom no longer accepts the refresh token: most likely it replaced it in a refresh whose answer was lost before the app could keep it (the connection broke, the answer came too late, or the app stopped first). Reconnect to sign in again".into()
        }
        (StatusReason::AnswerLost { .. }, true) => {
            "Zoom がリフレッシュトークンを受け付けなくなりました。更新時に Zoom がトークンを置き換えたものの、その応答をアプリが保存する前に失われた可能性が高いです（接続が切れた、応答が遅すぎた、またはアプリが先に終了したため）。再接続してサインインし直してください".into()
        }
        (StatusReason::RefreshExpired { days }, true) => {
            format!("リフレッシュトークンの有効期限が切れたか（{days} 日経過。Zoom はリフレッシュトークンを約 90 日で失効させることがあります）、Zoom で承認解除されました。再接続してサインインし直してください")
        }
    }
}

fn zoom_words(reason: ZoomReason, ja: bool) -> String {
    let (en, jp) = match reason {
        ZoomReason::Superseded => ("a newer connection for this Zoom user replaced it", "同じ Zoom ユーザーの新しい接続に置き換えられました"),
        ZoomReason::OwnerGone => (
            "the Zoom user was removed or deactivated, or Zoom no longer accepts this refresh token (4735: Zoom's sources say either)",
            "Zoom ユーザーが削除または無効化されたか、このリフレッシュトークンが受け付けられなくなりました（4735：Zoom の資料により説明が異なります）",
        ),
        ZoomReason::AuthorizationUnknown => ("Zoom no longer knows this authorization", "Zoom がこの承認を認識しなくなりました"),
        ZoomReason::PreApprovalOff => ("a Zoom admin turned off pre-approval for this app", "Zoom の管理者がこのアプリの事前承認をオフにしました"),
        ZoomReason::ScopesChanged => ("the Zoom app's scopes changed since it was authorized", "承認後に Zoom アプリのスコープが変更されました"),
        ZoomReason::CodeExpired => ("the authorization code expired", "認可コードの有効期限が切れました"),
        ZoomReason::CodeRefused => ("Zoom did not accept the authorization code", "Zoom が認可コードを受け付けませんでした"),
        ZoomReason::RedirectMismatch => {
            ("the redirect URL is not the one registered in the Zoom app", "リダイレクト URL が Zoom アプリに登録されたものと一致しません")
        }
        ZoomReason::AppDisabled => ("the Zoom app is deactivated", "Zoom アプリが無効化されています"),
        ZoomReason::ClientRefused => ("Zoom refused the app's client ID or secret", "Zoom がアプリのクライアント ID またはシークレットを受け付けませんでした"),
        ZoomReason::GrantTypeUnsupported => ("Zoom does not allow this kind of token for the app", "Zoom はこのアプリにこの種類のトークンを許可していません"),
        ZoomReason::ClientMissing => ("Zoom says the client ID or secret is missing", "クライアント ID またはシークレットがないと Zoom が応答しました"),
        ZoomReason::AccountUnknown => ("Zoom does not know this account ID for the app", "このアプリに対して、Zoom はこのアカウント ID を認識しません"),
        ZoomReason::GrantGone => (
            "deauthorized or uninstalled in Zoom, or replaced by a newer sign-in",
            "Zoom で承認解除またはアンインストールされたか、新しいサインインに置き換えられました",
        ),
        ZoomReason::Unexpected => ("Zoom answered with an unexpected error (4700)", "Zoom が予期しないエラーを返しました（4700）"),
    };
    (if ja { jp } else { en }).to_string()
}

/// An engine error code worded as a phrase that fits after a colon or before （details）: for
/// status reasons, and for the command line's errors in Japanese. A match without a catch-all:
/// a new code without words does not build.
pub fn error_words(code: ErrorCode, ja: bool) -> &'static str {
    match (code, ja) {
        (ErrorCode::Network, false) => "Zoom could not be reached",
        (ErrorCode::Network, true) => "Zoom にアクセスできません",
        (ErrorCode::ZoomRateLimited, false) => "Zoom's rate limit was reached",
        (ErrorCode::ZoomRateLimited, true) => "Zoom のレート制限に達しました",
        (ErrorCode::ZoomBadResponse, false) => "Zoom answered something unexpected",
        (ErrorCode::ZoomBadResponse, true) => "Zoom から想定外の応答がありました",
        (ErrorCode::KeychainUnavailable, false) => "the keychain could not be used",
        (ErrorCode::KeychainUnavailable, true) => "キーチェーンを使用できません",
        (ErrorCode::LockTimeout, false) => "something else held this connection or the list of connections too long",
        (ErrorCode::LockTimeout, true) => "別のプロセスがこの接続または接続の一覧を長く使用していました",
        (ErrorCode::ZoomInvalidGrant, false) => "deauthorized or uninstalled in Zoom",
        (ErrorCode::ZoomInvalidGrant, true) => "Zoom で承認解除またはアンインストールされました",
        (ErrorCode::ZoomInvalidClient, false) => "Zoom refused the app's client ID or secret",
        (ErrorCode::ZoomInvalidClient, true) => "Zoom がアプリのクライアント ID またはシークレットを受け付けませんでした",
        (ErrorCode::InvalidSettings, false) => "the settings cannot work",
        (ErrorCode::InvalidSettings, true) => "この設定では動作しません",
        (ErrorCode::ZoomError, false) => "Zoom refused the request",
        (ErrorCode::ZoomError, true) => "Zoom がリクエストを拒否しました",
        (ErrorCode::InvalidCallback, false) => "the sign-in's answer is not valid",
        (ErrorCode::InvalidCallback, true) => "サインインの応答が正しくありません",
        (ErrorCode::StateMismatch, false) => "the answer belongs to no sign-in in progress",
        (ErrorCode::StateMismatch, true) => "この応答は進行中のサインインのものではありません",
        (ErrorCode::FlowExpired, false) => "the sign-in took longer than 10 minutes",
        (ErrorCode::FlowExpired, true) => "サインインが 10 分を超えて期限切れになりました",
        (ErrorCode::AccessDenied, false) => "the authorization was declined in Zoom",
        (ErrorCode::AccessDenied, true) => "Zoom で承認が拒否されました",
        (ErrorCode::Storage, false) => "the list of connections could not be read or written",
        (ErrorCode::Storage, true) => "接続の一覧を読み書きできませんでした",
        (ErrorCode::RoleNotAllowed, false) => "only an Owner or Admin of the Zoom account can connect it",
        (ErrorCode::RoleNotAllowed, true) => "Zoom アカウントのオーナーまたは管理者だけが接続できます",
        (ErrorCode::MissingScope, false) => "Zoom did not grant a required scope",
        (ErrorCode::MissingScope, true) => "必要なスコープが Zoom で許可されませんでした",
        (ErrorCode::AccountInOtherOrg, false) => "this Zoom account is already connected in another Org",
        (ErrorCode::AccountInOtherOrg, true) => "この Zoom アカウントはすでに別の Org で接続されています",
        (ErrorCode::InvalidNickname, false) => "the nickname cannot be used (1 to 64 characters, unique in its Org)",
        (ErrorCode::InvalidNickname, true) => "この接続ニックネームは使用できません（1〜64 文字、Org 内で重複しない名前）",
        (ErrorCode::NotFound, false) => "no such connection or Org",
        (ErrorCode::NotFound, true) => "その接続または Org は存在しません",
        (ErrorCode::WrongZoomUser, false) => "another Zoom user signed in than the connection's",
        (ErrorCode::WrongZoomUser, true) => "接続とは別のユーザーで Zoom にサインインしました",
        (ErrorCode::ShuttingDown, false) => "the app is quitting",
        (ErrorCode::ShuttingDown, true) => "アプリを終了中です",
        (ErrorCode::ScimUnavailable, false) => {
            "Zoom refused SCIM for this account (SCIM needs a Business or Education plan, an approved vanity URL, single sign-on and an Owner or Admin)"
        }
        (ErrorCode::ScimUnavailable, true) => {
            "Zoom がこのアカウントの SCIM を拒否しました（SCIM には、ビジネスまたは教育機関向けプラン、承認済みのバニティ URL、シングルサインオン、オーナーまたは管理者が必要です）"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_is_worded_in_both_languages_and_carries_its_params() {
        let all = [
            StatusReason::Refused { error: ErrorCode::ZoomInvalidGrant, zoom: Some(ZoomReason::OwnerGone) },
            StatusReason::Failing { error: ErrorCode::Network, zoom: None, attempt: 3 },
            StatusReason::WaitCapped { error: ErrorCode::ZoomRateLimited, attempt: 2 },
            StatusReason::GaveUp { hours: 2, attempts: 12 },
            StatusReason::KeychainWrite,
            StatusReason::Deauthorized,
            StatusReason::Superseded,
        ];
        for r in &all {
            let (en, ja) = (words(r, false), words(r, true));
            assert!(!en.is_empty() && !ja.is_empty() && en != ja, "{r:?}");
            assert!(!ja.is_ascii(), "not Japanese: {ja}");
        }
        assert_eq!(words(&all[1], false), "Zoom could not be reached (attempt 3)");
        assert_eq!(words(&all[1], true), "Zoom にアクセスできません（3 回目）");
        assert_eq!(serde_json::to_value(&all[1]).unwrap(), serde_json::json!({"code": "failing", "error": "network", "zoom": null, "attempt": 3}));
    }

    /// A reason a newer version wrote (a code this one does not know) reads as none: the rest of
    /// the connection, and the list, still load.
    #[test]
    fn a_reason_from_a_newer_version_does_not_make_the_state_unreadable() {
        let state = serde_json::json!({
            "status": "retrying", "status_reason": "x", "reason": {"code": "from_the_future", "error": "brand_new_error"},
            "access_expires_at": 1, "api_url": "https://api.zoom.us", "last_success_at": null, "last_failure_at": null,
            "next_attempt_at": null, "consecutive_failures": 1
        });
        let read: crate::model::ConnectionState = serde_json::from_value(state).unwrap();
        assert_eq!(read.reason, None);
        assert_eq!(read.status, crate::model::Status::Retrying);
    }
}
