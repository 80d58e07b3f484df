//! Starting the broker (docs/cli.md, The broker): a loopback port that cannot be had fails the
//! start before anything serves, so that the app can start again with its socket only.
#![cfg(unix)]

mod common;

use common::*;
use zoom_connections_engine::broker::{self, BrokerConfig, DISCOVERY_FILE, SOCKET_FILE};

#[tokio::test]
async fn a_taken_port_fails_the_start_cleanly_and_the_socket_alone_then_serves() {
    let w = World::new().await;
    let scratch = temp_dir();
    let dir = scratch.path().join("broker");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();

    let refused = broker::start(w.engine.clone(), BrokerConfig { dir: dir.clone(), tcp_port: Some(port) }).await;
    assert!(refused.is_err(), "a taken port must fail the start");
    assert!(!dir.join(SOCKET_FILE).exists(), "no socket left behind by a failed start");
    assert!(!dir.join(DISCOVERY_FILE).exists(), "no discovery file for a broker that does not serve");

    let running = broker::start(w.engine.clone(), BrokerConfig::new(dir.clone())).await.unwrap();
    let socket = running.socket.clone().unwrap();
    let health = reqwest::Client::builder().unix_socket(socket).build().unwrap().get("http://localhost/v1/health").send().await.unwrap();
    assert_eq!(health.status(), 200);
    running.stop().await;
}
