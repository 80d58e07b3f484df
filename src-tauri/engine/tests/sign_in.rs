//! Signing in without the window (src/sign_in/): the device authorization grant against the
//! sandbox's model of Zoom's (both names of the grant, a decline, an expired code, an app Zoom
//! has not enabled it for), the polling rules of RFC 8628 against a scripted server, and a
//! pasted-back address held to exactly what the redirect would have been.

mod common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use common::*;
use serde_json::json;
use zoom_connections_engine::model::{refresh_key, RedirectMode, Status};
use zoom_connections_engine::{Engine, ErrorCode};
use zoom_sandbox::user_agent::SignIn;

async fn device_world() -> World {
    let w = World::new().await;
    w.control("/settings", json!({"device_poll_interval": 1})).await;
    w.add_org("device", "sandbox-confidential", true, RedirectMode::Loopback, Some("sandbox-confidential-secret"));
    w
}

#[tokio::test]
async fn a_device_sign_in_makes_a_connection_by_the_windows_rules() {
    let w = device_world().await;
    let flow = w.engine.begin_device("device", "Nightly", None).await.unwrap();
    assert!(flow.shown.verification_uri.starts_with(&w.sandbox_url), "{}", flow.shown.verification_uri);
    assert!(flow.shown.verification_uri_complete.as_deref().is_some_and(|u| u.contains(&flow.shown.user_code)));
    let shown = flow.shown.clone();
    let engine = w.engine.clone();
    let polling = tokio::spawn(async move { engine.finish_device(flow).await });
    // The code as the admin reads it off the terminal, typed with a dash and in lower case.
    let typed = format!("{}-{}", &shown.user_code[..4], &shown.user_code[4..]).to_lowercase();
    assert_eq!(
        w.browser.authorize_device(&shown.verification_uri, &typed, &SignIn::password("admin@contoso.example"), true).await.unwrap(),
        "Device connected"
    );
    let outcome = polling.await.unwrap().unwrap();
    assert_eq!(outcome.connection.nickname, "Nightly");
    assert_eq!(outcome.connection.identity.email, "admin@contoso.example");
    assert!(w.secrets.get(&refresh_key(&outcome.connection.id)).unwrap().is_some());

    // A Member who gets past Zoom's page (the other reading) is refused by rule 3: nothing stored.
    w.control("/settings", json!({"members_authorize_admin_apps": true})).await;
    let flow = w.engine.begin_device("device", "Members", None).await.unwrap();
    let shown = flow.shown.clone();
    let engine = w.engine.clone();
    let polling = tokio::spawn(async move { engine.finish_device(flow).await });
    on_phone_shown(&w, &shown, "member@contoso.example", true).await;
    assert_eq!(polling.await.unwrap().unwrap_err().code, ErrorCode::RoleNotAllowed);
    assert_eq!(w.engine.connections().len(), 1);
}

async fn on_phone_shown(w: &World, shown: &zoom_connections_engine::sign_in::device::DeviceSignIn, email: &str, approve: bool) -> String {
    w.browser.authorize_device(&shown.verification_uri, &shown.user_code, &SignIn::password(email), approve).await.unwrap()
}

/// A pasted address completes its own sign-in only: another port, another sign-in's state or
/// something else entirely changes nothing and leaves the sign-in waiting.
#[tokio::test]
async fn a_pasted_address_is_held_to_what_the_redirect_would_have_been() {
    let w = World::new().await;
    w.add_org("server", "sandbox-confidential", true, RedirectMode::Loopback, Some("sandbox-confidential-secret"));
    let flow = w.engine.begin_create("server", "Pasted").await.unwrap();
    let other = w.engine.begin_create("server", "Other").await.unwrap();
    let redirect = w.sign_in(&flow, SignIn::password("admin@contoso.example")).await;
    let other_redirect = w.sign_in(&other, SignIn::password("owner@contoso.example")).await;
    let mut moved = redirect.clone();
    moved.set_port(Some(moved.port().unwrap().wrapping_add(1).max(1024))).unwrap();
    let as_deep_link = format!("zoom-connections://oauth/callback?{}", redirect.query().unwrap());
    for (pasted, code) in [
        (moved.to_string(), ErrorCode::InvalidCallback),
        (as_deep_link.clone(), ErrorCode::InvalidCallback),
        (other_redirect.to_string(), ErrorCode::StateMismatch),
        ("the code was 1234".to_string(), ErrorCode::InvalidCallback),
        (String::new(), ErrorCode::InvalidCallback),
    ] {
        let err = w.engine.complete_pasted(&flow.flow_id, &pasted).await.err().unwrap_or_else(|| panic!("{pasted} was taken"));
        assert_eq!(err.code, code, "{pasted}: {}", err.message);
        assert!(w.engine.is_flow_pending(&flow.flow_id));
    }
    assert!(w.engine.connections().is_empty());
    // As a chat or a mail hands it over: in quotes and blanks.
    let outcome = w.engine.complete_pasted(&flow.flow_id, &format!("  \"{redirect}\"\n")).await.unwrap();
    assert_eq!(outcome.connection.nickname, "Pasted");
    assert!(!w.engine.is_flow_pending(&flow.flow_id));
    // Pasted again, it is spent.
    assert_eq!(w.engine.complete_pasted(&flow.flow_id, redirect.as_str()).await.unwrap_err().code, ErrorCode::FlowExpired);

    // The same held by the callback itself: a loopback sign-in's code and state arriving as a
    // deep link (another app on the machine opening `zoom-connections://` with them) is refused.
    let flow = w.engine.begin_create("server", "Linked").await.unwrap();
    let redirect = w.sign_in(&flow, SignIn::password("owner@contoso.example")).await;
    let err = w.engine.handle_callback(&format!("zoom-connections://oauth/callback?{}", redirect.query().unwrap())).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidCallback, "{}", err.message);
    assert_eq!(w.engine.connections().len(), 1);
}

#[tokio::test]
async fn declined_expired_or_not_enabled_changes_nothing() {
    let w = device_world().await;
    // Declined on the phone.
    let flow = w.engine.begin_device("device", "Declined", None).await.unwrap();
    let engine = w.engine.clone();
    let shown = flow.shown.clone();
    let polling = tokio::spawn(async move { engine.finish_device(flow).await });
    let page = w.browser.authorize_device(&shown.verification_uri, &shown.user_code, &SignIn::password("admin@contoso.example"), false).await.unwrap();
    assert_eq!(page, "Not connected");
    assert_eq!(polling.await.unwrap().unwrap_err().code, ErrorCode::AccessDenied);
    // Nobody signs in before the code ends (Zoom's clock moves on 15 minutes).
    let flow = w.engine.begin_device("device", "Expired", None).await.unwrap();
    let engine = w.engine.clone();
    let polling = tokio::spawn(async move { engine.finish_device(flow).await });
    w.control("/clock/advance", json!({"seconds": 901})).await;
    assert_eq!(polling.await.unwrap().unwrap_err().code, ErrorCode::FlowExpired);
    // An app Zoom has not enabled it for: said so, with the way that needs no permission.
    w.add_org("public", "sandbox-public", false, RedirectMode::Loopback, None);
    let err = w.engine.begin_device("public", "Nope", None).await.err().unwrap();
    assert_eq!(err.code, ErrorCode::InvalidSettings);
    assert!(err.message.contains("paste"), "{}", err.message);
    assert!(w.engine.connections().is_empty());
}

#[tokio::test]
async fn zoom_knowing_the_grant_only_as_device_auth_is_asked_by_that_name() {
    let w = device_world().await;
    w.control("/settings", json!({"device_grant_named_device_auth": true})).await;
    let flow = w.engine.begin_device("device", "Named", None).await.unwrap();
    let engine = w.engine.clone();
    let shown = flow.shown.clone();
    let polling = tokio::spawn(async move { engine.finish_device(flow).await });
    assert_eq!(
        w.browser.authorize_device(&shown.verification_uri, &shown.user_code, &SignIn::password("admin@contoso.example"), true).await.unwrap(),
        "Device connected"
    );
    let outcome = polling.await.unwrap().unwrap();
    assert_eq!(outcome.connection.status, Status::Active);
    assert!(w.secrets.get(&refresh_key(&outcome.connection.id)).unwrap().is_some());
}

/// A scripted Zoom: its device codes, its token answers in order, and when each poll came.
#[derive(Default)]
struct Polls {
    codes: Mutex<VecDeque<serde_json::Value>>,
    answers: Mutex<VecDeque<(u16, String)>>,
    at: Mutex<Vec<Instant>>,
}

#[tokio::test]
async fn slow_down_adds_five_seconds_for_good_and_any_other_error_stops_the_polling() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let polls = Arc::new(Polls::default());
    let code = |page: String| json!({"device_code": "dc-1", "user_code": "ABCD2345", "verification_uri": page, "expires_in": 600, "interval": 1});
    // First a page on another port than the org's Zoom (another site), then its own.
    *polls.codes.lock().unwrap() = [code("http://127.0.0.1:1/activate".into()), code(format!("{base}/activate"))].into();
    *polls.answers.lock().unwrap() = [
        (400, r#"{"error":"authorization_pending"}"#),
        (400, r#"{"error":"slow_down"}"#),
        (400, r#"{"error":"authorization_pending"}"#),
        (400, r#"{"error":"invalid_client","reason":"Invalid client_id or client_secret"}"#),
    ]
    .into_iter()
    .map(|(s, b)| (s, b.to_string()))
    .collect();
    let app = Router::new()
        .route(
            "/oauth/devicecode",
            post({
                let polls = polls.clone();
                move || {
                    let polls = polls.clone();
                    async move { axum::Json(polls.codes.lock().unwrap().pop_front().unwrap()) }
                }
            }),
        )
        .route(
            "/oauth/token",
            post({
                let polls = polls.clone();
                move || {
                    let polls = polls.clone();
                    async move {
                        polls.at.lock().unwrap().push(Instant::now());
                        let (status, body) = polls.answers.lock().unwrap().pop_front().unwrap_or((500, "{}".into()));
                        (StatusCode::from_u16(status).unwrap(), body).into_response()
                    }
                }
            }),
        )
        .route("/", get(|| async { "scripted" }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    // A sandbox org takes the engine's sandbox address as its Zoom: here, the scripted server.
    let scratch = temp_dir();
    let engine = Engine::open({
        let mut config = zoom_connections_engine::EngineConfig::new(scratch.path().to_path_buf(), secret_store());
        config.sandbox_url = Some(base.clone());
        config
    })
    .unwrap();
    let org = zoom_connections_engine::model::Org { id: "scripted".into(), ..zoom_connections_engine::model::Org::sandbox() };
    engine.save_org(org, None).unwrap();

    let err = engine.begin_device("scripted", "Elsewhere", None).await.err().unwrap();
    assert_eq!(err.code, ErrorCode::ZoomBadResponse, "{}", err.message);
    assert!(err.message.contains("another site"), "{}", err.message);

    let flow = engine.begin_device("scripted", "Polled", None).await.unwrap();
    let err = engine.finish_device(flow).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ZoomInvalidClient, "{}", err.message);
    let at = polls.at.lock().unwrap().clone();
    assert_eq!(at.len(), 4, "polling went on after an error that is not one of RFC 8628's");
    let gaps: Vec<Duration> = at.windows(2).map(|p| p[1] - p[0]).collect();
    // After slow_down, 1 + 5 seconds between polls, and still after the next answer.
    assert!(gaps[1] >= Duration::from_secs(6) && gaps[2] >= Duration::from_secs(6), "{gaps:?}");
    assert!(engine.connections().is_empty());
}
