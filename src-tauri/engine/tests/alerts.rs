//! Alerts as the webhook receives them (docs/cli.md, Alerts): exactly one per status change,
//! retried while the failure may pass, and given up on — said in the log, by host only — when
//! the retries run out, without blocking anything else.

mod common;

use std::sync::{Arc, Mutex};

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use common::*;
use serde_json::{json, Value};
use zoom_connections_engine::model::{Status, SANDBOX_ORG_ID};
use zoom_connections_engine::{Secret, TickState};

/// A webhook receiver that answers each call with the next status of `answers` (the last one
/// again once they run out), `Retry-After: 0` on a 429 or 5xx, and records every body.
async fn receiver(answers: Vec<u16>) -> (String, Arc<Mutex<Vec<Value>>>) {
    let got: Arc<Mutex<Vec<Value>>> = Default::default();
    let record = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: axum::Json<Value>| {
            let record = record.clone();
            let answers = answers.clone();
            async move {
                let mut got = record.lock().unwrap();
                got.push(body.0);
                let status = StatusCode::from_u16(*answers.get(got.len() - 1).or(answers.last()).unwrap()).unwrap();
                ([(header::RETRY_AFTER, "0")], status).into_response()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_gets_one_alert_per_change_and_one_that_keeps_failing_is_given_up_after_its_retries() {
    let w = World::new().await;
    let id = w.connect(SANDBOX_ORG_ID, "Production", "owner@contoso.example").await.connection.id;

    // Always 503: the first attempt and its three retries (RETRY_WAITS), then it is given up.
    let (url, got) = receiver(vec![503]).await;
    w.engine.set_alert_webhook(Some(Secret::new(url))).await.unwrap();
    let err = w.engine.send_test_alert().await.unwrap_err();
    assert_eq!(got.lock().unwrap().len(), 4, "one attempt and three retries, no more");
    assert_eq!(
        err.message, "The webhook did not take the test alert: HTTP 503 from 127.0.0.1",
        "said by host only, never by its URL (the URL is the credential)"
    );

    // A refusal that will not pass (404: the webhook was removed) is not retried.
    let (url, got) = receiver(vec![404]).await;
    w.engine.set_alert_webhook(Some(Secret::new(url))).await.unwrap();
    assert!(w.engine.send_test_alert().await.unwrap_err().message.ends_with("HTTP 404 from 127.0.0.1"));
    assert_eq!(got.lock().unwrap().len(), 1);

    // A real change, as the app and `serve` send them: one alert each way, whatever the
    // receiver's first answer (a 503 is retried once, and counted once).
    let (url, got) = receiver(vec![503, 200]).await;
    w.engine.set_alert_webhook(Some(Secret::new(url))).await.unwrap();
    let alerts = w.engine.spawn_alerts();
    w.control("/uninstall", json!({"email": "owner@contoso.example", "client_id": "sandbox-public"})).await;
    w.engine.tick(&mut TickState::default(), 4).await;
    rotate(&w.engine, &id).await.ok();
    assert_eq!(w.engine.connection(&id).unwrap().status, Status::NeedsReconnect);
    wait_until(|| got.lock().unwrap().iter().filter(|b| b["event"] == "needs_user").count() == 2).await;
    let flow = w.engine.begin_reconnect(&id).await.unwrap();
    let redirect = w.browser.authorize(&flow.authorize_url, &zoom_sandbox::user_agent::SignIn::password("owner@contoso.example"), true).await.unwrap();
    w.engine.handle_callback(redirect.as_str()).await.unwrap();
    wait_until(|| got.lock().unwrap().iter().any(|b| b["event"] == "recovered")).await;
    // A sweep more, which changes nothing, and then a test alert, whose arrival shows that
    // every earlier delivery has had its turn: the list is complete.
    w.engine.tick(&mut TickState::default(), 4).await;
    w.engine.send_test_alert().await.unwrap();
    let bodies: Vec<Value> = got.lock().unwrap().iter().filter(|b| b["event"] != "test").cloned().collect();
    let events: Vec<&str> = bodies.iter().filter_map(|b| b["event"].as_str()).collect();
    // The 503's body and its retry are the same alert: one needs-you, then one recovered.
    assert_eq!(events, ["needs_user", "needs_user", "recovered"], "{bodies:?}");
    assert_eq!(bodies[0], bodies[1], "the retry is the same alert");
    alerts.abort();
}

async fn wait_until(done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "the alert did not come");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
