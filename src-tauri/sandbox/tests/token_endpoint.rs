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
    // The default app is a new one: granular scopes only (docs/zoom.md, Scopes).
    assert_eq!(
        tokens["scope"],
        "user:read:user:admin user:read:list_users:admin user:write:user:admin user:update:user:admin user:update:status:admin user:delete:user:admin group:read:list_groups:admin group:read:group:admin group:read:list_members:admin group:write:member:admin group:delete:member:admin scim2:admin"
    );
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
    let query = [("response_type", "code"), ("client_id", PUBLIC), ("redirect_uri", DEEP_LINK), ("code_challenge", "plain-verifier-value")];
    let req = sb.begin_with(&query).await;
    let code = sb.code_for(&req, OWNER).await;
    let form = [("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", DEEP_LINK), ("code_verifier", "plain-verifier-value")];
    assert_eq!(sb.token_request(Client::Public(PUBLIC), &form).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_code_works_once() {
    let sb = Sandbox::start().await;
    let code = sb.authorize(PUBLIC, DEEP_LINK, OWNER).await;
    assert_eq!(sb.exchange(Client::Public(PUBLIC), &code, DEEP_LINK).await.status(), StatusCode::OK);
    let (status, error, reason) = oauth_error(sb.exchange(Client::Public(PUBLIC), &code, DEEP_LINK).await).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_grant"));
    // Zoom's wording, with the code in it and without the number (docs/zoom.md, Errors).
    assert_eq!(reason, format!("Invalid authorization code {code}"));
}

#[tokio::test]
async fn a_code_expires_after_five_minutes() {
    let sb = Sandbox::start().await;
    let code = sb.authorize(PUBLIC, DEEP_LINK, OWNER).await;
    sb.advance(300).await;
    let (status, error, reason) = oauth_error(sb.exchange(Client::Public(PUBLIC), &code, DEEP_LINK).await).await;
    // Zoom says invalid_request here: clients must classify on the reason too.
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_request"));
    assert_eq!(reason, "Code is expired");
}

#[tokio::test]
async fn the_redirect_uri_must_match_the_authorize_request_exactly() {
    let sb = Sandbox::start().await;
    let loopback = "http://127.0.0.1:40001/oauth/callback";
    let code = sb.authorize(PUBLIC, loopback, OWNER).await;
    let (_, error, reason) = oauth_error(sb.exchange(Client::Public(PUBLIC), &code, "http://127.0.0.1:40002/oauth/callback").await).await;
    assert_eq!(error, "invalid_request");
    assert_eq!(reason, "Redirect URI mismatch.");
    assert_eq!(sb.exchange(Client::Public(PUBLIC), &code, loopback).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn confidential_apps_authenticate_with_http_basic() {
    let sb = Sandbox::start().await;
    let redirect = "http://127.0.0.1:40003/oauth/callback";
    let code = sb.authorize(CONFIDENTIAL, redirect, OWNER).await;
    // client_id in the body without the secret is not enough for a confidential app.
    let (status, error, _) = oauth_error(sb.exchange(Client::Public(CONFIDENTIAL), &code, redirect).await).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_client"));
    let (status, error, reason) = oauth_error(sb.exchange(Client::Confidential(CONFIDENTIAL, "wrong"), &code, redirect).await).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_client"));
    assert_eq!(reason, "Invalid client_id or client_secret");
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
    let third: Value = sb.refresh(Client::Public(PUBLIC), new_rt).await.json().await.unwrap();
    assert_eq!(sb.refresh(Client::Public(PUBLIC), new_rt).await.status(), StatusCode::BAD_REQUEST);
    // One live access token per user and app: each new one ended the one before (401 code 124).
    for old in [&first, &second] {
        let res = sb.me(old["access_token"].as_str().unwrap()).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(res.json::<Value>().await.unwrap(), json!({"code": 124, "message": "Invalid access token."}));
    }
    assert_eq!(sb.me(third["access_token"].as_str().unwrap()).await.status(), StatusCode::OK);
    let grants = sb.grants().await;
    assert_eq!(grants[0]["refreshes"], 2);
}

#[tokio::test]
async fn the_newest_grant_of_a_user_wins() {
    let sb = Sandbox::start().await;
    let older = sb.connect(OWNER).await;
    let newer = sb.connect(OWNER).await;
    let (_, error, reason) = oauth_error(sb.refresh(Client::Public(PUBLIC), older["refresh_token"].as_str().unwrap()).await).await;
    // Zoom's token endpoint says no more than this for a superseded grant: no 4741.
    assert_eq!((error.as_str(), reason.as_str()), ("invalid_grant", "Invalid Token!"));
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
    let res = sb.http.post(sb.url("/oauth/revoke")).form(&[("token", tokens["access_token"].as_str().unwrap()), ("client_id", PUBLIC)]).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"status": "success"}));
    assert_eq!(sb.refresh(Client::Public(PUBLIC), tokens["refresh_token"].as_str().unwrap()).await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(sb.me(tokens["access_token"].as_str().unwrap()).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(sb.grants().await[0]["status"], "revoked");
    // Revoking an unknown token is an error, and another app cannot revoke this app's grant.
    let unknown = sb.http.post(sb.url("/oauth/revoke")).form(&[("token", "nope"), ("client_id", PUBLIC)]).send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
}

/// Zoom documents revocation with the access token only; the sandbox refuses a refresh token
/// there like an unknown token, so that a client relying on the undocumented form fails here.
#[tokio::test]
async fn revoke_takes_the_access_token_not_the_refresh_token() {
    let sb = Sandbox::start().await;
    let tokens = sb.connect(OWNER).await;
    let revoke = |token: String| {
        let sb = &sb;
        async move { sb.http.post(sb.url("/oauth/revoke")).form(&[("token", token.as_str()), ("client_id", PUBLIC)]).send().await.unwrap() }
    };
    let (status, error, reason) = oauth_error(revoke(tokens["refresh_token"].as_str().unwrap().to_string()).await).await;
    assert_eq!((status, error.as_str(), reason.as_str()), (StatusCode::BAD_REQUEST, "invalid_request", "Invalid Token!"));
    assert_eq!(sb.grants().await[0]["status"], "active", "nothing was revoked");
    // An access token that a newer one replaced no longer revokes anything either.
    let fresh: Value = sb.refresh(Client::Public(PUBLIC), tokens["refresh_token"].as_str().unwrap()).await.json().await.unwrap();
    assert_eq!(revoke(tokens["access_token"].as_str().unwrap().to_string()).await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(revoke(fresh["access_token"].as_str().unwrap().to_string()).await.status(), StatusCode::OK);
    assert_eq!(sb.grants().await[0]["status"], "revoked");
}

/// Token tolerance 1 (docs/zoom.md, One live access token): a refresh, a new sign-in and a mint
/// of the same user and app each end the previous access token; switched off per app, they
/// live until they expire.
#[tokio::test]
async fn one_live_access_token_per_user_and_app_unless_the_tolerance_is_raised() {
    let sb = Sandbox::start().await;
    let first = sb.connect(OWNER).await;
    let access = |v: &Value| v["access_token"].as_str().unwrap().to_string();
    let minted = sb.control("/grants", json!({"email": OWNER, "client_id": PUBLIC})).await["tokens"].clone();
    assert_eq!(sb.me(&access(&first)).await.status(), StatusCode::UNAUTHORIZED, "a new grant's token ended it");
    assert_eq!(sb.me(&access(&minted)).await.status(), StatusCode::OK);
    // Another user, another app: not affected.
    let admin = sb.connect("admin@contoso.example").await;
    let classic = sb.control("/grants", json!({"email": OWNER, "client_id": "sandbox-classic"})).await["tokens"].clone();
    assert_eq!(sb.me(&access(&minted)).await.status(), StatusCode::OK);
    assert_eq!(sb.me(&access(&admin)).await.status(), StatusCode::OK);
    assert_eq!(sb.me(&access(&classic)).await.status(), StatusCode::OK);
    // Raised: tokens live side by side.
    sb.control("/settings", json!({"access_token_tolerance": {PUBLIC: null}})).await;
    let again: Value = sb.refresh(Client::Public(PUBLIC), minted["refresh_token"].as_str().unwrap()).await.json().await.unwrap();
    assert_eq!(sb.me(&access(&minted)).await.status(), StatusCode::OK);
    assert_eq!(sb.me(&access(&again)).await.status(), StatusCode::OK);
}

/// An older app still has classic scopes, and hands them out as they are.
#[tokio::test]
async fn an_older_app_grants_classic_scopes() {
    let sb = Sandbox::start().await;
    let code = sb.authorize("sandbox-classic", DEEP_LINK, OWNER).await;
    let tokens: Value = sb.exchange(Client::Public("sandbox-classic"), &code, DEEP_LINK).await.json().await.unwrap();
    assert_eq!(tokens["scope"], "user:write:admin user:read:admin group:read:admin group:write:admin scim2");
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
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_client"));
}

#[tokio::test]
async fn a_requested_scope_the_app_lacks_is_not_granted() {
    let sb = Sandbox::start().await;
    let query = [("response_type", "code"), ("client_id", PUBLIC), ("redirect_uri", DEEP_LINK), ("scope", "user:read:user:admin meeting:write")];
    let req = sb.begin_with(&query).await;
    let code = sb.code_for(&req, OWNER).await;
    let form = [("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", DEEP_LINK)];
    let tokens: Value = sb.token_request(Client::Public(PUBLIC), &form).await.json().await.unwrap();
    assert_eq!(tokens["scope"], "user:read:user:admin");
}
