//! Refresh tokens that end on a fixed schedule (docs/zoom.md, Tokens: 15 years in one of Zoom's
//! pages, about 90 days in another, counted from the grant or from each rotation). The sandbox
//! plays each reading; the app words a refresh refused at that age as expired, not as
//! deauthorized, and says beforehand when the date may come.

mod common;

use common::*;
use serde_json::json;
use zoom_connections_engine::clock::FakeClock;
use zoom_connections_engine::model::{Status, SANDBOX_ORG_ID, SHORT_REFRESH_LIFETIME};
use zoom_connections_engine::reasons::StatusReason;

const DAY: i64 = 24 * 3600;

fn real_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

async fn world(from: &str) -> (World, std::sync::Arc<FakeClock>, String) {
    let clock = FakeClock::at(real_now());
    let w = World::with_clock(clock.clone()).await;
    w.control("/settings", json!({"refresh_token_lifetime": {"seconds": SHORT_REFRESH_LIFETIME, "from": from}})).await;
    let id = w.connect(SANDBOX_ORG_ID, "n", "owner@contoso.example").await.connection.id;
    (w, clock, id)
}

#[tokio::test]
async fn ninety_days_from_the_grant_ends_a_kept_alive_connection_worded_as_expired_and_warned_before() {
    let (w, clock, id) = world("grant").await;
    // Kept alive: every rotation works until the grant's 90th day.
    for _ in 0..2 {
        w.advance(&clock, 35 * DAY).await;
        assert_eq!(rotate(&w.engine, &id).await.unwrap().status, Status::Active);
    }
    // Within 14 days of the 90th day (not before), status and the window say when it may end.
    assert_eq!(w.engine.summary(&w.engine.connection(&id).unwrap()).refresh_may_end_at, None, "20 days before");
    w.advance(&clock, 10 * DAY).await;
    assert_eq!(rotate(&w.engine, &id).await.unwrap().status, Status::Active);
    let summary = w.engine.summary(&w.engine.connection(&id).unwrap());
    assert_eq!(summary.refresh_may_end_at, Some(w.engine.connection(&id).unwrap().granted_at.unwrap() + SHORT_REFRESH_LIFETIME));
    w.advance(&clock, 11 * DAY).await;
    assert!(rotate(&w.engine, &id).await.is_err());
    let conn = w.engine.connection(&id).unwrap();
    assert_eq!(conn.status, Status::NeedsReconnect);
    assert_eq!(conn.reason, Some(StatusReason::RefreshExpired { days: 91 }), "{:?}", conn.status_reason);
    let words = zoom_connections_engine::reasons::words(conn.reason.as_ref().unwrap(), false);
    assert!(words.starts_with("the refresh token expired (91 days old"), "{words}");
    // Past the date it is no longer announced (the connection ended, or Zoom counts 15 years).
    assert_eq!(w.engine.summary(&conn).refresh_may_end_at, None);
}

#[tokio::test]
async fn ninety_days_from_each_rotation_ends_only_a_connection_left_unrefreshed_that_long() {
    let (w, clock, id) = world("rotation").await;
    for _ in 0..3 {
        w.advance(&clock, 40 * DAY).await;
        assert_eq!(rotate(&w.engine, &id).await.unwrap().status, Status::Active, "kept alive, it never expires");
    }
    // The app did not run for 91 days.
    w.advance(&clock, 91 * DAY).await;
    assert!(rotate(&w.engine, &id).await.is_err());
    assert_eq!(w.engine.connection(&id).unwrap().reason, Some(StatusReason::RefreshExpired { days: 91 }));
}

#[tokio::test]
async fn a_young_grant_refused_is_not_called_expired_and_no_end_is_announced_early() {
    let (w, clock, id) = world("grant").await;
    assert_eq!(w.engine.summary(&w.engine.connection(&id).unwrap()).refresh_may_end_at, None, "not yet within 14 days");
    w.advance(&clock, 10 * DAY).await;
    w.control("/uninstall", json!({"email": "owner@contoso.example", "client_id": "sandbox-public"})).await;
    assert!(rotate(&w.engine, &id).await.is_err());
    let reason = w.engine.connection(&id).unwrap().reason;
    assert!(!matches!(reason, Some(StatusReason::RefreshExpired { .. })), "{reason:?}");
}
