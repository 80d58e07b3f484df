//! The broker's API proxy against the sandbox over HTTP (docs/cli.md, The proxy): what reaches a
//! script when Zoom is slow, and when Zoom refuses the proxy's token.
#![cfg(unix)]

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use zoom_connections_engine::broker::{self, BrokerConfig};
use zoom_connections_engine::clock::SystemClock;
use zoom_sandbox::SandboxConfig;

fn socket_client(running: &broker::RunningBroker) -> reqwest::Client {
    reqwest::Client::builder().unix_socket(running.socket.clone().unwrap()).build().unwrap()
}

/// The engine's own calls give up after their whole-request timeout (here 1 s); a call through
/// the proxy that Zoom answers later, but answers, reaches the script: it was cut at 502 before.
#[tokio::test]
async fn a_slow_answer_through_the_proxy_is_passed_on_not_cut() {
    let w = World::build_with(SandboxConfig::for_tests(), std::sync::Arc::new(SystemClock), secret_store(), Some(Duration::from_secs(1))).await;
    w.connect(zoom_connections_engine::model::SANDBOX_ORG_ID, "n", "owner@contoso.example").await;
    let scratch = temp_dir();
    let running = broker::start(w.engine.clone(), BrokerConfig::new(scratch.path().join("broker"))).await.unwrap();
    let uds = socket_client(&running);
    w.control("/faults", json!({"endpoint": "users_list", "fault": {"kind": "delay", "millis": 2500}, "count": 1})).await;
    let answer = uds.get("http://localhost/zoom/n/v2/users?page_size=1").send().await.unwrap();
    assert_eq!(answer.status(), 200);
    assert!(answer.json::<serde_json::Value>().await.unwrap()["users"].is_array());
    running.stop().await;
}

/// The sandbox's count of API calls made with any of the connection's access tokens.
async fn api_calls(w: &World) -> u64 {
    w.grants().await.iter().flat_map(|g| g["tokens"].as_array().cloned().unwrap_or_default()).map(|t| t["api_calls"].as_u64().unwrap_or(0)).sum()
}

/// Within a minute of the proxy's own rotation, keepalive rotates too: Zoom ends the proxy's
/// token when it issues the new one, before the connection's generation moves. The proxy waits
/// for that rotation and sends the call again with its token; it passed Zoom's 401 on before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_refused_while_a_rotation_is_in_flight_waits_for_it_instead_of_passing_the_401_on() {
    use zoom_connections_engine::{Moment, Want};
    let gate = Gate::new();
    let w = World::with_gate(std::sync::Arc::new(SystemClock), secret_store(), gate.clone()).await;
    let id = w.connect(zoom_connections_engine::model::SANDBOX_ORG_ID, "n", "owner@contoso.example").await.connection.id;
    let scratch = temp_dir();
    let running = broker::start(w.engine.clone(), BrokerConfig::new(scratch.path().join("broker"))).await.unwrap();
    let uds = socket_client(&running);
    let call = |uds: reqwest::Client| async move { uds.get("http://localhost/zoom/n/v2/users/me").send().await.unwrap().status().as_u16() };
    assert_eq!(call(uds.clone()).await, 200);

    // Zoom's clock passes the token's end (the app's does not): the proxy rotates itself.
    w.control("/clock/advance", json!({"seconds": 3700})).await;
    assert_eq!(call(uds.clone()).await, 200);

    // Keepalive's rotation: Zoom has answered (and ended the proxy's token); nothing written yet.
    gate.arm(Moment::RotationAnswered, &id);
    let generation = w.engine.connection(&id).unwrap().generation;
    let keepalive = {
        let engine = w.engine.clone();
        let id = id.clone();
        tokio::spawn(async move { engine.refresh(&id, Want::Replace { generation }).await.map(|_| ()) })
    };
    gate.reached().await;

    // A call now: Zoom refuses the proxy's token; the proxy waits for the rotation in flight.
    let before = api_calls(&w).await;
    let proxied = tokio::spawn(call(uds.clone()));
    tokio::time::timeout(Duration::from_secs(10), async {
        while api_calls(&w).await == before {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the proxy's call reached Zoom");
    assert!(still_waiting(&proxied).await, "the proxy answered while the rotation was in flight (it passed Zoom's 401 on)");
    gate.release();
    keepalive.await.unwrap().unwrap();
    assert_eq!(proxied.await.unwrap(), 200, "sent again with the rotated token");
    running.stop().await;
}

/// A 429 per second from Zoom is the proxy's to wait out (the account's pace, actions/call.rs):
/// the script sees Zoom's answer once it passes. A 429 of the daily limit is passed on as it is.
#[tokio::test]
async fn a_429_per_second_is_waited_out_and_a_daily_one_passed_on() {
    let w = World::new().await;
    w.connect(zoom_connections_engine::model::SANDBOX_ORG_ID, "n", "owner@contoso.example").await;
    let scratch = temp_dir();
    let running = broker::start(w.engine.clone(), BrokerConfig::new(scratch.path().join("broker"))).await.unwrap();
    let uds = socket_client(&running);
    w.control("/faults", json!({"endpoint": "users_me", "fault": {"kind": "rate_limit"}, "count": 2})).await;
    let answer = uds.get("http://localhost/zoom/n/v2/users/me").send().await.unwrap();
    assert_eq!(answer.status(), 200, "two 429s per second waited out");
    // The proxy's 429s count in the account's pace the actions share.
    assert_eq!(zoom_connections_engine::actions::refusals(&w.engine), 2);
    w.control("/faults", json!({"endpoint": "users_me", "fault": {"kind": "daily_limit"}, "count": 1})).await;
    let answer = uds.get("http://localhost/zoom/n/v2/users/me").send().await.unwrap();
    assert_eq!(answer.status(), 429);
    assert_eq!(answer.headers().get("x-ratelimit-type").unwrap(), "Daily-limit");
    running.stop().await;
}
