//! The authorization pages over HTTP: the four sign-in choices, Pre-Approve, Authorize/Decline,
//! the redirect with the untouched state, and the error pages that make no redirect.

mod common;

use common::*;
use reqwest::StatusCode;
use zoom_sandbox::{SandboxConfig, Seed};

#[tokio::test]
async fn the_index_lists_seeded_users_and_apps() {
    let sb = Sandbox::start().await;
    let page = sb.get("/").await.text().await.unwrap();
    for needle in [OWNER, "admin@contoso.example", "member@contoso.example", PUBLIC, CONFIDENTIAL, "contoso"] {
        assert!(page.contains(needle), "{needle} missing from the index");
    }
}

#[tokio::test]
async fn password_sign_in_needs_the_robot_check_and_the_right_password() {
    let sb = Sandbox::start().await;
    let req = sb.begin(PUBLIC, DEEP_LINK, "s").await;
    let no_robot = sb.post_form("/oauth/signin", &[("req", &req), ("email", OWNER), ("password", PASSWORD)]).await;
    assert_eq!(no_robot.status(), StatusCode::UNAUTHORIZED);
    assert!(no_robot.text().await.unwrap().contains("not a robot"));
    let wrong = sb.post_form("/oauth/signin", &[("req", &req), ("email", OWNER), ("password", "nope"), ("robot", "yes")]).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.text().await.unwrap().contains("Incorrect email or password"));
    let ok = sb.post_form("/oauth/signin", &[("req", &req), ("email", OWNER), ("password", PASSWORD), ("robot", "yes")]).await;
    assert_eq!(location(&ok), format!("/oauth/preapprove?req={req}"));
    assert!(sb.get(&format!("/oauth/preapprove?req={req}")).await.text().await.unwrap().contains("Pre-Approve"));
}

#[tokio::test]
async fn the_redirect_carries_a_code_and_the_untouched_state() {
    let sb = Sandbox::start().await;
    let state = "a b&c=d/é?#%";
    let req = sb.begin(PUBLIC, DEEP_LINK, state).await;
    sb.post_form("/oauth/signin", &[("req", &req), ("email", OWNER), ("password", PASSWORD), ("robot", "yes")]).await;
    let redirect = sb.approve(&req, "authorize").await;
    assert_eq!(redirect.scheme(), "zoom-connections");
    assert_eq!(query(&redirect, "state").as_deref(), Some(state));
    assert!(query(&redirect, "code").is_some_and(|c| c.len() > 20));
    // The request is finished: its pages cannot be replayed for a second code.
    let again = sb.post_form("/oauth/consent", &[("req", &req), ("decision", "authorize")]).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn decline_redirects_with_access_denied() {
    let sb = Sandbox::start().await;
    let req = sb.begin(PUBLIC, DEEP_LINK, "s1").await;
    sb.post_form("/oauth/signin", &[("req", &req), ("email", OWNER), ("password", PASSWORD), ("robot", "yes")]).await;
    let redirect = sb.approve(&req, "decline").await;
    assert_eq!(query(&redirect, "error").as_deref(), Some("access_denied"));
    assert_eq!(query(&redirect, "state").as_deref(), Some("s1"));
    assert_eq!(query(&redirect, "code"), None);
}

#[tokio::test]
async fn sign_in_with_sso_chooses_among_the_accounts_users() {
    let sb = Sandbox::start().await;
    let req = sb.begin(PUBLIC, DEEP_LINK, "s").await;
    assert!(sb.get(&format!("/oauth/signin/sso?req={req}")).await.text().await.unwrap().contains("Company Domain"));
    let unknown = sb.post_form("/oauth/signin/sso", &[("req", &req), ("domain", "nobody")]).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let chooser = sb.post_form("/oauth/signin/sso", &[("req", &req), ("domain", "contoso.zoom.us")]).await;
    let html = chooser.text().await.unwrap();
    assert!(html.contains("admin@contoso.example") && !html.contains("fabrikam"));
    let res = sb.post_form("/oauth/signin/choose", &[("req", &req), ("provider", "sso"), ("user_id", "usr_contoso_admin")]).await;
    assert!(res.status().is_redirection());
    let code = query(&sb.approve(&req, "authorize").await, "code");
    assert!(code.is_some());
}

#[tokio::test]
async fn sign_in_with_google_and_facebook_offer_only_linked_identities() {
    let sb = Sandbox::start().await;
    for (provider, identity, user, other) in [
        ("google", "olivia.contoso@gmail.example", "usr_contoso_owner", "usr_contoso_member"),
        ("facebook", "felix.admin.fb@example", "usr_fabrikam_admin", "usr_fabrikam_owner"),
    ] {
        let req = sb.begin(PUBLIC, DEEP_LINK, "s").await;
        let html = sb.get(&format!("/oauth/signin/{provider}?req={req}")).await.text().await.unwrap();
        assert!(html.contains(identity), "{provider}");
        let refused = sb.post_form("/oauth/signin/choose", &[("req", &req), ("provider", provider), ("user_id", other)]).await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{provider}: {other} has no such identity");
        let ok = sb.post_form("/oauth/signin/choose", &[("req", &req), ("provider", provider), ("user_id", user)]).await;
        assert!(ok.status().is_redirection());
        assert!(query(&sb.approve(&req, "authorize").await, "code").is_some());
    }
}

#[tokio::test]
async fn pending_and_deactivated_users_cannot_sign_in() {
    let sb = Sandbox::start().await;
    for (email, why) in [("pending@contoso.example", "not been activated"), ("former@contoso.example", "deactivated")] {
        let req = sb.begin(PUBLIC, DEEP_LINK, "s").await;
        let res = sb.post_form("/oauth/signin", &[("req", &req), ("email", email), ("password", PASSWORD), ("robot", "yes")]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(res.text().await.unwrap().contains(why));
    }
}

#[tokio::test]
async fn consent_is_not_reachable_before_sign_in_and_pre_approval() {
    let sb = Sandbox::start().await;
    let req = sb.begin(PUBLIC, DEEP_LINK, "s").await;
    let res = sb.post_form("/oauth/consent", &[("req", &req), ("decision", "authorize")]).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    sb.post_form("/oauth/signin", &[("req", &req), ("email", OWNER), ("password", PASSWORD), ("robot", "yes")]).await;
    let res = sb.post_form("/oauth/consent", &[("req", &req), ("decision", "authorize")]).await;
    assert_eq!(location(&res), format!("/oauth/preapprove?req={req}"));
}

/// An error page for each bad authorize request, and never a redirect.
#[tokio::test]
async fn bad_authorize_requests_get_an_error_page_and_no_redirect() {
    let sb = Sandbox::start().await;
    let cases: [(&[(&str, &str)], &str); 10] = [
        (&[("response_type", "code"), ("client_id", "nope"), ("redirect_uri", DEEP_LINK)], "4702"),
        (&[("response_type", "token"), ("client_id", PUBLIC), ("redirect_uri", DEEP_LINK)], "Unsupported response type"),
        (&[("response_type", "code"), ("client_id", PUBLIC), ("redirect_uri", "https://evil.example/cb")], "allow list"),
        // A custom scheme for an app without the Meeting SDK.
        (&[("response_type", "code"), ("client_id", CONFIDENTIAL), ("redirect_uri", DEEP_LINK)], "Meeting SDK"),
        // localhost is not 127.0.0.1.
        (&[("response_type", "code"), ("client_id", PUBLIC), ("redirect_uri", "http://localhost:5000/oauth/callback")], "127.0.0.1"),
        // Strict mode: a path the allow list does not hold exactly.
        (&[("response_type", "code"), ("client_id", PUBLIC), ("redirect_uri", "http://127.0.0.1:5000/oauth/other")], "allow list"),
        (&[("response_type", "code"), ("client_id", PUBLIC), ("redirect_uri", DEEP_LINK), ("scope", "meeting:write")], "Invalid scope"),
        // A redirect URL that is not registered: Zoom's 4700 "Invalid redirect url".
        (&[("response_type", "code"), ("client_id", PUBLIC), ("redirect_uri", "https://evil.example/cb")], "errorCode 4700"),
        // A user-managed app asking for an admin scope (docs/zoom.md, App types).
        (&[("response_type", "code"), ("client_id", "sandbox-readonly"), ("redirect_uri", DEEP_LINK), ("scope", "user:read:user:admin")], "user-managed app"),
        // A Server-to-Server app has no browser sign-in.
        (&[("response_type", "code"), ("client_id", "sandbox-s2s"), ("redirect_uri", DEEP_LINK)], "4702"),
    ];
    for (query, expected) in cases {
        let res = sb.http.get(sb.url("/oauth/authorize")).query(query).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{query:?}");
        assert!(res.headers().get("location").is_none());
        let html = res.text().await.unwrap();
        assert!(html.contains(expected), "{query:?}: expected {expected}");
    }
}

#[tokio::test]
async fn loopback_redirects_match_with_any_port_and_base_urls_outside_strict_mode() {
    let sb = Sandbox::start().await;
    sb.begin(PUBLIC, "http://127.0.0.1:51234/oauth/callback", "s").await;
    sb.begin(PUBLIC, "http://127.0.0.1:80/oauth/callback", "s").await;
    // The confidential app allows the base URL https://relay.zoom-connections.example/.
    sb.begin(CONFIDENTIAL, "https://relay.zoom-connections.example/zc/relay.html", "s").await;
}

#[tokio::test]
async fn a_custom_seed_file_replaces_the_directory() {
    let mut seed = Seed::builtin();
    seed.users[0].email = "someone@custom.example".into();
    seed.users[0].password = "custom-pw".into();
    let seed = Seed::from_json(&serde_json::to_string(&seed).unwrap()).unwrap();
    let sb = Sandbox::start_with(SandboxConfig { seed, ..SandboxConfig::default() }).await;
    let req = sb.begin(PUBLIC, DEEP_LINK, "s").await;
    let res = sb.post_form("/oauth/signin", &[("req", &req), ("email", "someone@custom.example"), ("password", "custom-pw"), ("robot", "yes")]).await;
    assert!(res.status().is_redirection());
    assert!(!sb.get("/").await.text().await.unwrap().contains(OWNER));
}
