//! Zoom as it works today (docs/zoom.md): custom roles, both kinds of 429, the catch-all and
//! internal errors, Server-to-Server apps; and the sandbox kept from being a way in for a web
//! page (control secret, Host and Origin checks).

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use zoom_sandbox::SandboxConfig;

async fn mint(sb: &Sandbox, email: &str, client_id: &str) -> String {
    let v = sb.control("/grants", json!({"email": email, "client_id": client_id})).await;
    v["tokens"]["access_token"].as_str().unwrap().to_string()
}

async fn users(sb: &Sandbox, token: &str) -> reqwest::Response {
    sb.http.get(sb.url("/v2/users?page_size=1")).bearer_auth(token).send().await.unwrap()
}

#[tokio::test]
async fn a_custom_role_manages_users_only_if_its_privileges_say_so() {
    let sb = Sandbox::start().await;
    let helpdesk = mint(&sb, "helpdesk@contoso.example", PUBLIC).await;
    let me: Value = sb.me(&helpdesk).await.json().await.unwrap();
    assert_eq!((me["role_name"].as_str(), me["type"].as_i64()), (Some("Help Desk"), Some(4)));
    let list = users(&sb, &helpdesk).await;
    assert_eq!(list.status(), StatusCode::OK);
    let list: Value = list.json().await.unwrap();
    assert_eq!(list["total_records"], 5, "the active users of the account");
    assert_eq!(list["users"].as_array().unwrap().len(), 1, "page_size 1");

    let auditor = mint(&sb, "auditor@contoso.example", PUBLIC).await;
    let res = users(&sb, &auditor).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"code": 200, "message": "No permission."}));
    // Members too; an Owner always.
    assert_eq!(users(&sb, &mint(&sb, "member@contoso.example", PUBLIC).await).await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(users(&sb, &mint(&sb, OWNER, PUBLIC).await).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn per_second_429s_may_lack_retry_after_and_daily_ones_name_the_next_midnight() {
    let sb = Sandbox::start().await;
    let token = mint(&sb, OWNER, PUBLIC).await;
    sb.control("/faults", json!({"endpoint": "users_me", "fault": {"kind": "rate_limit"}, "count": 1})).await;
    let res = sb.me(&token).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().get("retry-after").is_none());
    assert_eq!(res.headers()["x-ratelimit-type"], "QPS");

    sb.control("/settings", json!({"daily_limits": {"acct_contoso": 2}})).await;
    assert_eq!(sb.me(&token).await.status(), StatusCode::OK);
    assert_eq!(sb.me(&token).await.status(), StatusCode::OK);
    let res = sb.me(&token).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(res.headers()["x-ratelimit-type"], "Daily-limit");
    let retry = res.headers()["retry-after"].to_str().unwrap().to_string();
    let now: i64 = sb.get("/_sandbox/clock").await.json::<Value>().await.unwrap()["now"].as_i64().unwrap();
    let midnight = (now / 86_400 + 1) * 86_400;
    assert_eq!(retry, zoom_sandbox::faults::iso8601(midnight), "an ISO-8601 timestamp");
    assert!(retry.ends_with("T00:00:00Z"));
    // The next (sandbox) day, the limit starts over.
    sb.advance(midnight - now).await;
    let token = mint(&sb, OWNER, PUBLIC).await;
    assert_eq!(sb.me(&token).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_catch_all_and_internal_errors_look_like_zooms() {
    let sb = Sandbox::start().await;
    let tokens = sb.connect(OWNER).await;
    let rt = tokens["refresh_token"].as_str().unwrap();
    sb.control("/faults", json!({"endpoint": "refresh", "fault": {"kind": "catch_all"}, "count": 1})).await;
    let (status, error, _) = oauth_error(sb.refresh(Client::Public(PUBLIC), rt).await).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_request"));
    sb.control("/faults", json!({"endpoint": "refresh", "fault": {"kind": "internal_error"}, "count": 1})).await;
    let (status, error, reason) = oauth_error(sb.refresh(Client::Public(PUBLIC), rt).await).await;
    assert_eq!((status, error.as_str(), reason.as_str()), (StatusCode::BAD_REQUEST, "invalid_request", "Internal Error"));
    sb.control("/faults", json!({"endpoint": "users_me", "fault": {"kind": "catch_all"}, "count": 1})).await;
    let res = sb.me(tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(res.json::<Value>().await.unwrap()["code"], 4700);
    // None of it touched the grant: the refresh token is still the live one.
    assert_eq!(sb.refresh(Client::Public(PUBLIC), rt).await.status(), StatusCode::OK);
    sb.control("/faults", json!({"endpoint": "revoke", "fault": {"kind": "proxy_page", "status": 403}, "count": 1})).await;
    let res = sb.http.post(sb.url("/oauth/revoke")).form(&[("token", "x"), ("client_id", PUBLIC)]).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("<html>"));
}

async fn s2s(sb: &Sandbox, client_id: &str, secret: &str, account_id: &str) -> reqwest::Response {
    sb.token_request(Client::Confidential(client_id, secret), &[("grant_type", "account_credentials"), ("account_id", account_id)]).await
}

#[tokio::test]
async fn server_to_server_apps_mint_tokens_for_their_account() {
    let sb = Sandbox::start().await;
    let res = s2s(&sb, "sandbox-s2s", "sandbox-s2s-secret", "acct_contoso").await;
    assert_eq!(res.status(), StatusCode::OK);
    let first: Value = res.json().await.unwrap();
    assert!(first.get("refresh_token").is_none(), "no refresh token");
    assert_eq!((first["token_type"].as_str(), first["expires_in"].as_i64()), (Some("bearer"), Some(3599)));
    assert!(first["scope"].as_str().unwrap().contains("user:read:list_users:admin"));
    let token = |v: &Value| v["access_token"].as_str().unwrap().to_string();
    assert_eq!(users(&sb, &token(&first)).await.status(), StatusCode::OK);
    // Today's Zoom keeps earlier tokens valid (docs/zoom.md, Server-to-Server)...
    let second: Value = s2s(&sb, "sandbox-s2s", "sandbox-s2s-secret", "acct_contoso").await.json().await.unwrap();
    assert_eq!(users(&sb, &token(&first)).await.status(), StatusCode::OK);
    // ...unless the app's tolerance is set, as it was before.
    sb.control("/settings", json!({"access_token_tolerance": {"sandbox-s2s": 1}})).await;
    let third: Value = s2s(&sb, "sandbox-s2s", "sandbox-s2s-secret", "acct_contoso").await.json().await.unwrap();
    assert_eq!(users(&sb, &token(&second)).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(users(&sb, &token(&third)).await.status(), StatusCode::OK);

    let (status, error, reason) = oauth_error(s2s(&sb, "sandbox-s2s", "sandbox-s2s-secret", "acct_fabrikam").await).await;
    assert_eq!((status, error.as_str(), reason.as_str()), (StatusCode::BAD_REQUEST, "invalid_request", "Invalid account_id"));
    let (_, error, _) = oauth_error(s2s(&sb, "sandbox-s2s", "wrong", "acct_contoso").await).await;
    assert_eq!(error, "invalid_client");
    let (_, error, reason) = oauth_error(s2s(&sb, "sandbox-s2s-deactivated", "sandbox-s2s-deactivated-secret", "acct_fabrikam").await).await;
    assert_eq!((error.as_str(), reason.as_str()), ("invalid_client", "The app has been disabled"));
    // A user's app cannot use account credentials, nor a Server-to-Server app a refresh token.
    let (_, error, _) = oauth_error(
        sb.token_request(Client::Confidential(CONFIDENTIAL, CONFIDENTIAL_SECRET), &[("grant_type", "account_credentials"), ("account_id", "acct_contoso")])
            .await,
    )
    .await;
    assert_eq!(error, "unsupported_grant_type");
    // Deactivating the app in the Marketplace ends its tokens.
    sb.control("/settings", json!({"app_active": {"sandbox-s2s": false}})).await;
    assert_eq!(users(&sb, &token(&third)).await.status(), StatusCode::UNAUTHORIZED);
}

/// Zoom documents the Server-to-Server call with its parameters in the query and an empty body.
#[tokio::test]
async fn server_to_server_parameters_may_come_in_the_query_as_zoom_documents_them() {
    let sb = Sandbox::start().await;
    let basic = format!("Basic {}", STANDARD.encode("sandbox-s2s:sandbox-s2s-secret"));
    let res = sb.http.post(sb.url("/oauth/token?grant_type=account_credentials&account_id=acct_contoso")).header("Authorization", &basic).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.json::<Value>().await.unwrap()["access_token"].is_string());
    // The same parameter in the query and the body is refused, not merged.
    let res = sb
        .http
        .post(sb.url("/oauth/token?grant_type=account_credentials&account_id=acct_contoso"))
        .header("Authorization", &basic)
        .form(&[("account_id", "acct_fabrikam")])
        .send()
        .await
        .unwrap();
    let (status, error, reason) = oauth_error(res).await;
    assert_eq!((status, error.as_str(), reason.as_str()), (StatusCode::BAD_REQUEST, "invalid_request", "Duplicate parameter account_id"));
}

#[tokio::test]
async fn the_control_api_is_not_served_unless_asked_for() {
    let running = zoom_sandbox::start(SandboxConfig::default()).await.unwrap();
    assert!(running.control_secret().is_none());
    let res = Sandbox::stranger().get(format!("{}/_sandbox/issued-secrets", running.base_url())).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_control_api_needs_this_runs_secret() {
    let sb = Sandbox::start().await;
    let stranger = Sandbox::stranger();
    for secret in [None, Some("zsk_guess"), Some("")] {
        let mut req = stranger.get(sb.url("/_sandbox/issued-secrets"));
        if let Some(s) = secret {
            req = req.header("x-sandbox-control", s);
        }
        assert_eq!(req.send().await.unwrap().status(), StatusCode::FORBIDDEN, "{secret:?}");
        let mut req = stranger.post(sb.url("/_sandbox/reset"));
        if let Some(s) = secret {
            req = req.header("x-sandbox-control", s);
        }
        assert_eq!(req.send().await.unwrap().status(), StatusCode::FORBIDDEN, "{secret:?}");
    }
    assert_eq!(sb.get("/_sandbox/issued-secrets").await.status(), StatusCode::OK);
}

/// DNS rebinding: a page on evil.example whose name now points at 127.0.0.1 sends its requests
/// with `Host: evil.example:PORT`. Every route refuses them.
#[tokio::test]
async fn requests_for_another_host_name_are_refused_everywhere() {
    let sb = Sandbox::start().await;
    let port = sb.running.addr().port();
    for path in ["/", "/oauth/authorize?client_id=sandbox-public", "/marketplace/added-apps", "/_sandbox/issued-secrets", "/v2/users/me"] {
        let res = sb.http.get(sb.url(path)).header("host", format!("evil.example:{port}")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::MISDIRECTED_REQUEST, "{path}");
    }
    let ok = sb.http.get(sb.url("/")).header("host", format!("localhost:{port}")).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
}

/// A cross-site form (a page on another origin posting to the sandbox) is refused; the
/// sandbox's own pages post with its own origin.
#[tokio::test]
async fn forms_posted_from_another_site_are_refused() {
    let sb = Sandbox::start().await;
    sb.connect(OWNER).await;
    let forged = Sandbox::stranger()
        .post(sb.url("/marketplace/added-apps"))
        .header("origin", "https://evil.example")
        .form(&[("user_id", "usr_contoso_owner"), ("client_id", PUBLIC)])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(sb.grants().await[0]["status"], "active");
    let own_origin = Sandbox::stranger()
        .post(sb.url("/oauth/signin"))
        .header("origin", sb.base.as_str())
        .form(&[("req", "x"), ("email", "e"), ("password", "p")])
        .send()
        .await
        .unwrap();
    assert_ne!(own_origin.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_clock_moves_by_bounded_steps_and_its_offset_survives_a_restart() {
    let scratch = tempfile::Builder::new().prefix("zc-sandbox-clock-").tempdir().unwrap();
    let path = scratch.path().join("clock.json");
    let sb = Sandbox::start_with(SandboxConfig { state_file: Some(path.clone()), ..SandboxConfig::default() }).await;
    for too_far in [i64::MAX, 20 * 365 * 24 * 3600] {
        let res = sb.http.post(sb.url("/_sandbox/clock/advance")).json(&json!({"seconds": too_far})).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    }
    sb.advance(7200).await;
    // Steps that each pass alone but would take the clock past ten years ahead in all: the
    // second is refused, so the offset read back after a restart is the one that was in effect.
    let nine_years = 9 * 365 * 24 * 3600;
    let res = sb.http.post(sb.url("/_sandbox/clock/advance")).json(&json!({"seconds": nine_years})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = sb.http.post(sb.url("/_sandbox/clock/advance")).json(&json!({"seconds": nine_years})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    sb.connect(OWNER).await;
    drop(sb);
    let again = Sandbox::start_with(SandboxConfig { state_file: Some(path.clone()), ..SandboxConfig::default() }).await;
    let clock: Value = again.get("/_sandbox/clock").await.json().await.unwrap();
    assert_eq!(clock["offset"], 7200 + nine_years);
    let _ = std::fs::remove_file(path);
}
