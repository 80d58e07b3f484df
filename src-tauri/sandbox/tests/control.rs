//! The control API over HTTP: faults of every kind, the clock, uninstall, deactivate, counters,
//! reset.

mod common;

use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn arm(sb: &Sandbox, endpoint: &str, fault: Value, count: u32) {
    sb.control("/faults", json!({"endpoint": endpoint, "fault": fault, "count": count})).await;
}

#[tokio::test]
async fn faults_hit_the_next_n_calls_of_their_endpoint_only() {
    let sb = Sandbox::start().await;
    let tokens = sb.connect(OWNER).await;
    let access = tokens["access_token"].as_str().unwrap();
    arm(&sb, "users_me", json!({"kind": "http500"}), 2).await;
    assert_eq!(sb.me(access).await.status(), StatusCode::INTERNAL_SERVER_ERROR);
    // Another endpoint is not affected.
    let refreshed = sb.refresh(Client::Public(PUBLIC), tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let access = refreshed.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_string();
    assert_eq!(sb.me(&access).await.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(sb.me(&access).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn armed_faults_are_listed_until_taken_and_a_delay_is_taken_as_its_call_arrives() {
    let sb = Sandbox::start().await;
    let tokens = sb.connect(OWNER).await;
    let armed = || async { sb.get("/_sandbox/faults").await.json::<Value>().await.unwrap()["armed"].as_array().unwrap().len() };
    assert_eq!(armed().await, 0);
    arm(&sb, "refresh", json!({"kind": "delay", "millis": 1500}), 1).await;
    assert_eq!(armed().await, 1);
    let done = std::sync::atomic::AtomicBool::new(false);
    let held = async {
        let status = sb.refresh(Client::Public(PUBLIC), tokens["refresh_token"].as_str().unwrap()).await.status();
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        status
    };
    // Taken while the refresh is still held: what a test waits for before acting mid-call.
    let taken = async {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while armed().await == 1 {
            assert!(std::time::Instant::now() < deadline, "the delay was not taken");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        done.load(std::sync::atomic::Ordering::SeqCst)
    };
    let (status, finished_when_taken) = tokio::join!(held, taken);
    assert!(!finished_when_taken, "the refresh is still held when its fault is gone from the list");
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn each_fault_kind_fails_the_way_it_says() {
    let sb = Sandbox::start().await;
    let rt = sb.connect(OWNER).await["refresh_token"].as_str().unwrap().to_string();

    arm(&sb, "refresh", json!({"kind": "rate_limit", "retry_after": 7}), 1).await;
    let res = sb.refresh(Client::Public(PUBLIC), &rt).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(res.headers()["retry-after"], "7");

    arm(&sb, "refresh", json!({"kind": "malformed_json"}), 1).await;
    let res = sb.refresh(Client::Public(PUBLIC), &rt).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.json::<Value>().await.is_err(), "the body is not JSON");

    arm(&sb, "refresh", json!({"kind": "invalid_grant"}), 1).await;
    let (_, error, _) = oauth_error(sb.refresh(Client::Public(PUBLIC), &rt).await).await;
    assert_eq!(error, "invalid_grant");

    arm(&sb, "refresh", json!({"kind": "reset"}), 1).await;
    let sent =
        sb.http.post(sb.url("/oauth/token")).form(&[("grant_type", "refresh_token"), ("refresh_token", rt.as_str()), ("client_id", PUBLIC)]).send().await;
    let broken = match sent {
        Err(_) => true,
        Ok(res) => res.text().await.is_err(),
    };
    assert!(broken, "the connection breaks before a complete answer");
    // None of the faults above reached the grant: the refresh token is still the current one.
    assert_eq!(sb.grants().await[0]["refreshes"], 0);

    arm(&sb, "refresh", json!({"kind": "delay", "millis": 1500}), 1).await;
    let impatient = reqwest::Client::builder().timeout(Duration::from_millis(300)).build().unwrap();
    let err = impatient
        .post(sb.url("/oauth/token"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", rt.as_str()), ("client_id", PUBLIC)])
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
}

#[tokio::test]
async fn uninstall_in_the_marketplace_ends_the_users_grants() {
    let sb = Sandbox::start().await;
    let tokens = sb.connect(OWNER).await;
    let other = sb.connect("admin@contoso.example").await;
    let v = sb.control("/uninstall", json!({"email": OWNER, "client_id": PUBLIC})).await;
    assert_eq!(v["uninstalled_grants"], 1);
    let (_, error, _) = oauth_error(sb.refresh(Client::Public(PUBLIC), tokens["refresh_token"].as_str().unwrap()).await).await;
    assert_eq!(error, "invalid_grant");
    assert_eq!(sb.me(tokens["access_token"].as_str().unwrap()).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(sb.me(other["access_token"].as_str().unwrap()).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn removing_the_app_on_the_added_apps_page_is_an_uninstall() {
    let sb = Sandbox::start().await;
    let tokens = sb.connect(OWNER).await;
    let page = sb.get("/marketplace/added-apps").await.text().await.unwrap();
    assert!(page.contains(OWNER) && page.contains("Remove"), "{page}");
    let marker = "name=\"form_token\" value=\"";
    let start = page.find(marker).expect("the form carries its token") + marker.len();
    let form_token = page[start..].split('"').next().unwrap().to_string();
    // Without the page's token (a form another site's page posts), nothing happens.
    let forged = sb
        .http
        .post(sb.url("/marketplace/added-apps"))
        .form(&[("form_token", "guess"), ("user_id", "usr_contoso_owner"), ("client_id", PUBLIC)])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let removed = sb
        .http
        .post(sb.url("/marketplace/added-apps"))
        .form(&[("form_token", form_token.as_str()), ("user_id", "usr_contoso_owner"), ("client_id", PUBLIC)])
        .send()
        .await
        .unwrap();
    // Back to the page, which no longer lists it.
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    let page = sb.get("/marketplace/added-apps").await.text().await.unwrap();
    assert!(!page.contains(OWNER), "{page}");
    let (_, error, _) = oauth_error(sb.refresh(Client::Public(PUBLIC), tokens["refresh_token"].as_str().unwrap()).await).await;
    assert_eq!(error, "invalid_grant");
    assert_eq!(sb.me(tokens["access_token"].as_str().unwrap()).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_deactivated_users_tokens_stop_working() {
    let sb = Sandbox::start().await;
    let tokens = sb.connect("admin@contoso.example").await;
    sb.control("/deactivate", json!({"email": "admin@contoso.example"})).await;
    let (_, error, reason) = oauth_error(sb.refresh(Client::Public(PUBLIC), tokens["refresh_token"].as_str().unwrap()).await).await;
    assert_eq!(error, "invalid_grant");
    assert_eq!(reason, "The owner of the token does not exist.");
    assert_eq!(sb.me(tokens["access_token"].as_str().unwrap()).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_clock_moves_forward_only() {
    let sb = Sandbox::start().await;
    let before: Value = sb.get("/_sandbox/clock").await.json().await.unwrap();
    sb.advance(3 * 3600).await;
    let after: Value = sb.get("/_sandbox/clock").await.json().await.unwrap();
    assert!(after["now"].as_i64().unwrap() >= before["now"].as_i64().unwrap() + 3 * 3600);
    let back = sb.http.post(sb.url("/_sandbox/clock/advance")).json(&json!({"seconds": -5})).send().await.unwrap();
    assert_eq!(back.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn grants_show_counters_and_fingerprints_never_tokens() {
    let sb = Sandbox::start().await;
    let tokens = sb.connect(OWNER).await;
    let access = tokens["access_token"].as_str().unwrap();
    sb.me(access).await;
    sb.me(access).await;
    sb.refresh(Client::Public(PUBLIC), tokens["refresh_token"].as_str().unwrap()).await;
    let listing = sb.get("/_sandbox/grants").await.text().await.unwrap();
    assert!(!listing.contains(access) && !listing.contains(tokens["refresh_token"].as_str().unwrap()));
    let grants: Value = serde_json::from_str(&listing).unwrap();
    let grant = &grants["grants"][0];
    assert_eq!(grant["email"], OWNER);
    assert_eq!(grant["refreshes"], 1);
    let tokens = grant["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 4, "two access and two refresh tokens");
    assert_eq!(tokens.iter().map(|t| t["api_calls"].as_u64().unwrap()).sum::<u64>(), 2);
    assert_eq!(tokens.iter().filter(|t| t["kind"] == "refresh" && t["rotated"] == true).count(), 1);
}

#[tokio::test]
async fn reset_returns_to_the_seed() {
    let sb = Sandbox::start().await;
    let tokens = sb.connect(OWNER).await;
    sb.control("/deactivate", json!({"email": "admin@contoso.example"})).await;
    sb.advance(100_000).await;
    sb.control("/reset", json!({})).await;
    assert!(sb.grants().await.is_empty());
    assert_eq!(sb.me(tokens["access_token"].as_str().unwrap()).await.status(), StatusCode::UNAUTHORIZED);
    let clock: Value = sb.get("/_sandbox/clock").await.json().await.unwrap();
    assert_eq!(clock["offset"], 0);
    sb.connect("admin@contoso.example").await;
}
