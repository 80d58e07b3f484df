//! Where Zoom's pages disagree or say nothing, the sandbox plays either reading, switched by the
//! control API (docs/zoom.md, Setup errors, App types, Tokens; README.md, Readings).

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

const UNREGISTERED: &str = "https://unregistered.example/callback";

async fn authorize(sb: &Sandbox, redirect_uri: &str) -> reqwest::Response {
    let challenge = s256(VERIFIER);
    let query = [
        ("response_type", "code"),
        ("client_id", PUBLIC),
        ("redirect_uri", redirect_uri),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    sb.http.get(sb.url("/oauth/authorize")).query(&query).send().await.unwrap()
}

async fn sign_in(sb: &Sandbox, req: &str, email: &str) -> reqwest::Response {
    sb.post_form("/oauth/signin", &[("req", req), ("email", email), ("password", PASSWORD), ("robot", "yes")]).await
}

#[tokio::test]
async fn an_unregistered_redirect_url_is_refused_at_once_or_only_after_sign_in() {
    let sb = Sandbox::start().await;
    // Today's default: the error page at once.
    let res = authorize(&sb, UNREGISTERED).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("Invalid redirect"));

    // The other reading: the sign-in page first, as for an app Zoom accepts.
    sb.control("/settings", json!({"authorize_errors_after_sign_in": true})).await;
    let res = authorize(&sb, UNREGISTERED).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let req = request_id(&sb.get(&location(&res)).await.text().await.unwrap());
    let after = sign_in(&sb, &req, OWNER).await;
    assert_eq!(after.status(), StatusCode::BAD_REQUEST, "the error page after sign-in, no redirect to the app");
    assert!(after.headers().get("location").is_none());
    assert!(after.text().await.unwrap().contains("Invalid redirect url"));
    // A registered one goes on as always.
    let req = sb.begin(PUBLIC, DEEP_LINK, "st").await;
    assert!(sign_in(&sb, &req, OWNER).await.status().is_redirection());
}

#[tokio::test]
async fn a_member_is_stopped_at_zoom_s_page_for_an_admin_managed_app() {
    let sb = Sandbox::start().await;
    let req = sb.begin(PUBLIC, DEEP_LINK, "st").await;
    let res = sign_in(&sb, &req, "member@contoso.example").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.headers().get("location").is_none(), "nothing comes back to the app");
    assert!(res.text().await.unwrap().contains("An account admin is required to install this type of app"));
    // Admins go on; and in the other reading, members too (the app's own role check refuses them).
    let req = sb.begin(PUBLIC, DEEP_LINK, "st").await;
    assert!(sign_in(&sb, &req, "admin@contoso.example").await.status().is_redirection());
    sb.control("/settings", json!({"members_authorize_admin_apps": true})).await;
    let req = sb.begin(PUBLIC, DEEP_LINK, "st").await;
    assert!(sign_in(&sb, &req, "member@contoso.example").await.status().is_redirection());
}

async fn refreshed(sb: &Sandbox, refresh_token: &str) -> Result<String, String> {
    let res = sb.refresh(Client::Public(PUBLIC), refresh_token).await;
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    if status == StatusCode::OK {
        Ok(body["refresh_token"].as_str().unwrap().to_string())
    } else {
        Err(format!("{status} {body}"))
    }
}

#[tokio::test]
async fn refresh_tokens_end_after_a_fixed_time_counted_from_the_grant_or_from_each_rotation() {
    let sb = Sandbox::start().await;
    // From the grant: rotating does not help.
    sb.control("/settings", json!({"refresh_token_lifetime": {"seconds": 1000, "from": "grant"}})).await;
    let tokens = sb.connect(OWNER).await;
    sb.advance(600).await;
    let fresh = refreshed(&sb, tokens["refresh_token"].as_str().unwrap()).await.unwrap();
    sb.advance(500).await;
    let err = refreshed(&sb, &fresh).await.unwrap_err();
    assert!(err.starts_with("400") && err.contains("invalid_grant"), "{err}");

    // From each rotation: a connection kept alive never reaches it.
    sb.control("/settings", json!({"refresh_token_lifetime": {"seconds": 1000, "from": "rotation"}})).await;
    let tokens = sb.connect("admin@contoso.example").await;
    sb.advance(600).await;
    let fresh = refreshed(&sb, tokens["refresh_token"].as_str().unwrap()).await.unwrap();
    sb.advance(600).await;
    let fresh = refreshed(&sb, &fresh).await.unwrap();
    sb.advance(1000).await;
    assert!(refreshed(&sb, &fresh).await.is_err(), "unused for the whole lifetime");
    // Off again: refresh tokens never end on their own.
    let fresh = refreshed(&sb, sb.connect(OWNER).await["refresh_token"].as_str().unwrap()).await.unwrap();
    sb.advance(1000).await;
    assert!(refreshed(&sb, &fresh).await.is_err());
    sb.control("/settings", json!({"refresh_token_lifetime": null})).await;
    assert!(refreshed(&sb, &fresh).await.is_ok());
}

/// Zoom rotates, and the answer is lost on the way (`answer_cut`, `answer_late`): the old refresh
/// token is dead in Zoom's reading (staff: "immediately invalidates the previous refresh token"),
/// and in the grace reading it gets the same answer again for a few seconds (docs/zoom.md,
/// Tokens: a lost answer).
#[tokio::test]
async fn a_rotation_whose_answer_is_lost_ends_the_old_refresh_token_unless_a_grace_is_read() {
    let sb = Sandbox::start().await;
    let arm = |kind: Value| sb.control("/faults", json!({"endpoint": "refresh", "fault": kind, "count": 1}));
    // Whether a refresh's answer breaks off (at the headers or in the body).
    let broken = |refresh_token: String| {
        let req =
            sb.http.post(sb.url("/oauth/token")).form(&[("grant_type", "refresh_token"), ("refresh_token", refresh_token.as_str()), ("client_id", PUBLIC)]);
        async move {
            match req.send().await {
                Ok(res) => res.bytes().await.is_err(),
                Err(_) => true,
            }
        }
    };
    // Cut: the connection breaks after Zoom rotated.
    let old = sb.connect(OWNER).await["refresh_token"].as_str().unwrap().to_string();
    arm(json!({"kind": "answer_cut"})).await;
    assert!(broken(old.clone()).await, "the answer breaks off");
    let err = refreshed(&sb, &old).await.unwrap_err();
    assert!(err.starts_with("400") && err.contains("Invalid Token!"), "Zoom's reading: the old token is dead: {err}");

    // Late: the answer comes after the client's timeout; by then Zoom has rotated.
    let old = sb.connect("admin@contoso.example").await["refresh_token"].as_str().unwrap().to_string();
    arm(json!({"kind": "answer_late", "millis": 1500})).await;
    let impatient = reqwest::Client::builder().timeout(std::time::Duration::from_millis(300)).build().unwrap();
    let late =
        impatient.post(sb.url("/oauth/token")).form(&[("grant_type", "refresh_token"), ("refresh_token", old.as_str()), ("client_id", PUBLIC)]).send().await;
    assert!(late.is_err_and(|e| e.is_timeout()));
    assert!(refreshed(&sb, &old).await.is_err());

    // The grace reading: the same answer again within the grace, dead after it.
    sb.control("/settings", json!({"refresh_reuse_grace": 30})).await;
    let old = sb.connect(OWNER).await["refresh_token"].as_str().unwrap().to_string();
    arm(json!({"kind": "answer_cut"})).await;
    assert!(broken(old.clone()).await);
    let again = refreshed(&sb, &old).await.expect("within the grace");
    assert_eq!(refreshed(&sb, &old).await.unwrap(), again, "the same answer, not a second rotation");
    let next = refreshed(&sb, &again).await.expect("the answer's refresh token is the live one");
    sb.advance(31).await;
    assert!(refreshed(&sb, &again).await.is_err(), "past the grace");
    assert!(refreshed(&sb, &next).await.is_ok());
    sb.control("/settings", json!({"refresh_reuse_grace": null})).await;
}
