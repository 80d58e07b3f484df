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
