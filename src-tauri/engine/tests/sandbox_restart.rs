//! The app's embedded sandbox keeps its grants in a state file but listens on a new port each
//! time the app starts: a sandbox connection must keep working at the new address, as a Zoom
//! connection keeps working across app restarts.

mod common;

use common::*;
use zoom_connections_engine::model::{Status, SANDBOX_ORG_ID};

#[tokio::test]
async fn a_sandbox_connection_follows_the_sandbox_to_its_new_address() {
    let scratch = temp_dir();
    let state_file = scratch.path().join("sandbox-state.json");
    let mut w = World::with_sandbox_state(state_file.clone()).await;
    let connection = w.connect(SANDBOX_ORG_ID, "Survivor", "owner@contoso.example").await.connection.id;
    let old_url = w.sandbox_url.clone();
    let engine = w.restart_sandbox(state_file).await;
    assert_ne!(w.sandbox_url, old_url, "a new port, like a new app start");

    // Test connection and Run keepalive now's probe both reach the new sandbox with the stored
    // access token, and the connection stays Active.
    engine.test_connection(&connection).await.expect("the test reaches the restarted sandbox");
    let calls = |grants: &[serde_json::Value]| grants[0]["tokens"].as_array().unwrap().iter().map(|t| t["api_calls"].as_u64().unwrap()).sum::<u64>();
    let before = calls(&w.grants().await);
    let report = engine.check_now(4).await;
    assert_eq!(report.failed, 0);
    assert_eq!(calls(&w.grants().await), before + 1, "the probe was answered by the new sandbox");
    assert_eq!(engine.connection(&connection).unwrap().status, Status::Active);

    // A refresh works there too (the token endpoint follows the sandbox as well).
    rotate(&engine, &connection).await.expect("refreshed at the new address");
    assert_eq!(w.grants().await[0]["refreshes"], 1);
}
