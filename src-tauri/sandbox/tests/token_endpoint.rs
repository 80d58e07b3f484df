//! `/oauth/token` and `/oauth/revoke` over HTTP: PKCE, single-use 5-minute codes, exact redirect
//! matching, client authentication, rotation, newest grant wins, revoke.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn code_exchange_answers_in_zooms_shape() {
    let sb = Sandbox::start().await;
    let tokens = sb.connect(OWNER).await;
    assert_eq!(tokens["token_type"], "bearer");
    assert_eq!(tokens["expires_in"], 3599);
    assert_eq!(tokens["api_url"], sb.base.as_str());
    assert_eq!(tokens["scope"], "user:write:admin user:read:admin scim2");
    assert!(tokens["access_token"].as_str().unwrap().len() >= 40);
    assert!(tokens["refresh_token"].as_str().unwrap().len() >= 40);
}

#[tokio::test]
async fn pkce_s256_needs_the_matching_verifier() {
    let sb = Sandbox::start().await;
    let code = sb.authorize(PUBLIC, DEEP_LINK, OWNER).await;
    let form = [("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", DEEP_LINK), ("code_verifier", "wrong")];
    let (status, error, _) = oauth_error(sb.token_request(Client::Public(PUBLIC), &form).await).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_grant"));
    // A failed attempt does not burn the code for its rightful owner.
    assert_eq!(sb.exchange(Client::Public(PUBLIC), &code, DEEP_LINK).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn pkce_plain_is_accepted_too() {
    let sb = Sandbox::start().await;
    let query = [
        ("response_type", "code"),
        ("client_id", PUBLIC),
        ("redirect_uri", DEEP_LINK),
        ("code_challenge", "plain-verifier-value"),
    ];
    let req = sb.begin_with(&query).await;
    let code = sb.code_for(&req, OWNER).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", DEEP_LINK),
        ("code_verifier", "plain-verifier-value"),
    ];
    assert_eq!(sb.token_request(Client::Public(PUBLIC), &form).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_code_works_once() {
    let sb = Sandbox::start().await;
    let code = sb.authorize(PUBLIC, DEEP_LINK, OWNER).await;
    assert_eq!(sb.exchange(Client::Public(PUBLIC), &code, DEEP_LINK).await.status(), StatusCode::OK);
    let (status, error, reason) = oauth_error(sb.exchange(Client::Public(PUBLIC), &code, DEEP_LINK).await).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_grant"));
    assert!(reason.contains("4734"), "{reason}");
}

#[tokio::test]
async fn a_code_expires_after_five_minutes() {
    let sb = Sandbox::start().await;
    let code = sb.authorize(PUBLIC, DEEP_LINK, OWNER).await;
    sb.advance(300).await;
    let (status, error, reason) = oauth_error(sb.exchange(Client::Public(PUBLIC), &code, DEEP_LINK).await).await;
    // Zoom says invalid_request here: clients must classify on the reason too.
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_request"));
    assert!(reason.contains("4733"), "{reason}");
}

#[tokio::test]
async fn the_redirect_uri_must_match_the_authorize_request_exactly() {
    let sb = Sandbox::start().await;
    let loopback = "http://127.0.0.1:40001/oauth/callback";
    let code = sb.authorize(PUBLIC, loopback, OWNER).await;
    let (_, error, reason) =
        oauth_error(sb.exchange(Client::Public(PUBLIC), &code, "http://127.0.0.1:40002/oauth/callback").await).await;
    assert_eq!(error, "invalid_request");
    assert!(reason.contains("4709"), "{reason}");
    assert_eq!(sb.exchange(Client::Public(PUBLIC), &code, loopback).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn confidential_apps_authenticate_with_http_basic() {
    let sb = Sandbox::start().await;
    let redirect = "http://127.0.0.1:40003/oauth/callback";
    let code = sb.authorize(CONFIDENTIAL, redirect, OWNER).await;
    // client_id in the body without the secret is not enough for a confidential app.
    let (status, error, _) = oauth_error(sb.exchange(Client::Public(CONFIDENTIAL), &code, redirect).await).await;
    assert_eq!((status, error.as_str()), (StatusCode::UNAUTHORIZED, "invalid_client"));
    let (status, error, reason) =
        oauth_error(sb.exchange(Client::Confidential(CONFIDENTIAL, "wrong"), &code, redirect).await).await;
    assert_eq!((status, error.as_str()), (StatusCode::UNAUTHORIZED, "invalid_client"));
    assert!(reason.contains("4702"));
    let ok = sb.exchange(Client::Confidential(CONFIDENTIAL, CONFIDENTIAL_SECRET), &code, redirect).await;
    assert_eq!(ok.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_code_belongs_to_the_app_it_was_issued_to() {
    let sb = Sandbox::start().await;
    let code = sb.authorize(PUBLIC, DEEP_LINK, OWNER).await;
    let (_, error, _) = oauth_error(sb.exchange(Client::Public("sandbox-readonly"), &code, DEEP_LINK).await).await;
    assert_eq!(error, "invalid_grant");
}

#[tokio::test]
async fn refresh_rotates_and_the_old_refresh_token_dies_at_once() {
    let sb = Sandbox::start().await;
    let first = sb.connect(OWNER).await;
    let old_rt = first["refresh_token"].as_str().unwrap();
    let res = sb.refresh(Client::Public(PUBLIC), old_rt).await;
    assert_eq!(res.status(), StatusCode::OK);
    let second: Value = res.json().await.unwrap();
    let new_rt = second["refresh_token"].as_str().unwrap();
    assert_ne!(new_rt, old_rt);
    assert_eq!(second["api_url"], sb.base.as_str());
    let (status, error, reason) = oauth_error(sb.refresh(Client::Public(PUBLIC), old_rt).await).await;
    assert_eq!((status, error.as_str(), reason.as_str()), (StatusCode::BAD_REQUEST, "invalid_grant", "Invalid Token!"));
    // The new one works, once.
    assert_eq!(sb.refresh(Client::Public(PUBLIC), new_rt).await.status(), StatusCode::OK);
    assert_eq!(sb.refresh(Client::Public(PUBLIC), new_rt).await.status(), StatusCode::BAD_REQUEST);
    // Both fresh access tokens work.
    assert_eq!(sb.me(second["access_token"].as_str().unwrap()).await.status(), StatusCode::OK);
    let grants = sb.grants().await;
    assert_eq!(grants[0]["refreshes"], 2);
}

#[tokio::test]
async fn the_newest_grant_of_a_user_wins() {
    let sb = Sandbox::start().await;
    let older = sb.connect(OWNER).await;
    let newer = sb.connect(OWNER).await;
    let (_, error, reason) = oauth_error(sb.refresh(Client::Public(PUBLIC), older["refresh_token"].as_str().unwrap()).await).await;
    assert_eq!(error, "invalid_grant");
    assert!(reason.contains("4741"), "{reason}");
    let res = sb.me(older["access_token"].as_str().unwrap()).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], 124);
    assert_eq!(sb.me(newer["access_token"].as_str().unwrap()).await.status(), StatusCode::OK);
    let statuses: Vec<Value> = sb.grants().await.iter().map(|g| g["status"].clone()).collect();
    assert_eq!(statuses, vec![json!("superseded"), json!("active")]);
    // Another user's grant is not touched.
    let admin = sb.connect("admin@contoso.example").await;
    assert_eq!(sb.me(admin["access_token"].as_str().unwrap()).await.status(), StatusCode::OK);
    assert_eq!(sb.me(newer["access_token"].as_str().unwrap()).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn revoke_deauthorizes_the_whole_grant() {
    let sb = Sandbox::start().await;
    let tokens = sb.connect(OWNER).await;
    let res = sb
        .http
        .post(sb.url("/oauth/revoke"))
        .form(&[("token", tokens["access_token"].as_str().unwrap()), ("client_id", PUBLIC)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"status": "success"}));
    assert_eq!(sb.refresh(Client::Public(PUBLIC), tokens["refresh_token"].as_str().unwrap()).await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(sb.me(tokens["access_token"].as_str().unwrap()).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(sb.grants().await[0]["status"], "revoked");
    // Revoking an unknown token is an error, and another app cannot revoke this app's grant.
    let unknown = sb.http.post(sb.url("/oauth/revoke")).form(&[("token", "nope"), ("client_id", PUBLIC)]).send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn malformed_token_requests_are_refused() {
    let sb = Sandbox::start().await;
    let (_, error, _) = oauth_error(sb.token_request(Client::Public(PUBLIC), &[("grant_type", "password")]).await).await;
    assert_eq!(error, "unsupported_grant_type");
    let (_, error, _) = oauth_error(sb.token_request(Client::Public(PUBLIC), &[("grant_type", "authorization_code")]).await).await;
    assert_eq!(error, "invalid_request");
    let dup = [("grant_type", "refresh_token"), ("refresh_token", "a"), ("refresh_token", "b")];
    let (_, error, reason) = oauth_error(sb.token_request(Client::Public(PUBLIC), &dup).await).await;
    assert_eq!(error, "invalid_request");
    assert!(reason.contains("Duplicate"));
    let (status, error, _) = oauth_error(sb.refresh(Client::Public("no-such-app"), "x").await).await;
    assert_eq!((status, error.as_str()), (StatusCode::UNAUTHORIZED, "invalid_client"));
}

#[tokio::test]
async fn a_requested_scope_the_app_lacks_is_not_granted() {
    let sb = Sandbox::start().await;
    let query = [
        ("response_type", "code"),
        ("client_id", PUBLIC),
        ("redirect_uri", DEEP_LINK),
        ("scope", "user:write:admin meeting:write"),
    ];
    let req = sb.begin_with(&query).await;
    let code = sb.code_for(&req, OWNER).await;
    let form = [("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", DEEP_LINK)];
    let tokens: Value = sb.token_request(Client::Public(PUBLIC), &form).await.json().await.unwrap();
    assert_eq!(tokens["scope"], "user:write:admin");
}
