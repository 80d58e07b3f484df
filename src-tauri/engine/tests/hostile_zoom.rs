//! Answers RFC 6749 and RFC 7009 allow (and some they forbid), from a server the team did not
//! write: a connection made on the sandbox, then its refreshes and revocations answered by a
//! scripted server standing where Zoom was. What the RFCs allow is accepted and nothing of a
//! rotation is lost; what they forbid is refused without losing the connection
//! (docs/zoom.md, OAuth endpoints).

mod common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use common::*;
use zoom_connections_engine::clock::{Clock, SystemClock};
use zoom_connections_engine::model::{access_key, refresh_key, Status, SANDBOX_ORG_ID};
use zoom_connections_engine::{Engine, EngineConfig, ErrorCode, Want};

#[derive(Default)]
struct Script {
    token: Mutex<VecDeque<(u16, String)>>,
    revoke: Mutex<VecDeque<(u16, String)>>,
    /// users/me answers; a plain identity when none is scripted.
    me: Mutex<VecDeque<(u16, String)>>,
    /// A `WWW-Authenticate` for the next scripted users/me answer (RFC 6750 3.1).
    me_challenge: Mutex<Option<String>>,
}

async fn scripted(queue: &Mutex<VecDeque<(u16, String)>>) -> Response {
    match queue.lock().unwrap().pop_front() {
        Some((status, body)) => (StatusCode::from_u16(status).unwrap(), body).into_response(),
        None => (StatusCode::INTERNAL_SERVER_ERROR, "no answer scripted").into_response(),
    }
}

async fn me(State(s): State<Arc<Script>>) -> Response {
    if !s.me.lock().unwrap().is_empty() {
        let mut answer = scripted(&s.me).await;
        if let Some(challenge) = s.me_challenge.lock().unwrap().take() {
            answer.headers_mut().insert(axum::http::header::WWW_AUTHENTICATE, challenge.parse().unwrap());
        }
        return answer;
    }
    axum::Json(serde_json::json!({"id": "usr_contoso_owner", "email": "owner@contoso.example", "role_name": "Owner", "account_id": "acct_contoso"}))
        .into_response()
}

/// A server standing where Zoom was: scripted token and revoke answers, a plain users/me.
async fn hostile() -> (String, Arc<Script>) {
    let script = Arc::new(Script::default());
    let app = Router::new()
        .route("/oauth/token", post(|State(s): State<Arc<Script>>| async move { scripted(&s.token).await }))
        .route("/oauth/revoke", post(|State(s): State<Arc<Script>>| async move { scripted(&s.revoke).await }))
        .route("/v2/users/me", get(me))
        // Test's call when the grant has a SCIM scope: answered as users/me is.
        .route("/scim2/Users", get(me))
        .with_state(script.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, script)
}

/// A connection made on the sandbox, and an engine on the same data whose Zoom is `url`.
async fn connection_facing(url: &str) -> (World, Engine, String) {
    let w = World::new().await;
    let id = w.connect(SANDBOX_ORG_ID, "n", "owner@contoso.example").await.connection.id;
    let mut config = EngineConfig::new(w.data_dir.clone(), w.secrets.clone());
    config.sandbox_url = Some(url.to_string());
    config.clock = Arc::new(SystemClock);
    let engine = Engine::open(config).unwrap();
    (w, engine, id)
}

async fn rotate_now(engine: &Engine, id: &str) -> Result<(), zoom_connections_engine::EngineError> {
    let generation = engine.connection(id)?.generation;
    engine.refresh(id, Want::Replace { generation }).await.map(|_| ()).map_err(Into::into)
}

fn stored(w: &World, id: &str) -> (String, String) {
    let get = |k: String| w.secrets.get(&k).unwrap().map(|s| s.expose().to_string()).unwrap_or_default();
    (get(access_key(id)), get(refresh_key(id)))
}

#[tokio::test]
async fn a_numeric_string_expires_in_is_read_and_the_new_refresh_token_kept() {
    let (url, script) = hostile().await;
    let (w, engine, id) = connection_facing(&url).await;
    script
        .token
        .lock()
        .unwrap()
        .push_back((200, r#"{"access_token":"A2","token_type":"Bearer","refresh_token":"R2","expires_in":"3599","scope":"user:write:admin"}"#.into()));
    rotate_now(&engine, &id).await.unwrap();
    assert_eq!(stored(&w, &id), ("A2".to_string(), "R2".to_string()));
    let c = engine.connection(&id).unwrap();
    assert_eq!(c.status, Status::Active);
    assert!((c.access_expires_at - SystemClock.now()).abs() <= 3600 && c.access_expires_at > SystemClock.now() + 3500);
    assert_eq!(c.granted_scopes, vec!["user:write:admin".to_string()], "the answer's scope is the granted one now");
}

/// The probe after a refresh that worked: only Zoom's "invalid access token" (code 124) says
/// the app was uninstalled; a 401 without it (a gateway's JSON) is a line, not a lost connection.
#[tokio::test]
async fn a_401_without_code_124_after_a_working_refresh_keeps_the_connection_active() {
    let (url, script) = hostile().await;
    let (w, engine, id) = connection_facing(&url).await;
    let new_pair = r#"{"access_token":"A5","token_type":"Bearer","refresh_token":"R5","expires_in":3599}"#;
    script.token.lock().unwrap().push_back((200, new_pair.into()));
    script.me.lock().unwrap().push_back((401, r#"{"code":401,"message":"Unauthorized by the gateway"}"#.into()));
    rotate_now(&engine, &id).await.unwrap();
    assert_eq!(engine.connection(&id).unwrap().status, Status::Active);
    assert_eq!(stored(&w, &id), ("A5".to_string(), "R5".to_string()));
    // Code 124 on a token Zoom has just issued: the app is gone at Zoom.
    script.token.lock().unwrap().push_back((200, new_pair.replace("A5", "A6").replace("R5", "R6")));
    script.me.lock().unwrap().push_back((401, r#"{"code":124,"message":"Invalid access token."}"#.into()));
    assert!(rotate_now(&engine, &id).await.is_err());
    assert_eq!(engine.connection(&id).unwrap().status, Status::NeedsReconnect);
}

/// A resource server that follows RFC 6750 instead of Zoom's code 124: its
/// `WWW-Authenticate: Bearer error="invalid_token"` (or `{"error":"invalid_token"}`) on a token
/// just issued is a refused token too, so a revoked grant ends as Needs reconnect, not Active.
#[tokio::test]
async fn an_rfc_6750_invalid_token_answer_is_a_refused_token() {
    let (url, script) = hostile().await;
    let (_w, engine, id) = connection_facing(&url).await;
    let new_pair = r#"{"access_token":"A7","token_type":"Bearer","refresh_token":"R7","expires_in":3599}"#;
    script.token.lock().unwrap().push_back((200, new_pair.into()));
    script.me.lock().unwrap().push_back((401, String::new()));
    *script.me_challenge.lock().unwrap() = Some(r#"Bearer realm="api", error="invalid_token", error_description="The access token was revoked""#.into());
    assert!(rotate_now(&engine, &id).await.is_err());
    assert_eq!(engine.connection(&id).unwrap().status, Status::NeedsReconnect);

    // The same in the body, on Test: confirmed by a refresh that Zoom refuses.
    let (url, script) = hostile().await;
    let (_w, engine, id) = connection_facing(&url).await;
    script.me.lock().unwrap().push_back((401, r#"{"error":"invalid_token","error_description":"revoked"}"#.into()));
    script.token.lock().unwrap().push_back((400, r#"{"reason":"Invalid Token!","error":"invalid_grant"}"#.into()));
    assert!(engine.test_connection(&id).await.is_err());
    assert_eq!(engine.connection(&id).unwrap().status, Status::NeedsReconnect);
}

#[tokio::test]
async fn an_answer_without_a_refresh_token_keeps_the_one_there_is() {
    let (url, script) = hostile().await;
    let (w, engine, id) = connection_facing(&url).await;
    let (_, refresh_before) = stored(&w, &id);
    let scopes_before = engine.connection(&id).unwrap().granted_scopes;
    script.token.lock().unwrap().push_back((200, r#"{"access_token":"A3","token_type":"bearer","expires_in":3599}"#.into()));
    rotate_now(&engine, &id).await.unwrap();
    assert_eq!(stored(&w, &id), ("A3".to_string(), refresh_before), "RFC 6749 §6: the old refresh token stays");
    assert_eq!(engine.connection(&id).unwrap().granted_scopes, scopes_before, "no scope: unchanged (§5.1)");
}

#[tokio::test]
async fn a_token_type_other_than_bearer_is_refused_but_its_refresh_token_is_kept() {
    let (url, script) = hostile().await;
    let (w, engine, id) = connection_facing(&url).await;
    let (access_before, _) = stored(&w, &id);
    script.token.lock().unwrap().push_back((200, r#"{"access_token":"A4","token_type":"mac","refresh_token":"R4","expires_in":3599}"#.into()));
    let err = rotate_now(&engine, &id).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ZoomBadResponse);
    assert!(err.message.contains("token_type"), "{}", err.message);
    let (access, refresh) = stored(&w, &id);
    assert_eq!(refresh, "R4", "Zoom rotated: the new refresh token is the live one");
    assert_ne!(access, "A4", "the MAC token is not used");
    assert_eq!(access, access_before);
    let c = engine.connection(&id).unwrap();
    assert_eq!(c.status, Status::Retrying);
    assert!(c.access_expires_at <= SystemClock.now(), "the old access token is not served");
    // The next refresh uses R4 and, answered properly, brings the connection back.
    script.token.lock().unwrap().push_back((200, r#"{"access_token":"A5","token_type":"bearer","refresh_token":"R5","expires_in":3599}"#.into()));
    rotate_now(&engine, &id).await.unwrap();
    assert_eq!(stored(&w, &id), ("A5".to_string(), "R5".to_string()));
    assert_eq!(engine.connection(&id).unwrap().status, Status::Active);
}

#[tokio::test]
async fn an_api_url_elsewhere_is_not_used() {
    let (url, script) = hostile().await;
    let (_w, engine, id) = connection_facing(&url).await;
    let before = engine.connection(&id).unwrap().api_url;
    script.token.lock().unwrap().push_back((
        200,
        r#"{"access_token":"A6","token_type":"bearer","refresh_token":"R6","expires_in":3599,"api_url":"https://api.zoom.us.evil.example"}"#.into(),
    ));
    rotate_now(&engine, &id).await.unwrap();
    assert_eq!(engine.connection(&id).unwrap().api_url, before);
}

#[tokio::test]
async fn an_endless_answer_is_cut_and_changes_nothing() {
    let (url, script) = hostile().await;
    let (w, engine, id) = connection_facing(&url).await;
    let before = stored(&w, &id);
    // A 2xx that cannot be read may have rotated: it is asked again at once, and gets the same.
    for _ in 0..2 {
        script.token.lock().unwrap().push_back((200, format!(r#"{{"access_token":"{}"}}"#, "A".repeat(3 * 1024 * 1024))));
    }
    let err = rotate_now(&engine, &id).await.unwrap_err();
    assert!(script.token.lock().unwrap().is_empty(), "asked twice");
    assert_eq!(err.code, ErrorCode::ZoomBadResponse);
    assert_eq!(stored(&w, &id), before);
}

#[tokio::test]
async fn a_2xx_revocation_with_zoom_s_body_counts_any_other_is_confirmed_by_a_refresh_and_a_proxy_s_403_does_not() {
    let (url, script) = hostile().await;
    let (w, engine, id) = connection_facing(&url).await;
    script.revoke.lock().unwrap().push_back((403, "<html><h1>Forbidden</h1> by the proxy</html>".into()));
    let err = engine.delete(&id).await.unwrap_err();
    assert!(err.message.contains("Nothing was deleted"), "{}", err.message);
    assert!(engine.connection(&id).is_ok() && !stored(&w, &id).1.is_empty());
    script.revoke.lock().unwrap().push_back((200, "".into()));
    engine.delete(&id).await.unwrap();
    assert!(engine.connection(&id).is_err());
    assert_eq!(stored(&w, &id), (String::new(), String::new()));

    // A 2xx with a body that is not Zoom's (a page): a refresh asks Zoom whether the grant is
    // gone. It is (`invalid_grant`): deleted.
    let (w, engine, id) = connection_facing(&url).await;
    script.revoke.lock().unwrap().push_back((200, "<html>ok</html>".into()));
    script.token.lock().unwrap().push_back((400, r#"{"reason":"Invalid Token!","error":"invalid_grant"}"#.into()));
    engine.delete(&id).await.unwrap();
    assert!(engine.connection(&id).is_err());
    assert_eq!(stored(&w, &id), (String::new(), String::new()));
    // It is not (the refresh works): the new token is revoked, then the connection deleted.
    let (w, engine, id) = connection_facing(&url).await;
    script.revoke.lock().unwrap().extend([(200, "null".to_string()), (200, String::new())]);
    script.token.lock().unwrap().push_back((200, r#"{"access_token":"A7","token_type":"Bearer","refresh_token":"R7","expires_in":3599}"#.into()));
    engine.delete(&id).await.unwrap();
    assert!(engine.connection(&id).is_err());
    assert_eq!(stored(&w, &id), (String::new(), String::new()));
    assert!(script.revoke.lock().unwrap().is_empty(), "revoked twice");
}
